/**
 * Several predictions against one ground truth (docs/spec/cli.md, `segscope compare`): the step a
 * file name carries, ranks per loss and metric (directions: protocol/comparison.ts), and the pairs
 * of predictions that the losses order differently. Pure functions over result documents; the CLI,
 * the side view and the notebook renderer all read the document this builds.
 */
import { stemOf } from '../formats/extensions.js';
import { LOSS_IDS } from '../kernels/registry.js';
import { measureHigherIsBetter, measureValue, RANKED_METRICS } from '../protocol/comparison.js';
import type { ComparisonJson, Disagreement, EvaluationJson, RankedMeasure } from '../protocol/messages.js';

/** A step word and its number: `epoch_2`, `step-1000`, `ckpt10`, `iter5`. */
const STEP_WORD = /(?:epoch|ep|step|ckpt|checkpoint|iter(?:ation)?)[ _.-]?(\d+)/gi;

/**
 * The number a file name carries as its training step: the last one after a step word, else the
 * last number in the name; null when the name has no number. Folder names are not read.
 */
export function stepOf(path: string): number | null {
  const stem = stemOf(path);
  const digits = [...stem.matchAll(STEP_WORD)].pop()?.[1] ?? [...stem.matchAll(/\d+/g)].pop()?.[0];
  return digits === undefined ? null : Number(digits);
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Natural order of names: `epoch_2` before `epoch_10`. */
export function naturalCompare(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Ranks, 1 = best; ties share the lower rank (competition ranking: 1, 1, 3). A value that is NaN
 * (undefined for that prediction) ranks after every number; an infinite one ranks as its value.
 */
export function rank(values: number[], higherBetter: boolean): number[] {
  // NaN sorts after every number; among numbers the better direction first
  const worseThan = (w: number, v: number) =>
    Number.isNaN(v) ? !Number.isNaN(w) : !Number.isNaN(w) && (higherBetter ? w > v : w < v);
  return values.map((v) => values.filter((w) => worseThan(w, v)).length + 1);
}

/** The measures to rank: every loss the results hold (registry order), then the hard-mask Dice and IoU. */
export function rankedMeasures(results: EvaluationJson[]): RankedMeasure[] {
  const present = LOSS_IDS.filter((id) => results.some((r) => r.losses[id] !== undefined));
  return [...present, ...RANKED_METRICS.map((id): RankedMeasure => `metrics.${id}`)];
}

/**
 * Every pair of predictions (a < b) that some measure orders one way and another measure the other:
 * `better_a` the measures where a is strictly better, `better_b` where b is. Measures whose value
 * is NaN for either prediction take no side.
 */
export function disagreements(values: Record<RankedMeasure, number[]>, count: number): Disagreement[] {
  const out: Disagreement[] = [];
  const keys = Object.keys(values) as RankedMeasure[];
  for (let a = 0; a < count; a++) {
    for (let b = a + 1; b < count; b++) {
      const betterA: RankedMeasure[] = [];
      const betterB: RankedMeasure[] = [];
      for (const key of keys) {
        const va = values[key][a];
        const vb = values[key][b];
        if (Number.isNaN(va) || Number.isNaN(vb) || va === vb) continue;
        const aWins = measureHigherIsBetter(key) ? va > vb : va < vb;
        (aWins ? betterA : betterB).push(key);
      }
      if (betterA.length && betterB.length) out.push({ a, b, better_a: betterA, better_b: betterB });
    }
  }
  return out;
}

/** The `segscope compare --json` document of results already computed, in the order given. */
export function comparisonDocument(target: EvaluationJson['target'], predictions: { path: string; result: EvaluationJson }[]): ComparisonJson {
  const results = predictions.map((p) => p.result);
  const measures = rankedMeasures(results);
  const values = {} as Record<RankedMeasure, number[]>;
  const ranks: ComparisonJson['ranks'] = {};
  for (const key of measures) {
    values[key] = results.map((r) => measureValue(r, key));
    ranks[key] = rank(values[key], measureHigherIsBetter(key));
  }
  return {
    target,
    predictions: predictions.map((p) => ({ path: p.path, step: stepOf(p.path), result: p.result })),
    ranks,
    higherIsBetter: measures.filter(measureHigherIsBetter),
    disagreements: disagreements(values, predictions.length),
  };
}

const csvCell = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** CSV of a comparison: one row per measure, its direction, one column of values then one of ranks per prediction. */
export function comparisonCsv(doc: ComparisonJson): string {
  const paths = doc.predictions.map((p) => p.path);
  const head = ['measure', 'better', ...paths, ...paths.map((p) => `rank ${p}`)];
  const rows = [head.map(csvCell).join(',')];
  for (const [key, ranks] of Object.entries(doc.ranks) as [RankedMeasure, number[]][]) {
    const values = doc.predictions.map((p) => String(measureValue(p.result, key)));
    rows.push([key, measureHigherIsBetter(key) ? 'higher' : 'lower', ...values, ...ranks.map(String)].map(csvCell).join(','));
  }
  return `${rows.join('\n')}\n`;
}
