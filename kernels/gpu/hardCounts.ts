/**
 * The exact integer part of the pixel sums, on the host: n, count, hard TP/FP/FN and correct from
 * the hard prediction (binary: p > 0.5 or z > 0; channels: argmax over the original values, first
 * maximum wins; labels: the label). Done here, not in float32 kernels, so near-ties of float64
 * inputs that float32 cannot tell apart still break as the reference breaks them.
 */
import { emptyPixelSums } from '../reference/pixelSums.js';
import type { PixelSums, PreparedPair } from '../types.js';

/** Pixels per block of the channel argmax, so its C plane streams stay in cache. */
const ARGMAX_BLOCK = 4096;

/** The hard prediction per pixel (-1 or >= C: no class). */
function hardPrediction(pair: PreparedPair): Int32Array {
  const { pred, size } = pair;
  if (pred.kind === 'labels') return pred.labels;
  const hard = new Int32Array(size);
  const values = pred.values;
  if (pred.kind === 'binary') {
    const threshold = pred.logits ? 0 : 0.5;
    for (let i = 0; i < size; i++) hard[i] = values[i] > threshold ? 1 : 0;
    return hard;
  }
  const best = new Float64Array(ARGMAX_BLOCK);
  for (let start = 0; start < size; start += ARGMAX_BLOCK) {
    const end = Math.min(size, start + ARGMAX_BLOCK);
    best.fill(-Infinity);
    for (let c = 0; c < pair.classes; c++) {
      const plane = c * size;
      for (let i = start; i < end; i++) {
        const v = values[plane + i];
        if (v > best[i - start]) {
          best[i - start] = v;
          hard[i] = c;
        }
      }
    }
  }
  return hard;
}

/** Sums with n, count, hardTp, hardFp, hardFn and correct filled in (the float fields zero). */
export function hardCounts(pair: PreparedPair): PixelSums {
  const sums = emptyPixelSums(pair.classes);
  const hard = hardPrediction(pair);
  const { target, classes } = pair;
  const { count, hardTp, hardFp, hardFn } = sums;
  let n = 0;
  let correct = 0;
  for (let i = 0; i < target.length; i++) {
    const y = target[i];
    if (y < 0) continue;
    n++;
    count[y]++;
    const h = hard[i];
    if (h === y) {
      hardTp[y]++;
      correct++;
    } else {
      if (h >= 0 && h < classes) hardFp[h]++;
      hardFn[y]++;
    }
  }
  sums.n = n;
  sums.correct = correct;
  return sums;
}
