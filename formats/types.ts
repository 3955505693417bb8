import { quoteForMessage, quotePath } from './quote.js';

export { quoteForMessage, quotePath } from './quote.js';
export * from './limits.js';

/** A decoded n-dimensional array in C order (last axis fastest). */
export type TypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array;

export interface NdArray {
  data: TypedArray;
  /** C-order shape; the last axis is the fastest in `data`. */
  shape: number[];
  /** true for integer (and bool) source dtypes: label maps or scaled probabilities. */
  integer: boolean;
  /** The source dtype as the file states it, e.g. '<f4', '|u1', 'uint8 grey PNG', 'NIfTI int16'. */
  dtype: string;
}

export type MaskFormat = 'png' | 'npy' | 'nifti';

export interface DecodedMask extends NdArray {
  path: string;
  format: MaskFormat;
  /** Physical size per spatial axis, in the same order as the spatial axes of `shape` (NIfTI only). */
  spacing?: number[];
  /** NIfTI voxel-to-world 4x4 affine in the file's (x, y, z) order (sform, else qform, else pixdim). */
  affine?: number[][];
  /** RGB(A) PNG without a colour map: the colour of each class index in the order classes were assigned. */
  colourClasses?: string[];
  /** Non-fatal problems found while decoding (e.g. a zero pixdim replaced by 1), for the user to see. */
  warnings?: string[];
}

/**
 * Every user-facing input problem: a message that names the file and the problem. The message is
 * escaped once here (formats/quote.ts), the file name and the problem alike, so no path of any
 * decoder can print a raw newline or terminal escape; `file` and `problem` keep the raw text.
 */
export class MaskInputError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(file ? `${quotePath(file)}: ${quoteForMessage(problem, PROBLEM_QUOTE_MAX)}` : quoteForMessage(problem, PROBLEM_QUOTE_MAX));
    this.name = 'MaskInputError';
  }
}

/** The longest problem text of a MaskInputError (each quote inside it is already cut far shorter). */
const PROBLEM_QUOTE_MAX = 2000;

/**
 * An unexpected failure (a bug, not bad input) while reading, decoding or preparing a file: the file
 * is named, the original error kept as `cause`. The CLI prints one line asking for a bug report.
 */
export class InternalError extends Error {
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(`${quotePath(file)}: ${quoteForMessage(cause instanceof Error ? cause.message : String(cause), 300)}`, { cause });
    this.name = 'InternalError';
  }
}

/** True for a failure to allocate (a RangeError such as "Invalid typed array length" or "Array buffer allocation failed"). */
export function isAllocationFailure(e: unknown): boolean {
  return e instanceof RangeError;
}

/**
 * The error to throw for something `fn`-like failed with while handling `file`: a MaskInputError as
 * it is; an allocation failure (RangeError) as an input error naming the file (what it asked for
 * could not be allocated); anything else as an InternalError naming the file.
 */
export function inputBoundaryError(file: string, e: unknown, stage: 'decode' | 'prepare'): Error {
  if (e instanceof MaskInputError || e instanceof InternalError) return e;
  if (isAllocationFailure(e)) {
    const what = stage === 'decode' ? 'decoding it' : 'preparing it';
    return new MaskInputError(file, `${what} needs more memory than can be allocated (${(e as Error).message}); the file is too large or its header lies`);
  }
  return new InternalError(file, e);
}
