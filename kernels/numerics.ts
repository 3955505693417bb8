/** The spec's clamp for every value entering a log. */
export const EPS = 1e-7;

export function clampProb(v: number): number {
  return v < EPS ? EPS : v > 1 - EPS ? 1 - EPS : v;
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
