/** The spec's clamp for every value entering a log (docs/spec/losses.md). */
export const EPS = 1e-7;

/**
 * clamp(v, EPS, 1 − EPS), with EPS written out: a module binding read in the per-pixel loops ran
 * them about 1.25× slower than the literal (test/unit/numerics.test.ts ties the two).
 */
export function clampProb(v: number): number {
  return v < 1e-7 ? 1e-7 : v > 1 - 1e-7 ? 1 - 1e-7 : v;
}

/** log(1 + exp(x)) without overflow. */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** Pairwise (cascade) summation: error O(log n · eps) instead of O(n · eps). */
export function pairwiseSum(values: ArrayLike<number>, start = 0, end = values.length): number {
  const count = end - start;
  if (count <= 128) {
    let s = 0;
    for (let i = start; i < end; i++) s += values[i];
    return s;
  }
  const mid = start + (count >> 1);
  return pairwiseSum(values, start, mid) + pairwiseSum(values, mid, end);
}
