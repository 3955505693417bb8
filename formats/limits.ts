/**
 * Every limit on untrusted input, its default and its validation, in one place (README.md, Limits and bad input).
 * A mask file is untrusted: each limit is checked before the work it bounds — a header's dimensions
 * before anything is allocated, a compressed stream's size while it inflates, a label value before
 * anything is sized by it. Pure (no node modules); formats/types.ts re-exports it.
 */

export const MiB = 1024 * 1024;

/**
 * Largest element count of one decoded array (all its channels), checked from the header before
 * allocating: 512 Mi elements. A pair at the limit needs about 2 GiB per float32 map or int32 label
 * map, float64 distance arrays over a class's bounding box (up to 4 GiB) and the decoded inputs —
 * some 10–12 GiB, which fits a 16–24 GB machine. 2^31 − 1 would need four times that (a 24 GB
 * machine runs out), and is beyond what one Node 20 typed array of 8-byte values may hold (4 GiB).
 */
export const DEFAULT_MAX_ELEMENTS = 2 ** 29;

/**
 * Largest class count a pair may need — the largest label value + 1, the channel count of a
 * probability map, or --classes — checked before anything is sized by it: the hard-mask confusion
 * table holds (C + 1)^2 float64 entries (8 MiB at 1024 classes) and every per-class result C entries.
 */
export const DEFAULT_MAX_CLASSES = 1024;

/**
 * The most --max-classes may raise the class limit to: 16384 classes make a 2 GiB confusion table
 * (sparse atlases such as FreeSurfer's a2009s labels reach 14175). Beyond it, allocations sized by the
 * class count would fail or exhaust the heap.
 */
export const MAX_CLASSES_CEILING = 16384;

/**
 * Largest mask file, in MiB, in the CLI (--max-file-mb) and for the engine's callers that give none.
 * The same number bounds what a compressed file (PNG image data, .nii.gz) may inflate to, so a small
 * file cannot decode to more than a large one could hold. 0 means no limit.
 */
export const DEFAULT_MAX_FILE_MB = 2048;

/** The extension's default for segscope.maxFileSizeMB (an editor's host process is smaller). */
export const DEFAULT_EXTENSION_MAX_FILE_MB = 512;

/**
 * What "no limit" on decompressed bytes means: the largest buffer Node 20 can hold (2^32 − 1 bytes),
 * which is also the largest output zlib accepts as a bound.
 */
export const DECODED_BYTES_CEILING = 2 ** 32 - 1;

/** Largest NPY header (numpy itself writes and reads at most 10,000 bytes). */
export const MAX_NPY_HEADER_BYTES = 64 * 1024;

/** Most dimensions an NPY shape may have (numpy 2's NPY_MAXDIMS). */
export const MAX_NPY_DIMS = 64;

/** The limits one decode applies, resolved (no undefined, no "0 means none"). */
export interface InputLimits {
  maxElements: number;
  maxDecodedBytes: number;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The problem with a --max-file-mb value (or segscope.maxFileSizeMB), or null: a number >= 0, 0 = no limit. */
export function checkMaxFileMb(mb: number, name = '--max-file-mb'): string | null {
  if (typeof mb !== 'number' || Number.isNaN(mb) || mb < 0 || mb === Infinity) {
    return `${name} must be a number of MiB > 0, or 0 for no limit; got ${String(mb)}`;
  }
  return null;
}

/** The problem with a --max-classes value (or segscope.maxClasses), or null: an integer in [2, MAX_CLASSES_CEILING]. */
export function checkMaxClasses(n: number, name = '--max-classes'): string | null {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 2 || n > MAX_CLASSES_CEILING) {
    return `${name} must be an integer from 2 to ${MAX_CLASSES_CEILING}; got ${String(n)}`;
  }
  return null;
}

/** The problem with an element limit, or null: a positive integer. */
export function checkMaxElements(n: number, name = 'the element limit'): string | null {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) return `${name} must be a positive integer; got ${String(n)}`;
  return null;
}

/** A file size limit in bytes from MiB: 0 stays 0 (no limit). Call {@link checkMaxFileMb} first. */
export function fileBytesFromMb(mb: number): number {
  return mb === 0 ? 0 : Math.round(mb * MiB);
}

/** The problem with a file size limit in bytes (0: no limit), or null. */
export function checkMaxFileBytes(bytes: number): string | null {
  if (typeof bytes !== 'number' || Number.isNaN(bytes) || bytes < 0) {
    return `the file size limit must be a number of bytes > 0, or 0 for no limit; got ${String(bytes)}`;
  }
  return null;
}

/** The file size limit in bytes as a number to compare with (Infinity for 0 = no limit; undefined = the default). */
export function effectiveFileBytes(maxBytes: number | undefined): number {
  if (maxBytes === undefined) return DEFAULT_MAX_FILE_MB * MiB;
  return maxBytes === 0 ? Infinity : maxBytes;
}

/** The decompressed-bytes budget that goes with a file size limit (0: no limit, i.e. the ceiling). */
export function decodedBytesFor(maxBytes: number | undefined): number {
  return Math.min(effectiveFileBytes(maxBytes), DECODED_BYTES_CEILING);
}

/** Resolves the decode limits (undefined: the defaults). */
export function resolveDecodeLimits(opts: { maxElements?: number; maxDecodedBytes?: number }): InputLimits {
  const maxDecodedBytes =
    opts.maxDecodedBytes === undefined ? decodedBytesFor(undefined) : Math.min(opts.maxDecodedBytes === 0 ? Infinity : opts.maxDecodedBytes, DECODED_BYTES_CEILING);
  return { maxElements: opts.maxElements ?? DEFAULT_MAX_ELEMENTS, maxDecodedBytes };
}

/** 1536 -> '1.5 KiB' */
export function humanBytes(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let u = 0;
  let v = n;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

/** How to raise the file / decompressed size limit, for messages. */
export const RAISE_FILE_LIMIT = 'raise it with --max-file-mb (segscope.maxFileSizeMB in the editor; 0: no limit)';

/** How to raise the class limit, for messages. */
export const RAISE_CLASS_LIMIT = 'raise it with --max-classes N (segscope.maxClasses in the editor)';

/** The message for a class count over the limit (the caller names the file). */
export function classLimitProblem(what: string, classes: number, maxClasses: number): string {
  return `${what} needs ${plural(classes, 'class', 'classes')}, over the limit of ${maxClasses}; ${RAISE_CLASS_LIMIT} if the mask really has that many`;
}
