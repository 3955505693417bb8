import type { PixelSums } from '../types.js';

/** Per class: the mean of a per-pixel sum over the pixels whose target is that class (NaN if none). */
export function perTargetClassMean(sum: Float64Array, sums: PixelSums, weight: (c: number) => number = () => 1): number[] {
  return Array.from(sum, (s, c) => (sums.count[c] > 0 ? (weight(c) * s) / sums.count[c] : NaN));
}

function total(values: Float64Array): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

export function bce(sums: PixelSums, binary: boolean): { value: number; perClass: number[] } {
  if (binary) return { value: total(sums.ce) / sums.n, perClass: perTargetClassMean(sums.ce, sums) };
  const C = sums.bce.length;
  return { value: total(sums.bce) / (sums.n * C), perClass: Array.from(sums.bce, (s) => s / sums.n) };
}

export function cce(sums: PixelSums): { value: number; perClass: number[] } {
  return { value: total(sums.ce) / sums.n, perClass: perTargetClassMean(sums.ce, sums) };
}

/** Balanced default: w_c = N / (C_present · n_c) over the classes present in the target. */
export function balancedClassWeights(sums: PixelSums): number[] {
  const present = Array.from(sums.count).filter((n) => n > 0).length;
  return Array.from(sums.count, (n) => (n > 0 ? sums.n / (present * n) : 0));
}

export function wce(sums: PixelSums, classWeights: number[] | null): { value: number; perClass: number[] } {
  const w = classWeights ?? balancedClassWeights(sums);
  let num = 0;
  let den = 0;
  for (let c = 0; c < w.length; c++) {
    num += w[c] * sums.ce[c];
    den += w[c] * sums.count[c];
  }
  return { value: num / den, perClass: perTargetClassMean(sums.ce, sums) };
}

/** focal: Σ_c α_c · Σ_{y=c} −(1−p_c)^γ log p_c / N; α null means 1 for every class. */
export function focal(sums: PixelSums, alpha: number[] | null): { value: number; perClass: number[] } {
  const a = (c: number) => (alpha ? alpha[c] : 1);
  let num = 0;
  for (let c = 0; c < sums.focal.length; c++) num += a(c) * sums.focal[c];
  return { value: num / sums.n, perClass: perTargetClassMean(sums.focal, sums, a) };
}
