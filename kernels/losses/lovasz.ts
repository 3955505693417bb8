import type { ClassPlanes } from '../classPlanes.js';
import { clampProb } from '../numerics.js';
import { RADIX_SORT_MIN_LENGTH, sortNonNegativeFloat64 } from '../radixSort.js';
import type { PixelSums, PreparedPair } from '../types.js';

/**
 * Σ_k relu(e_k) · lovasz_grad(g)_k for errors sorted descending, given the POSITIVE errors of the
 * foreground (g = 1) and background (g = 0) elements separately and the foreground count G.
 * Elements with e ≤ 0 sort after every positive one and add nothing, so they are left out before
 * sorting. Each group is sorted ascending (a radix sort on the float64 bits, element-wise the same
 * as the typed-array sort) and the two are merged, so no index permutation is needed; ties between
 * the groups may go either way, as the Lovász extension has the same value for any tie order.
 */
export function lovaszFromGroups(fgErrors: Float64Array, bgErrors: Float64Array, G: number, sortScratch?: Float64Array): number {
  const longest = Math.max(fgErrors.length, bgErrors.length);
  const scratch = longest < RADIX_SORT_MIN_LENGTH ? undefined : sortScratch && sortScratch.length >= longest ? sortScratch : new Float64Array(longest);
  sortNonNegativeFloat64(fgErrors, scratch);
  sortNonNegativeFloat64(bgErrors, scratch);
  let i = fgErrors.length - 1;
  let j = bgErrors.length - 1;
  let cumFg = 0;
  let cumBg = 0;
  let prevJ = 0;
  let loss = 0;
  while (i >= 0 || j >= 0) {
    let e: number;
    if (j < 0 || (i >= 0 && fgErrors[i] >= bgErrors[j])) {
      e = fgErrors[i--];
      cumFg++;
    } else {
      e = bgErrors[j--];
      cumBg++;
    }
    const intersection = G - cumFg;
    const union = G + cumBg;
    const jac = 1 - intersection / union;
    loss += e * (jac - prevJ);
    prevJ = jac;
  }
  return loss;
}

/**
 * Multi-class Lovász-Softmax over the classes present in the target ('present').
 * With a hard label-map prediction every error is 0 or 1: sorted descending, the FP + FN unit
 * errors come first and the sum telescopes to J after them, 1 − TP / (TP + FP + FN).
 */
export function lovaszSoftmax(pair: PreparedPair, planes: ClassPlanes, sums: PixelSums): { value: number; perClass: Map<number, number> } {
  const { size: N, classes: C, target } = pair;
  const counts = sums.count;
  const soft = pair.pred.kind !== 'labels';
  const p = new Float64Array(soft ? N : 0);
  // one error buffer for both groups (fg from the start, bg from the end) and one sort scratch
  const errors = new Float64Array(soft ? sums.n : 0);
  const scratch = new Float64Array(soft ? sums.n : 0);
  const perClass = new Map<number, number>();
  let total = 0;
  for (let c = 0; c < C; c++) {
    if (counts[c] === 0) continue;
    if (pair.pred.kind === 'labels') {
      const value = 1 - sums.hardTp[c] / (sums.hardTp[c] + sums.hardFp[c] + sums.hardFn[c]);
      perClass.set(c, value);
      total += value;
      continue;
    }
    planes.probability(c, p);
    let a = 0;
    let b = errors.length;
    for (let i = 0; i < N; i++) {
      const y = target[i];
      if (y < 0) continue;
      if (y === c) {
        if (p[i] < 1) errors[a++] = 1 - p[i];
      } else if (p[i] > 0) errors[--b] = p[i];
    }
    const value = lovaszFromGroups(errors.subarray(0, a), errors.subarray(b), counts[c], scratch);
    perClass.set(c, value);
    total += value;
  }
  return { value: perClass.size ? total / perClass.size : 0, perClass };
}

/**
 * Binary Lovász hinge on logits: errors 1 − z·(2t − 1). A hard label-map prediction has z = ±Z,
 * Z = logit(1 − 1e-7): the FP + FN errors 1 + Z come first, the rest are negative, and the sum
 * telescopes to (1 + Z)·(1 − TP / (TP + FP + FN)).
 */
export function lovaszHinge(pair: PreparedPair, planes: ClassPlanes, sums: PixelSums): number {
  const { size: N, target } = pair;
  const counts = sums.count;
  if (pair.pred.kind === 'labels') {
    const wrong = sums.hardFp[1] + sums.hardFn[1];
    if (wrong === 0) return 0;
    const Z = Math.log(clampProb(1)) - Math.log(clampProb(0));
    return (1 + Z) * (1 - sums.hardTp[1] / (sums.hardTp[1] + wrong));
  }
  const fg = new Float64Array(counts[1]);
  const bg = new Float64Array(counts[0]);
  let a = 0;
  let b = 0;
  for (let i = 0; i < N; i++) {
    const y = target[i];
    if (y < 0) continue;
    const z = planes.binaryLogit(i);
    const e = y === 1 ? 1 - z : 1 + z;
    if (e <= 0) continue;
    if (y === 1) fg[a++] = e;
    else bg[b++] = e;
  }
  return lovaszFromGroups(fg.subarray(0, a), bg.subarray(0, b), counts[1]);
}
