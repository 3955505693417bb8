/**
 * Reading a comparison document (docs/spec/cli.md, `segscope compare --json`): the ranked measures'
 * names, directions and values, and a disagreement in words. Pure; shared by the engine that
 * builds the document, the CLI's table and the views that draw it. Directions and names come from
 * kernels/registry.ts.
 */
import { higherIsBetter, isLossId, LOSSES, METRIC_NAMES } from '../kernels/registry.js';
import { fromJsonNumber, type JsonNumber } from './jsonNumber.js';
import type { Disagreement, EvaluationJson, RankedMeasure } from './messages.js';

/** The hard-mask metrics ranked beside the losses (their foreground means). */
export const RANKED_METRICS = ['dice', 'iou'] as const;

const metricOf = (key: RankedMeasure) => (key.startsWith('metrics.') ? (key.slice('metrics.'.length) as (typeof RANKED_METRICS)[number]) : null);

/** Whether a larger value of a ranked measure is better: nsd, and the hard-mask metrics. */
export function measureHigherIsBetter(key: RankedMeasure): boolean {
  return metricOf(key) !== null || (isLossId(key) && higherIsBetter(key));
}

/** The display name of a ranked measure: "Dice loss", "Dice (hard mask)". */
export function measureName(key: RankedMeasure): string {
  const metric = metricOf(key);
  if (metric) return `${METRIC_NAMES[metric]} (hard mask)`;
  return isLossId(key) ? LOSSES[key].name : key;
}

/** A measure's value in a result document, in its JSON form (undefined when absent). */
export function measureJson(result: EvaluationJson, key: RankedMeasure): JsonNumber | undefined {
  const metric = metricOf(key);
  if (metric) return result.metrics.meanForeground[metric];
  return isLossId(key) ? result.losses[key] : undefined;
}

/** A measure's value as a number (NaN when absent). */
export function measureValue(result: EvaluationJson, key: RankedMeasure): number {
  return fromJsonNumber(measureJson(result, key));
}

/** One line of a disagreement for people: "A beats B on dice, iou; B beats A on hd95, assd". */
export function describeDisagreement(d: Disagreement, names: string[]): string {
  const a = names[d.a] ?? `#${d.a}`;
  const b = names[d.b] ?? `#${d.b}`;
  return `${a} beats ${b} on ${d.better_a.join(', ')}; ${b} beats ${a} on ${d.better_b.join(', ')}`;
}
