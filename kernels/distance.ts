import { squaredDistanceToOtherSide } from './otherSideDistance.js';

/**
 * Exact Euclidean distance transforms with anisotropic spacing (Felzenszwalb & Huttenlocher's
 * separable lower envelope of parabolas, linear time per axis: otherSideDistance.ts), and mask
 * boundaries.
 * Arrays are C order over `shape`; `spacing[k]` is the physical size along axis k.
 */

/**
 * Squared distance from every pixel to the nearest feature pixel, i.e. the pixels where
 * `mask[i] !== 0` equals `featuresAreNonzero`; Infinity where there is none. One side of
 * squaredDistanceToOtherSide: the feature pixels themselves are at distance 0.
 */
export function squaredDistanceToFeatures(
  mask: Uint8Array,
  featuresAreNonzero: boolean,
  shape: number[],
  spacing: number[],
): Float64Array {
  const dist = squaredDistanceToOtherSide(mask, shape, spacing);
  for (let i = 0; i < dist.length; i++) if ((mask[i] !== 0) === featuresAreNonzero) dist[i] = 0;
  return dist;
}

/**
 * scipy's distance_transform_edt(mask, sampling=spacing): for each nonzero pixel the distance to
 * the nearest zero pixel, 0 on zero pixels (Infinity where the mask has no zero pixel at all).
 */
export function edt(mask: Uint8Array, shape: number[], spacing: number[]): Float64Array {
  const d = squaredDistanceToFeatures(mask, false, shape, spacing);
  for (let i = 0; i < d.length; i++) d[i] = Math.sqrt(d[i]);
  return d;
}

/** Distance from every pixel to the nearest nonzero pixel of `mask` (edt of its complement). */
export function distanceToMask(mask: Uint8Array, shape: number[], spacing: number[]): Float64Array {
  const d = squaredDistanceToFeatures(mask, true, shape, spacing);
  for (let i = 0; i < d.length; i++) d[i] = Math.sqrt(d[i]);
  return d;
}

/**
 * ∂A = A xor erode(A), face-connected structuring element, outside the array counted as
 * background (scipy binary_erosion defaults): foreground pixels on the array border are boundary.
 */
export function boundaryOf(mask: Uint8Array, shape: number[]): Uint8Array {
  const size = mask.length;
  const out = new Uint8Array(size);
  const strides = stridesOf(shape);
  const coord = new Int32Array(shape.length);
  for (let i = 0; i < size; i++) {
    if (mask[i] !== 0) {
      let edge = false;
      for (let a = 0; a < shape.length && !edge; a++) {
        const c = coord[a];
        const st = strides[a];
        if (c === 0 || c === shape[a] - 1 || mask[i - st] === 0 || mask[i + st] === 0) edge = true;
      }
      if (edge) out[i] = 1;
    }
    for (let a = shape.length - 1; a >= 0; a--) {
      if (++coord[a] < shape[a]) break;
      coord[a] = 0;
    }
  }
  return out;
}

/** The C-order coordinates of flat index i. */
export function unravel(i: number, shape: number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let a = shape.length - 1; a >= 0; a--) {
    out[a] = i % shape[a];
    i = Math.floor(i / shape[a]);
  }
  return out;
}

export function stridesOf(shape: number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let a = shape.length - 1; a >= 0; a--) {
    strides[a] = s;
    s *= shape[a];
  }
  return strides;
}

/** An axis-aligned box [lo, hi) per axis. */
export interface Box {
  lo: number[];
  hi: number[];
}
