/**
 * `segscope stats A.jsonl B.jsonl` (docs/spec/cli.md): two runs on the same cases, per loss and
 * metric the mean paired difference B − A, its 95% bootstrap confidence interval and the two-sided
 * Wilcoxon signed-rank p-value with Holm's correction across the measures compared.
 *
 * - Pairs: the cases with a result in both runs; per measure, `n` counts those where both values are
 *   finite (the others are named). Measures: every loss of the case's `losses`, and the hard-mask
 *   foreground means as `metrics.dice`, `metrics.iou`, `metrics.precision`, `metrics.recall`.
 * - Wilcoxon as `scipy.stats.wilcoxon(d, zero_method="wilcox")` with `correction=False`: zero
 *   differences are dropped; up to 25 non-zero differences the exact null distribution of R+
 *   (scipy's `method="exact"`: with ties R+ may be a half-integer; it is rounded down for the upper
 *   tail and up for the lower one, p = 2·min of the tails, at most 1); beyond 25, the normal
 *   approximation z = (R+ − n(n+1)/4) / σ, σ² = (n(n+1)(2n+1) − Σ(t³ − t)/2) / 24 over the tie
 *   groups t, p = 2·Φ(−|z|) (scipy's `method="asymptotic"`). No p-value under 6 pairs.
 * - Bootstrap: B resamples of the n pairs with replacement (default 10000), the mean difference of
 *   each, the 2.5th and 97.5th percentiles (numpy's linear interpolation). The generator is
 *   xoshiro128** seeded from `--seed` and the measure's name, so a measure's interval does not depend
 *   on which other measures were asked for, and the same seed gives the same interval.
 * - Holm: the p-values of the measures that have one, sorted, p_(i)·(m − i + 1), made monotone, at most 1.
 */
import * as fs from 'node:fs';
import { LOSSES, isLossId, type LossId } from '../kernels/registry.js';
import { fromJsonNumber, type JsonNumber } from '../protocol/jsonNumber.js';
import { MaskInputError } from '../formats/types.js';
import { parseCaseLine, scanLines } from './caseLog.js';
import { compareKeys } from './folders.js';

export const MIN_PAIRS_FOR_P = 6;
export const EXACT_MAX_NONZERO = 25;

// ---------------------------------------------------------------------------------------------
// Normal distribution

/** erfc(x) for x ≥ 0 to about 1e-15 relative: a positive series below 2.5, Lentz's continued fraction above. */
function erfcPositive(x: number): number {
  if (x < 2.5) {
    // erf(x) = 2/√π · e^{−x²} · Σ 2ⁿ x^{2n+1} / (1·3·…·(2n+1))
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x * x) / (2 * n + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
  }
  // erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))))
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    d = x + a * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = x + a / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** The standard normal upper tail P(Z > z). */
export function normalSf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  const x = z / Math.SQRT2;
  return x >= 0 ? erfcPositive(x) / 2 : 1 - erfcPositive(-x) / 2;
}

// ---------------------------------------------------------------------------------------------
// Wilcoxon signed-rank

/** Average ranks of `values` (1-based) and the sizes of the tie groups. */
export function rankAverage(values: readonly number[]): { ranks: number[]; ties: number[] } {
  const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Array<number>(values.length);
  const ties: number[] = [];
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && values[order[j + 1]] === values[order[i]]) j++;
    const r = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) ranks[order[k]] = r;
    ties.push(j - i + 1);
    i = j + 1;
  }
  return { ranks, ties };
}

/** The number of subsets of {1..n} with each sum 0..n(n+1)/2: the exact null distribution of R+ (× 2ⁿ). */
function signedRankCounts(n: number): Float64Array {
  const max = (n * (n + 1)) / 2;
  const counts = new Float64Array(max + 1);
  counts[0] = 1;
  for (let k = 1; k <= n; k++) for (let s = max; s >= k; s--) counts[s] += counts[s - k];
  return counts;
}

export interface WilcoxonResult {
  /** R+ (sum of the ranks of the positive differences) */
  rPlus: number;
  /** non-zero differences */
  n: number;
  method: 'exact' | 'normal';
  z?: number;
  p: number;
}

/** Two-sided Wilcoxon signed-rank test of differences `d` (zeros dropped), as scipy (see the file comment). */
export function wilcoxon(d: readonly number[]): WilcoxonResult {
  const nz = d.filter((x) => x !== 0);
  const n = nz.length;
  const { ranks, ties } = rankAverage(nz.map(Math.abs));
  let rPlus = 0;
  for (let i = 0; i < n; i++) if (nz[i] > 0) rPlus += ranks[i];
  if (n <= EXACT_MAX_NONZERO) {
    const counts = signedRankCounts(n);
    const total = 2 ** n;
    const mean = (n * (n + 1)) / 4;
    const pmfSum = (from: number, to: number) => {
      let s = 0;
      for (let k = Math.max(0, from); k <= Math.min(to, counts.length - 1); k++) s += counts[k];
      return s / total;
    };
    // scipy's WilcoxonDistribution: sums of the smaller side, the complement of the other
    const sf = (k: number) => (k <= mean ? pmfSum(k, counts.length - 1) : 1 - pmfSum(0, k - 1));
    const cdf = (k: number) => (k <= mean ? pmfSum(0, k) : 1 - pmfSum(k + 1, counts.length - 1));
    const p = Math.min(1, Math.max(0, 2 * Math.min(sf(Math.floor(rPlus)), cdf(Math.ceil(rPlus)))));
    return { rPlus, n, method: 'exact', p };
  }
  const tieTerm = ties.reduce((s, t) => s + t ** 3 - t, 0);
  const se = Math.sqrt((n * (n + 1) * (2 * n + 1) - tieTerm / 2) / 24);
  const z = (rPlus - (n * (n + 1)) / 4) / se;
  const p = Math.min(1, 2 * normalSf(Math.abs(z)));
  return { rPlus, n, method: 'normal', z, p };
}

/** Holm's step-down adjustment; null entries (no p-value) stay null and do not count. */
export function holm(p: readonly (number | null)[]): (number | null)[] {
  const idx = p.map((v, i) => [v, i] as const).filter((x): x is readonly [number, number] => x[0] !== null && !Number.isNaN(x[0])).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const m = idx.length;
  const out: (number | null)[] = p.map(() => null);
  let running = 0;
  idx.forEach(([v, i], k) => {
    running = Math.max(running, Math.min(1, (m - k) * v));
    out[i] = running;
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Bootstrap

/** xoshiro128** (Blackman & Vigna), seeded through splitmix32. */
export class Xoshiro128 {
  private s = new Uint32Array(4);

  constructor(seed: number, stream = '') {
    let x = (seed >>> 0) ^ Math.floor(seed / 2 ** 32);
    for (let i = 0; i < stream.length; i++) x = Math.imul(x ^ stream.charCodeAt(i), 0x01000193) >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if (!(this.s[0] | this.s[1] | this.s[2] | this.s[3])) this.s[0] = 1;
  }

  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** A double in [0, 1) with 53 random bits. */
  next(): number {
    return ((this.nextUint32() >>> 5) * 67108864 + (this.nextUint32() >>> 6)) / 9007199254740992;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** numpy's default percentile (linear interpolation) of sorted values, q in [0, 100]. */
export function percentileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (!n) return NaN;
  const pos = (q / 100) * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** The 95% percentile-bootstrap interval of the mean of `d`. */
export function bootstrapMeanCi(d: readonly number[], resamples: number, rng: Xoshiro128): [number, number] {
  const n = d.length;
  if (n === 0) return [NaN, NaN];
  const means = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    // a 32-bit draw scaled to [0, n): the bias is below n / 2^32
    for (let i = 0; i < n; i++) s += d[Math.floor((rng.nextUint32() * n) / 4294967296)];
    means[b] = s / n;
  }
  means.sort();
  return [percentileSorted(means, 2.5), percentileSorted(means, 97.5)];
}

// ---------------------------------------------------------------------------------------------
// Two runs

export type StatsMeasure = LossId | `metrics.${'dice' | 'iou' | 'precision' | 'recall'}`;
const METRIC_MEASURES = ['metrics.dice', 'metrics.iou', 'metrics.precision', 'metrics.recall'] as const;

export function isStatsMeasure(x: string): x is StatsMeasure {
  return isLossId(x) || (METRIC_MEASURES as readonly string[]).includes(x);
}

export function measureBetter(m: StatsMeasure): 'lower' | 'higher' {
  return isLossId(m) ? LOSSES[m].better : 'higher';
}

/** Each case's measures from a case log: the last result line of each case. */
export function readRunValues(path: string): { values: Map<string, Map<string, number>>; failed: string[] } {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    throw new MaskInputError(path, `cannot read the case log (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const values = new Map<string, Map<string, number>>();
  const failed = new Set<string>();
  let lines = 0;
  try {
    scanLines(fd, (text) => {
      const l = parseCaseLine(text);
      if (!l) return;
      lines++;
      if (!l.result) {
        if (!values.has(l.case)) failed.add(l.case);
        return;
      }
      failed.delete(l.case);
      const m = new Map<string, number>();
      for (const [id, v] of Object.entries(l.result.losses)) if (isLossId(id)) m.set(id, fromJsonNumber(v as JsonNumber));
      const fg = l.result.metrics.meanForeground;
      m.set('metrics.dice', fromJsonNumber(fg.dice));
      m.set('metrics.iou', fromJsonNumber(fg.iou));
      m.set('metrics.precision', fromJsonNumber(fg.precision));
      m.set('metrics.recall', fromJsonNumber(fg.recall));
      values.set(l.case, m);
    });
  } finally {
    fs.closeSync(fd);
  }
  if (lines === 0) throw new MaskInputError(path, 'has no case lines (a case log of segscope evaluate --out)');
  return { values, failed: [...failed].sort(compareKeys) };
}

export interface MeasureStats {
  better: 'lower' | 'higher';
  n: number;
  meanA: number;
  meanB: number;
  meanDiff: number;
  ci95: [number, number] | null;
  pWilcoxon: number | null;
  pHolm: number | null;
  /** why there is no p-value */
  pNote?: string;
  /** exact or normal approximation, and the non-zero differences */
  test?: { method: 'exact' | 'normal'; nonZero: number };
  /** cases of both runs where a value is not finite (left out) */
  notFinite: string[];
}

export interface StatsDocument {
  cases: number;
  seed: number;
  bootstrap: number;
  losses: Record<string, MeasureStats>;
  /** cases with a result in only one of the runs (absent or failed in the other) */
  onlyInA: string[];
  onlyInB: string[];
}

export function compareRuns(a: string, b: string, { losses, seed = 0, bootstrap = 10000 }: { losses?: string[]; seed?: number; bootstrap?: number } = {}): StatsDocument {
  const A = readRunValues(a);
  const B = readRunValues(b);
  const keys = [...A.values.keys()].filter((k) => B.values.has(k)).sort(compareKeys);
  const onlyInA = [...A.values.keys()].filter((k) => !B.values.has(k)).sort(compareKeys);
  const onlyInB = [...B.values.keys()].filter((k) => !A.values.has(k)).sort(compareKeys);
  const present = new Set<string>();
  for (const k of keys) {
    for (const m of A.values.get(k)!.keys()) if (B.values.get(k)!.has(m)) present.add(m);
  }
  const order = [...(Object.keys(LOSSES) as string[]), ...METRIC_MEASURES];
  const measures = (losses ?? order.filter((m) => present.has(m))).filter((m) => order.includes(m)) as StatsMeasure[];

  const out: Record<string, MeasureStats> = {};
  const pList: (number | null)[] = [];
  for (const m of measures) {
    const da: number[] = [];
    const db: number[] = [];
    const notFinite: string[] = [];
    for (const k of keys) {
      const va = A.values.get(k)!.get(m);
      const vb = B.values.get(k)!.get(m);
      if (va === undefined || vb === undefined || !Number.isFinite(va) || !Number.isFinite(vb)) notFinite.push(k);
      else {
        da.push(va);
        db.push(vb);
      }
    }
    const n = da.length;
    const diffs = da.map((v, i) => db[i] - v);
    const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : NaN);
    const stats: MeasureStats = {
      better: measureBetter(m), n, meanA: mean(da), meanB: mean(db), meanDiff: mean(diffs),
      ci95: n ? bootstrapMeanCi(diffs, bootstrap, new Xoshiro128(seed, m)) : null,
      pWilcoxon: null, pHolm: null, notFinite,
    };
    if (n < MIN_PAIRS_FOR_P) stats.pNote = `fewer than ${MIN_PAIRS_FOR_P} paired cases (${n})`;
    else {
      const w = wilcoxon(diffs);
      stats.pWilcoxon = w.p;
      stats.test = { method: w.method, nonZero: w.n };
    }
    out[m] = stats;
    pList.push(stats.pWilcoxon);
  }
  const adjusted = holm(pList);
  measures.forEach((m, i) => {
    out[m].pHolm = adjusted[i];
  });
  return { cases: keys.length, seed, bootstrap, losses: out, onlyInA, onlyInB };
}
