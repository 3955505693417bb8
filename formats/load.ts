import { readFile, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename } from 'node:path';
import { maskExtension } from './extensions.js';
import { MaskInputError, type DecodedMask, type MaskFormat } from './types.js';
import { decodeNpy, isNpy, DEFAULT_MAX_ELEMENTS } from './npy.js';
import { decodePng, isPng } from './png.js';
import { decodeNifti, isGzip, sniffNifti } from './nifti.js';

export interface LoadOptions {
  /** Largest file accepted, checked before reading (default 2 GiB). */
  maxBytes?: number;
  /** Largest element count a decoder will allocate (default 2^31 - 1). */
  maxVoxels?: number;
  /** RGB(A) PNG label maps: '#rrggbb' -> class index. */
  colourMap?: Record<string, number>;
}

export const DEFAULT_MAX_BYTES = 2 * 1024 ** 3;

const EXPECTED = '(expected .png, .npy, .nii or .nii.gz)';

/** The format a file name promises, or undefined for an unknown extension. */
export function formatFromPath(path: string): MaskFormat | undefined {
  const ext = maskExtension(path);
  return ext === '.png' ? 'png' : ext === '.npy' ? 'npy' : ext ? 'nifti' : undefined;
}

/** The format the content announces by its magic bytes (gzip counts as NIfTI), or undefined. */
export function sniffFormat(bytes: Uint8Array): MaskFormat | undefined {
  if (isPng(bytes)) return 'png';
  if (isNpy(bytes)) return 'npy';
  if (isGzip(bytes) || sniffNifti(bytes)) return 'nifti';
  return undefined;
}

function unknownFormat(path: string): MaskInputError {
  const ext = /(\.[^./\\]+)$/.exec(basename(path))?.[1];
  return new MaskInputError(path, `unknown format ${ext ? `'${ext}'` : '(no extension)'} ${EXPECTED}`);
}

const FORMAT_NAME: Record<MaskFormat, string> = { png: 'a PNG image', npy: 'a NumPy .npy array', nifti: 'NIfTI (or gzip) data' };

/** Decodes bytes already in memory, dispatching on the file name and checking it against the content. */
export function decodeMask(
  bytes: Uint8Array,
  path: string,
  opts: Omit<LoadOptions, 'maxBytes'> = {},
): DecodedMask {
  const format = formatFromPath(path);
  if (!format) throw unknownFormat(path);
  const actual = sniffFormat(bytes);
  if (actual && actual !== format) {
    throw new MaskInputError(path, `the name says ${FORMAT_NAME[format]} but the content is ${FORMAT_NAME[actual]}; rename the file`);
  }
  const maxElements = opts.maxVoxels ?? DEFAULT_MAX_ELEMENTS;
  switch (format) {
    case 'png':
      return decodePng(bytes, path, { maxElements, colourMap: opts.colourMap });
    case 'npy':
      return decodeNpy(bytes, path, { maxElements });
    case 'nifti':
      return decodeNifti(bytes, path, { maxElements });
  }
}

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

function humanBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return `${u === 0 ? n : n.toFixed(1)} ${units[u]}`;
}

/** Reads and decodes a mask file (.png, .npy, .nii, .nii.gz). Every failure is a MaskInputError. */
export async function loadMaskFile(path: string, opts: LoadOptions = {}): Promise<DecodedMask> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
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
    throw new MaskInputError(path, `the file is ${humanBytes(size)}, over the limit of ${humanBytes(maxBytes)}`);
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
  return decodeMask(bytes, path, opts);
}
