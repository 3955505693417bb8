/**
 * Bytes → typed mask: the dispatch on a file's name, checked against its magic bytes. Reading the
 * file is the engine's (engine/loadMaskFile.ts); nothing here touches the file system.
 */
import { baseName, maskExtension } from './extensions.js';
import { MaskInputError, type DecodedMask, type MaskFormat } from './types.js';
import { decodeNpy, isNpy } from './npy.js';
import { quoteForMessage } from './quote.js';
import { resolveDecodeLimits } from './limits.js';
import { decodePng, isPng } from './png.js';
import { decodeNifti, isGzip, sniffNifti } from './nifti.js';

export interface DecodeOptions {
  /** Largest element count a decoder will allocate (default DEFAULT_MAX_ELEMENTS, 512 Mi; formats/limits.ts). */
  maxVoxels?: number;
  /**
   * Largest decompressed size of PNG image data or a .nii.gz, in bytes, enforced while inflating
   * (default: the default file size limit, 2 GiB; 0: no limit up to DECODED_BYTES_CEILING).
   */
  maxDecodedBytes?: number;
  /** RGB(A) PNG label maps: '#rrggbb' -> class index. */
  colourMap?: Record<string, number>;
}

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

export function unknownFormat(path: string): MaskInputError {
  const ext = /(\.[^.]+)$/.exec(baseName(path))?.[1];
  return new MaskInputError(path, `unknown format ${ext ? `'${quoteForMessage(ext, 20)}'` : '(no extension)'} ${EXPECTED}`);
}

const FORMAT_NAME: Record<MaskFormat, string> = { png: 'a PNG image', npy: 'a NumPy .npy array', nifti: 'NIfTI (or gzip) data' };

/** Decodes bytes already in memory, dispatching on the file name and checking it against the content. */
export function decodeMask(
  bytes: Uint8Array,
  path: string,
  opts: DecodeOptions = {},
): DecodedMask {
  const format = formatFromPath(path);
  if (!format) throw unknownFormat(path);
  const actual = sniffFormat(bytes);
  if (actual && actual !== format) {
    throw new MaskInputError(path, `the name says ${FORMAT_NAME[format]} but the content is ${FORMAT_NAME[actual]}; rename the file`);
  }
  const limits = resolveDecodeLimits({ maxElements: opts.maxVoxels, maxDecodedBytes: opts.maxDecodedBytes });
  switch (format) {
    case 'png':
      return decodePng(bytes, path, { ...limits, colourMap: opts.colourMap });
    case 'npy':
      return decodeNpy(bytes, path, limits);
    case 'nifti':
      return decodeNifti(bytes, path, limits);
  }
}

