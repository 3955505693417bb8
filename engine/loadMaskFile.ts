/** Reads a mask file and decodes it (formats/decode.ts). Every failure is a MaskInputError naming the file. */
import { readFile, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { decodeMask, formatFromPath, unknownFormat, type DecodeOptions } from '../formats/decode.js';
import {
  checkMaxFileBytes,
  decodedBytesFor,
  DEFAULT_MAX_FILE_MB,
  effectiveFileBytes,
  humanBytes,
  inputBoundaryError,
  MaskInputError,
  MiB,
  RAISE_FILE_LIMIT,
  type DecodedMask,
} from '../formats/types.js';

export interface LoadOptions extends DecodeOptions {
  /**
   * Largest file accepted, in bytes, checked before reading (default DEFAULT_MAX_BYTES, 2 GiB; 0: no
   * limit). The same number bounds what a compressed file may inflate to, unless `maxDecodedBytes`
   * says otherwise (formats/limits.ts).
   */
  maxBytes?: number;
}

export const DEFAULT_MAX_BYTES = DEFAULT_MAX_FILE_MB * MiB;

function fsProblem(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOENT':
      return 'file not found';
    case 'EACCES':
    case 'EPERM':
      return 'cannot read the file: permission denied';
    case 'EISDIR':
      return 'is a directory, not a mask file';
    case 'ENOTDIR':
      return 'file not found (a parent in the path is not a directory)';
    default:
      return `cannot read the file (${err.code ?? err.message})`;
  }
}

/** Reads and decodes a mask file (.png, .npy, .nii, .nii.gz). Every failure is a MaskInputError. */
export async function loadMaskFile(path: string, opts: LoadOptions = {}): Promise<DecodedMask> {
  const limitProblem = opts.maxBytes === undefined ? null : checkMaxFileBytes(opts.maxBytes);
  if (limitProblem) throw new MaskInputError('', limitProblem);
  const maxBytes = effectiveFileBytes(opts.maxBytes);
  if (!formatFromPath(path)) throw unknownFormat(path);
  let st: Stats;
  try {
    st = await stat(path);
  } catch (e) {
    throw new MaskInputError(path, fsProblem(e));
  }
  if (st.isDirectory()) throw new MaskInputError(path, fsProblem({ code: 'EISDIR' }));
  if (!st.isFile()) throw new MaskInputError(path, 'not a regular file');
  const size = st.size;
  if (size > maxBytes) {
    throw new MaskInputError(path, `the file is ${humanBytes(size)}, over the limit of ${humanBytes(maxBytes)}; ${RAISE_FILE_LIMIT}`);
  }
  let bytes: Uint8Array;
  try {
    const buf = await readFile(path);
    bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_FS_FILE_TOO_LARGE') {
      throw new MaskInputError(path, `the file is ${humanBytes(size)}, too large to read at once`);
    }
    throw new MaskInputError(path, fsProblem(e));
  }
  const maxDecodedBytes = opts.maxDecodedBytes ?? decodedBytesFor(opts.maxBytes);
  try {
    return decodeMask(bytes, path, { ...opts, maxDecodedBytes });
  } catch (e) {
    // the decode boundary: an allocation failure is an input error naming the file, anything else a named internal error
    throw inputBoundaryError(path, e, 'decode');
  }
}
