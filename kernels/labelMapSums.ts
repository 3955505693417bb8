/**
 * The float sums of a label-map prediction. Its probabilities are exactly 0 or 1, so every sum
 * follows from the confusion counts (gpu/hardCounts.ts) with the spec's clamped logs; no one-hot
 * volume is made and no kernel runs, on any backend.
 */
import { clampProb } from './numerics.js';
import { focalTerm } from './reference/pixelSums.js';
import type { PixelSums } from './types.js';

/**
 * The soft sums of a label-map prediction (p_c = 1 at the predicted class, 0 elsewhere) from its
 * confusion counts: each pixel adds log(clamp(1)) or log(clamp(0)) (computePixelSumsReference).
 */
export function labelMapSums(counts: PixelSums, focalGamma: number): PixelSums {
  const logOne = Math.log(clampProb(1));
  const logZero = Math.log(clampProb(0));
  const focalHit = focalTerm(1, logOne, focalGamma);
  const focalMiss = focalTerm(0, logZero, focalGamma);
  const sums = { ...counts };
  sums.sumP = Float64Array.from(counts.hardTp, (tp, c) => tp + counts.hardFp[c]);
  sums.tp = Float64Array.from(counts.hardTp);
  sums.ce = Float64Array.from(counts.hardTp, (tp, c) => -(tp * logOne + counts.hardFn[c] * logZero));
  sums.focal = Float64Array.from(counts.hardTp, (tp, c) => -(tp * focalHit + counts.hardFn[c] * focalMiss));
  // one-vs-rest: a pixel of another class scores log(1 − p_c), log(clamp(0)) where c was predicted
  sums.bce = Float64Array.from(counts.hardTp, (tp, c) => {
    const fn = counts.hardFn[c];
    const fp = counts.hardFp[c];
    const trueNegative = counts.n - counts.count[c] - fp;
    return -((tp + trueNegative) * logOne + (fn + fp) * logZero);
  });
  return sums;
}
