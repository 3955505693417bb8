/**
 * Float sums of a label-map prediction. Its probabilities are exactly 0 or 1, so every sum follows
 * from the hard counts (hardCounts.ts) with the spec's clamped logs; no one-hot volume is made and
 * no kernel is needed.
 */
import { clampProb } from '../numerics.js';
import type { PixelSums } from '../types.js';

/** Fills sumP, tp, ce, bce and focal of `sums`, whose counts and hard counts are already set. */
export function addLabelSums(sums: PixelSums, focalGamma: number): void {
  // -log of a clamped one-hot probability: where it is 1 (a hit) and where it is 0 (a miss)
  const costOfOne = -Math.log(clampProb(1));
  const costOfZero = -Math.log(clampProb(0));
  for (let c = 0; c < sums.count.length; c++) {
    const count = sums.count[c];
    const hardTp = sums.hardTp[c];
    const hardFp = sums.hardFp[c];
    const hardFn = sums.hardFn[c];
    sums.sumP[c] = hardTp + hardFp;
    sums.tp[c] = hardTp;
    sums.ce[c] = hardTp * costOfOne + hardFn * costOfZero;
    // focal weight (1 - p_y)^gamma: 0^gamma on a hit (1 when gamma = 0), 1 on a miss
    sums.focal[c] = (focalGamma === 0 ? hardTp * costOfOne : 0) + hardFn * costOfZero;
    // one-vs-rest over the other pixels: log(1 - p_c) is log(0) where c was predicted, log(1) elsewhere
    const others = sums.n - count;
    sums.bce[c] = sums.ce[c] + hardFp * costOfZero + (others - hardFp) * costOfOne;
  }
}
