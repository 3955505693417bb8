import { helperTask, runSplit, sharedCopy, useHelperFor } from './helperThread.js';

/**
 * Squared distance from every pixel to the nearest pixel of the other value of `mask` (edt(M)² on
 * M, edt(¬M)² off it; Infinity where the other value is absent): both exact transforms of
 * distance.ts in one array. This works because a pixel's distance to its own side is 0 at every
 * stage of the separable passes, so one array holds both fields; each strided line runs two lower
 * envelopes, and a run of equal mask values feeds the other side's envelope only through its two
 * end pixels, since the pixels inside a run are never the nearest for a pixel outside it.
 *
 * With a shared-memory output (distanceField) of a large array, every pass is split between this
 * thread and one helper thread (the lines of a pass are independent); the result is the same to
 * the bit either way.
 */
export function squaredDistanceToOtherSide(
  mask: Uint8Array, shape: number[], spacing: number[], out: Float64Array = new Float64Array(mask.length),
): Float64Array {
  const size = mask.length;
  if (out.length !== size) throw new Error(`squaredDistanceToOtherSide: output of ${out.length} for ${size} pixels`);
  if (out.buffer instanceof SharedArrayBuffer && useHelperFor(size)) {
    return twoThreads(mask, shape, spacing, out);
  }
  rowPass(mask, out, shape, spacing, 0, size / shape[shape.length - 1]);
  for (let axis = shape.length - 2; axis >= 0; axis--) stridedPass(mask, out, shape, spacing, axis, 0, blockCount(shape, axis));
  return out;
}

/**
 * An output for squaredDistanceToOtherSide that lets it use two threads: shared memory when that
 * is configured (kernels/helperThread.ts) and the array is large enough, a plain array otherwise.
 * Callers reuse it.
 */
export function distanceField(size: number): Float64Array {
  return useHelperFor(size) ? new Float64Array(new SharedArrayBuffer(size * 8)) : new Float64Array(size);
}

// The pass functions below are also the helper thread's source (kernels/helperThread.ts), so they
// must use nothing but their arguments, each other and globals.

/** The contiguous last axis: per row, a forward and a backward sweep to the nearest other value. */
function rowPass(mask: Uint8Array, dist: Float64Array, shape: number[], spacing: number[], rowFrom: number, rowTo: number): void {
  const W = shape[shape.length - 1];
  const sW = spacing[shape.length - 1];
  for (let base = rowFrom * W; base < rowTo * W; base += W) {
    let last0 = -Infinity;
    let last1 = -Infinity;
    for (let x = 0; x < W; x++) {
      if (mask[base + x] !== 0) { last1 = x; dist[base + x] = x - last0; } else { last0 = x; dist[base + x] = x - last1; }
    }
    last0 = Infinity;
    last1 = Infinity;
    for (let x = W - 1; x >= 0; x--) {
      let d: number;
      if (mask[base + x] !== 0) { last1 = x; d = Math.min(dist[base + x], last0 - x); } else { last0 = x; d = Math.min(dist[base + x], last1 - x); }
      d *= sW;
      dist[base + x] = d * d;
    }
  }
}

/** Lines of `axis` are taken in blocks of 32 neighbours, so each row of a block is one contiguous read. */
function blockCount(shape: number[], axis: number): number {
  let stride = 1;
  for (let k = axis + 1; k < shape.length; k++) stride *= shape[k];
  const size = shape.reduce((a, b) => a * b, 1);
  return (size / (shape[axis] * stride)) * Math.ceil(stride / 32);
}

/** The blocks [blockFrom, blockTo) of a strided axis: gather, two envelopes per line, scatter. */
function stridedPass(
  mask: Uint8Array, dist: Float64Array, shape: number[], spacing: number[], axis: number, blockFrom: number, blockTo: number,
): void {
  const BLOCK = 32;
  let stride = 1;
  for (let k = axis + 1; k < shape.length; k++) stride *= shape[k];
  const n = shape[axis];
  const s2 = spacing[axis] * spacing[axis];
  const blocksPerOuter = Math.ceil(stride / BLOCK);
  const lines = new Float64Array(BLOCK * n);
  const sides = new Uint8Array(BLOCK * n);
  const v = new Int32Array(n);
  const fv = new Float64Array(n);
  const z = new Float64Array(n + 1);
  for (let block = blockFrom; block < blockTo; block++) {
    const o = Math.floor(block / blocksPerOuter);
    const inner = (block - o * blocksPerOuter) * BLOCK;
    const width = Math.min(BLOCK, stride - inner);
    const base = o * n * stride + inner;
    for (let q = 0; q < n; q++) {
      const row = base + q * stride;
      for (let b = 0; b < width; b++) {
        lines[b * n + q] = dist[row + b];
        sides[b * n + q] = mask[row + b] !== 0 ? 1 : 0;
      }
    }
    for (let b = 0; b < width; b++) {
      const start = b * n;
      let ones = 0;
      for (let q = 0; q < n; q++) ones += sides[start + q];
      // a side with no pixels on this line has nothing to update
      if (ones > 0) otherSideEnvelope(lines, sides, start, n, s2, 0, v, fv, z);
      if (ones < n) otherSideEnvelope(lines, sides, start, n, s2, 1, v, fv, z);
    }
    for (let q = 0; q < n; q++) {
      const row = base + q * stride;
      for (let b = 0; b < width; b++) dist[row + b] = lines[b * n + q];
    }
  }
}

/**
 * One line (f[start..start+n)): for the pixels whose side is not `features`, the lower envelope of
 * the parabolas at the `features` pixels (value 0; run ends only) and at the other pixels (their
 * current squared distance). Pixels on the `features` side are left as they are.
 */
function otherSideEnvelope(
  f: Float64Array, side: Uint8Array, start: number, n: number, s2: number, features: number,
  v: Int32Array, fv: Float64Array, z: Float64Array,
): void {
  let k = -1;
  for (let q = 0; q < n; q++) {
    let fq: number;
    if (side[start + q] === features) {
      if (q > 0 && q < n - 1 && side[start + q - 1] === features && side[start + q + 1] === features) continue;
      fq = 0;
    } else {
      fq = f[start + q];
      if (fq === Infinity) continue;
    }
    const hq = fq + s2 * q * q;
    let x = -Infinity;
    // pop while the new parabola's intersection x = num / den lies left of z[k] (den > 0: no division)
    while (k >= 0) {
      const p = v[k];
      const num = hq - (fv[k] + s2 * p * p);
      const den = 2 * s2 * (q - p);
      if (num <= z[k] * den) k--;
      else {
        x = num / den;
        break;
      }
    }
    k++;
    v[k] = q;
    fv[k] = fq;
    z[k] = k === 0 ? -Infinity : x;
    z[k + 1] = Infinity;
  }
  if (k < 0) {
    for (let q = 0; q < n; q++) if (side[start + q] !== features) f[start + q] = Infinity;
    return;
  }
  let j = 0;
  for (let q = 0; q < n; q++) {
    while (z[j + 1] < q) j++;
    if (side[start + q] === features) continue;
    const dq = q - v[j];
    f[start + q] = s2 * dq * dq + fv[j];
  }
}

interface PassArgs {
  mask: Uint8Array;
  dist: Float64Array;
  shape: number[];
  spacing: number[];
  /** -1: the row pass over rows [from, to); otherwise the blocks [from, to) of that axis */
  axis: number;
}

function runPass(a: PassArgs, from: number, to: number): void {
  if (a.axis < 0) rowPass(a.mask, a.dist, a.shape, a.spacing, from, to);
  else stridedPass(a.mask, a.dist, a.shape, a.spacing, a.axis, from, to);
}

const PASS_TASK = helperTask<PassArgs>('otherSideDistance.pass', runPass, [rowPass, stridedPass, otherSideEnvelope]);

function twoThreads(maskIn: Uint8Array, shape: number[], spacing: number[], dist: Float64Array): Float64Array {
  const mask = sharedCopy('otherSideDistance.mask', maskIn);
  const rows = mask.length / shape[shape.length - 1];
  const pass = (axis: number, total: number) => {
    const args: PassArgs = { mask, dist, shape, spacing, axis };
    runSplit(PASS_TASK, args, total, (from, to) => runPass(args, from, to));
  };
  pass(-1, rows);
  for (let axis = shape.length - 2; axis >= 0; axis--) pass(axis, blockCount(shape, axis));
  return dist;
}
