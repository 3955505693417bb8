/**
 * Means over cases, computed one case at a time (no list of results is kept), under the empty-class
 * rule of `--empty` (docs/spec/cli.md, Folders). Metrics Reloaded's advice is to say what was done
 * with the cases where a class is empty: every output built from here names the rule and puts next
 * to each mean how many cases it touched.
 *
 * Which values the rule touches: the values that are not finite numbers. In SegScope they arise only
 * where a class is empty in one or both masks (docs/spec/losses.md): a per-class cross entropy or
 * focal term of a class with no target pixels is NaN, a hard-mask score with a zero denominator is
 * NaN, a surface distance to an empty mask is +∞ (both empty: 0, and NSD 1, which are finite and
 * kept as they are). The rules:
 *  - `skip`: a NaN is left out of its mean; +∞ stays (the mean is then +∞, honestly);
 *  - `zero` / `one`: the value counts as 0 / 1;
 *  - `worst`: the value counts as the worst the measure can be: 1 for a loss in [0, 1] (Dice, IoU,
 *    Tversky, Focal Tversky, Lovász), 0 for NSD and the hard-mask scores, the diagonal of the case's
 *    array in spacing units for a distance (HD, HD95, ASSD; the BraTS convention); the cross
 *    entropies, focal and boundary terms have no worst value, so there it is left out as by `skip`.
 */
import { LOSSES, isLossId, type LossId } from '../kernels/registry.js';
import { fromJsonNumber, type JsonNumber } from '../protocol/jsonNumber.js';
import type { LoggedResult } from './caseLog.js';

export const EMPTY_RULES = ['skip', 'zero', 'one', 'worst'] as const;
export type EmptyRule = (typeof EMPTY_RULES)[number];

export function isEmptyRule(x: unknown): x is EmptyRule {
  return typeof x === 'string' && (EMPTY_RULES as readonly string[]).includes(x);
}

/** One sentence naming what the rule did, for every output. */
export function describeEmptyRule(rule: EmptyRule): string {
  const lead = 'a value left undefined by a class empty in one or both masks (NaN, or +∞ for a distance to an empty mask)';
  switch (rule) {
    case 'skip':
      return `--empty skip: ${lead.replace(' (NaN, or +∞ for a distance to an empty mask)', '')} is left out of its mean when NaN; +∞ distances are kept, so such a mean is +∞`;
    case 'zero':
      return `--empty zero: ${lead} counts as 0`;
    case 'one':
      return `--empty one: ${lead} counts as 1`;
    case 'worst':
      return `--empty worst: ${lead} counts as the worst value of its measure (1 for a [0,1] loss, 0 for NSD and the hard-mask scores, the array diagonal for HD/HD95/ASSD); measures with no worst value (cross entropies, focal, boundary terms) leave it out`;
  }
}

/** The hard-mask metrics of a class, under nnU-Net's names (summary.json), from `metrics.perClass`. */
export const CLASS_METRICS = ['Dice', 'IoU', 'Precision', 'Recall', 'TP', 'FP', 'FN', 'n_pred', 'n_ref'] as const;
export type ClassMetric = (typeof CLASS_METRICS)[number];

type Measure = { kind: 'loss'; id: LossId } | { kind: 'metric'; id: ClassMetric | 'dice' | 'iou' | 'precision' | 'recall' };

/** The worst value of a measure in a case, or null when it has none. */
function worstValue(m: Measure, diagonal: number): number | null {
  if (m.kind === 'metric') return 0;
  const info = LOSSES[m.id];
  if (info.better === 'higher') return 0;
  if (info.scale === 'score') return 1;
  if (info.scale === 'distance') return diagonal;
  return null;
}

/** The diagonal of a case's array in spacing units (the largest distance on that grid). */
export function arrayDiagonal(result: Pick<LoggedResult, 'target' | 'spacing'>): number {
  const shape = result.target.shape;
  const spacing = result.spacing;
  let s = 0;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i] * (spacing[i] ?? 1);
    s += d * d;
  }
  return Math.sqrt(s);
}

/** What the rule makes of one value: the value to average (undefined: left out) and whether it touched it. */
export function applyEmptyRule(v: number, rule: EmptyRule, m: Measure, diagonal: number): { value: number | undefined; touched: boolean } {
  if (Number.isFinite(v)) return { value: v, touched: false };
  switch (rule) {
    case 'skip':
      return Number.isNaN(v) ? { value: undefined, touched: true } : { value: v, touched: false };
    case 'zero':
      return { value: 0, touched: true };
    case 'one':
      return { value: 1, touched: true };
    case 'worst': {
      const w = worstValue(m, diagonal);
      return { value: w ?? undefined, touched: true };
    }
  }
}

/** A mean built one value at a time, with the number of values in it and of values the rule touched. */
export class Mean {
  sum = 0;
  n = 0;
  touched = 0;
  /** infinite values averaged as they are (skip keeps +∞) */
  infinite = 0;

  add(v: number | undefined, touched: boolean): void {
    if (touched) this.touched++;
    if (v === undefined) return;
    if (!Number.isFinite(v)) this.infinite++;
    this.sum += v;
    this.n++;
  }

  get value(): number {
    return this.n ? this.sum / this.n : NaN;
  }
}

/** Means keyed by a name, in the order the names first came (later sorted by the writers). */
class MeanTable {
  readonly means = new Map<string, Mean>();

  get(name: string): Mean {
    let m = this.means.get(name);
    if (!m) this.means.set(name, (m = new Mean()));
    return m;
  }
}

/** A loss's keys in registry order, then anything else in name order. */
function orderedLosses(names: Iterable<string>): string[] {
  const set = new Set(names);
  const known = (Object.keys(LOSSES) as string[]).filter((id) => set.has(id));
  const rest = [...set].filter((n) => !isLossId(n)).sort();
  return [...known, ...rest];
}

const METRIC_OF: Record<string, ClassMetric> = { dice: 'Dice', iou: 'IoU', precision: 'Precision', recall: 'Recall', tp: 'TP', fp: 'FP', fn: 'FN' };

export interface WorstCase {
  case: string;
  value: number;
}

export interface FailedCase {
  case: string;
  error: string;
}

/** The case measures of the table: each loss, and the hard-mask foreground means as `metrics.<name>`. */
export type CaseMeasure = LossId | `metrics.${'dice' | 'iou' | 'precision' | 'recall'}`;
const CASE_METRICS = ['dice', 'iou', 'precision', 'recall'] as const;

export interface AggregateOptions {
  rule: EmptyRule;
  /** how many worst cases to keep (by the first loss: dice when there is one) */
  worst?: number;
  /** how many failures to keep for the report (the count is always exact) */
  failuresKept?: number;
}

/**
 * Everything the reports need, one case at a time: per class and per foreground the means of every
 * loss and hard-mask metric, the mean over cases of each case's losses and foreground metrics, the
 * worst cases and the failed ones. Memory: one accumulator per (class, measure), whatever the cases.
 */
export class Aggregate {
  readonly rule: EmptyRule;
  evaluated = 0;
  failed = 0;
  /** the first failures (up to `failuresKept`) */
  readonly failures: FailedCase[] = [];
  /** class → loss → mean */
  private readonly classLoss = new Map<number, MeanTable>();
  /** class → metric → mean */
  private readonly classMetric = new Map<number, MeanTable>();
  /** case measure → mean over cases */
  private readonly caseMeans = new MeanTable();
  private readonly worstKept: number;
  private readonly failuresKept: number;
  private worstMeasure?: LossId;
  private readonly worstList: WorstCase[] = [];
  readonly backends = new Set<string>();

  constructor({ rule, worst = 10, failuresKept = 100 }: AggregateOptions) {
    this.rule = rule;
    this.worstKept = worst;
    this.failuresKept = failuresKept;
  }

  addFailure(key: string, error: string): void {
    this.failed++;
    if (this.failures.length < this.failuresKept) this.failures.push({ case: key, error });
  }

  addResult(key: string, r: LoggedResult): void {
    this.evaluated++;
    this.backends.add(r.backend);
    const diagonal = arrayDiagonal(r);
    const add = (mean: Mean, raw: JsonNumber | number | undefined, m: Measure) => {
      const { value, touched } = applyEmptyRule(typeof raw === 'number' ? raw : fromJsonNumber(raw), this.rule, m, diagonal);
      mean.add(value, touched);
    };
    for (const [id, raw] of Object.entries(r.losses)) {
      if (isLossId(id)) add(this.caseMeans.get(id), raw as JsonNumber, { kind: 'loss', id });
    }
    for (const name of CASE_METRICS) add(this.caseMeans.get(`metrics.${name}`), r.metrics.meanForeground[name], { kind: 'metric', id: name });
    for (const entry of r.perClass) {
      const table = tableOf(this.classLoss, entry.class);
      for (const [id, raw] of Object.entries(entry)) {
        if (id !== 'class' && isLossId(id)) add(table.get(id), raw, { kind: 'loss', id });
      }
    }
    for (const entry of r.metrics.perClass) {
      const table = tableOf(this.classMetric, entry.class);
      for (const [name, raw] of Object.entries(entry)) {
        const metric = METRIC_OF[name];
        if (metric) add(table.get(metric), raw as JsonNumber, { kind: 'metric', id: metric });
      }
      add(table.get('n_pred'), entry.tp + entry.fp, { kind: 'metric', id: 'n_pred' });
      add(table.get('n_ref'), entry.tp + entry.fn, { kind: 'metric', id: 'n_ref' });
    }
    this.noteWorst(key, r);
  }

  private noteWorst(key: string, r: LoggedResult): void {
    if (this.worstKept <= 0) return;
    this.worstMeasure ??= 'dice' in r.losses ? 'dice' : (Object.keys(r.losses).find(isLossId) as LossId | undefined);
    const id = this.worstMeasure;
    if (!id || !(id in r.losses)) return;
    const v = fromJsonNumber(r.losses[id] as JsonNumber);
    if (Number.isNaN(v)) return;
    const sign = LOSSES[id].better === 'higher' ? -1 : 1;
    // worse: a larger loss (a smaller NSD); ties in case-key order, so the list is the same in any arrival order
    const worse = (a: WorstCase, b: WorstCase) => (a.value !== b.value ? sign * a.value > sign * b.value : a.case < b.case);
    const list = this.worstList;
    const entry = { case: key, value: v };
    if (list.length === this.worstKept && !worse(entry, list[list.length - 1])) return;
    let i = list.length;
    while (i > 0 && worse(entry, list[i - 1])) i--;
    list.splice(i, 0, entry);
    if (list.length > this.worstKept) list.pop();
  }

  /** The measure the worst cases are ranked by, and those cases, worst first. */
  worst(): { measure: LossId | undefined; cases: WorstCase[] } {
    return { measure: this.worstMeasure, cases: [...this.worstList] };
  }

  /** The mean over cases of each case measure (losses in registry order, then `metrics.*`). */
  caseMeanList(): { measure: CaseMeasure; mean: Mean }[] {
    const names = [...this.caseMeans.means.keys()];
    const losses = orderedLosses(names.filter(isLossId));
    const metrics = CASE_METRICS.map((m) => `metrics.${m}`).filter((n) => this.caseMeans.means.has(n));
    return [...losses, ...metrics].map((n) => ({ measure: n as CaseMeasure, mean: this.caseMeans.get(n) }));
  }

  /** Classes seen, ascending. */
  classes(): number[] {
    return [...new Set([...this.classLoss.keys(), ...this.classMetric.keys()])].sort((a, b) => a - b);
  }

  /** Per class, the loss means (registry order). */
  classLossMeans(c: number): [LossId, Mean][] {
    const t = this.classLoss.get(c);
    if (!t) return [];
    return orderedLosses(t.means.keys()).map((id) => [id as LossId, t.get(id)]);
  }

  /** Per class, the metric means (nnU-Net's names, in CLASS_METRICS order). */
  classMetricMeans(c: number): [ClassMetric, Mean][] {
    const t = this.classMetric.get(c);
    if (!t) return [];
    return CLASS_METRICS.filter((m) => t.means.has(m)).map((m) => [m, t.get(m)]);
  }

  /**
   * nnU-Net's `foreground_mean`: per measure, the mean over the foreground classes (≥ 1) of their
   * class means (classes whose mean is undefined left out); `touched` sums the classes' counts.
   */
  foregroundMeans<K extends string>(perClass: (c: number) => [K, Mean][]): [K, { value: number; touched: number; classes: number }][] {
    const acc = new Map<K, { sum: number; classes: number; touched: number }>();
    for (const c of this.classes()) {
      if (c < 1) continue;
      for (const [name, mean] of perClass(c)) {
        const a = acc.get(name) ?? { sum: 0, classes: 0, touched: 0 };
        a.touched += mean.touched;
        const v = mean.value;
        if (!Number.isNaN(v)) {
          a.sum += v;
          a.classes++;
        }
        acc.set(name, a);
      }
    }
    return [...acc].map(([k, a]) => [k, { value: a.classes ? a.sum / a.classes : NaN, touched: a.touched, classes: a.classes }]);
  }
}

function tableOf(map: Map<number, MeanTable>, c: number): MeanTable {
  let t = map.get(c);
  if (!t) map.set(c, (t = new MeanTable()));
  return t;
}
