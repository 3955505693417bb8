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

/** Every user-facing input problem: a message that names the file and the problem. */
export class MaskInputError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(file ? `${file}: ${problem}` : problem);
    this.name = 'MaskInputError';
  }
}
