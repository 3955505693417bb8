/**
 * The exact integer part of the pixel sums, on the host: n, count, hard TP/FP/FN and correct from
 * the hard prediction (binary: p > 0.5 or z > 0; channels: argmax over the original values, first
 * maximum wins; labels: the label). Done here rather than in float32 kernels so that near-ties of
 * float64 inputs, which float32 cannot tell apart, still break the way the reference breaks them.
 *
 * The pixels are tallied into a confusion table (target row x predicted column) without
 * data-dependent branches, which keeps this fast on noisy masks too (the argmax has one, see argmaxBlock).
 */
import { emptyPixelSums } from '../reference/pixelSums.js';
import type { PixelSums, PreparedPair } from '../types.js';

/** Pixels per block: the block's hard predictions and the argmax's running maxima stay in cache. */
const BLOCK = 4096;

/** Writes the hard prediction (-1 or >= C: no class) of pixels [start, end) to hard[0 ..]. */
function hardPredictionBlock(pair: PreparedPair, start: number, end: number, hard: Int32Array, best: Float32Array | Float64Array): void {
  const { pred, size } = pair;
  if (pred.kind === 'labels') {
    hard.set(pred.labels.subarray(start, end));
    return;
  }
  const values = pred.values;
  if (pred.kind === 'binary') {
    const threshold = pred.logits ? 0 : 0.5;
    // +(a > b) converts without a branch, which random-looking masks would mispredict
    for (let i = start; i < end; i++) hard[i - start] = +(values[i] > threshold);
    return;
  }
  argmaxBlock(values, size, pair.classes, start, end, hard, best);
}

/**
 * The first maximum over the C planes, plane by plane. `best` has the values' own type, so a
 * float32 map is compared in float32 (exact). The branch is taken ever more rarely as planes go by
 * (on uniform noise, 1/(c + 1) of the pixels at plane c): this ran 2× faster than a branch-free
 * select into a float64 `best` (19 × 1024² float32: 55 against 115 ms).
 */
function argmaxBlock(values: Float32Array | Float64Array, size: number, C: number, start: number, end: number, hard: Int32Array, best: Float32Array | Float64Array): void {
  const n = end - start;
  hard.fill(0, 0, n);
  best.fill(-Infinity, 0, n);
  for (let c = 0; c < C; c++) {
    const plane = c * size + start;
    for (let j = 0; j < n; j++) {
      const v = values[plane + j];
      if (v > best[j]) {
        best[j] = v;
        hard[j] = c;
      }
    }
  }
}

/** Sums with n, count, hardTp, hardFp, hardFn and correct filled in (the float fields zero). */
export function hardCounts(pair: PreparedPair): PixelSums {
  const { target, classes: C } = pair;
  const sums = emptyPixelSums(C);
  // confusion[row * (C + 1) + column]: row 0 ignored, row y + 1 target y; column h, or C for no class
  const width = C + 1;
  const confusion = new Float64Array((C + 1) * width);
  const hard = new Int32Array(BLOCK);
  const values = pair.pred.kind === 'labels' ? null : pair.pred.values;
  const best = values instanceof Float32Array ? new Float32Array(BLOCK) : new Float64Array(BLOCK);
  for (let start = 0; start < target.length; start += BLOCK) {
    const end = Math.min(target.length, start + BLOCK);
    hardPredictionBlock(pair, start, end, hard, best);
    for (let i = start; i < end; i++) {
      const y = target[i];
      const h = hard[i - start];
      if (y >= C) {
        // a target outside the classes (not in a valid pair): counted, with no entry of its own
        sums.n++;
        if (h === y) sums.correct++;
        else if (h >= 0 && h < C) sums.hardFp[h]++;
        continue;
      }
      const row = y < 0 ? 0 : y + 1;
      const column = h >= 0 && h < C ? h : C;
      confusion[row * width + column]++;
    }
  }
  for (let y = 0; y < C; y++) {
    const row = (y + 1) * width;
    let count = 0;
    for (let h = 0; h <= C; h++) {
      const pixels = confusion[row + h];
      count += pixels;
      if (h !== y && h < C) sums.hardFp[h] += pixels;
    }
    const hits = confusion[row + y];
    sums.count[y] = count;
    sums.hardTp[y] = hits;
    sums.hardFn[y] = count - hits;
    sums.n += count;
    sums.correct += hits;
  }
  return sums;
}
