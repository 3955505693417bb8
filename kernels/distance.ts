/**
 * Exact Euclidean distance transforms with anisotropic spacing (Felzenszwalb & Huttenlocher's
 * separable lower envelope of parabolas, linear time per axis), and mask boundaries.
 * Arrays are C order over `shape`; `spacing[k]` is the physical size along axis k.
 */

/**
 * Squared distance from every pixel to the nearest feature pixel, i.e. the pixels where
 * `mask[i] !== 0` equals `featuresAreNonzero`; Infinity where there is none. The first pass, along
 * the contiguous last axis, is a two-sweep nearest-feature scan; the others are lower envelopes.
 */
export function squaredDistanceToFeatures(
  mask: Uint8Array,
  featuresAreNonzero: boolean,
  shape: number[],
  spacing: number[],
): Float64Array {
  const size = mask.length;
  const dist = new Float64Array(size);
  const nd = shape.length;
  const W = shape[nd - 1];
  const sW = spacing[nd - 1];
  for (let base = 0; base < size; base += W) {
    let last = -Infinity;
    for (let x = 0; x < W; x++) {
      if ((mask[base + x] !== 0) === featuresAreNonzero) last = x;
      dist[base + x] = x - last;
    }
    last = Infinity;
    for (let x = W - 1; x >= 0; x--) {
      if ((mask[base + x] !== 0) === featuresAreNonzero) last = x;
      const d = Math.min(dist[base + x], last - x) * sW;
      dist[base + x] = d * d;
    }
  }
  // The other axes are strided: gather a block of neighbouring lines at once, so that every
  // row of the block is read and written as one contiguous run instead of one cache miss per value.
  const BLOCK = 32;
  const longest = Math.max(...shape);
  const lines = new Float64Array(BLOCK * longest);
  const out = new Float64Array(longest);
  const v = new Int32Array(longest);
  const z = new Float64Array(longest + 1);

  let stride = W;
  for (let axis = nd - 2; axis >= 0; axis--) {
    const n = shape[axis];
    const s2 = spacing[axis] * spacing[axis];
    const outer = size / (n * stride);
    for (let o = 0; o < outer; o++) {
      for (let inner = 0; inner < stride; inner += BLOCK) {
        const width = Math.min(BLOCK, stride - inner);
        const base = o * n * stride + inner;
        for (let q = 0; q < n; q++) {
          const row = base + q * stride;
          for (let b = 0; b < width; b++) lines[b * n + q] = dist[row + b];
        }
        for (let b = 0; b < width; b++) {
          const line = lines.subarray(b * n, (b + 1) * n);
          lowerEnvelope1d(line, n, s2, out, v, z);
          line.set(out.subarray(0, n));
        }
        for (let q = 0; q < n; q++) {
          const row = base + q * stride;
          for (let b = 0; b < width; b++) dist[row + b] = lines[b * n + q];
        }
      }
    }
    stride *= n;
  }
  return dist;
}

/** d(q) = min_p s2·(q − p)² + f(p) over the finite samples of f. */
function lowerEnvelope1d(
  f: Float64Array, n: number, s2: number, d: Float64Array, v: Int32Array, z: Float64Array,
): void {
  let k = -1;
  for (let q = 0; q < n; q++) {
    const fq = f[q];
    if (fq === Infinity) continue;
    const hq = fq + s2 * q * q;
    let x = -Infinity;
    while (k >= 0) {
      const p = v[k];
      x = (hq - (f[p] + s2 * p * p)) / (2 * s2 * (q - p));
      if (x <= z[k]) k--;
      else break;
    }
    k++;
    v[k] = q;
    z[k] = k === 0 ? -Infinity : x;
    z[k + 1] = Infinity;
  }
  if (k < 0) {
    d.fill(Infinity, 0, n);
    return;
  }
  let j = 0;
  for (let q = 0; q < n; q++) {
    while (z[j + 1] < q) j++;
    const dq = q - v[j];
    d[q] = s2 * dq * dq + f[v[j]];
  }
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
