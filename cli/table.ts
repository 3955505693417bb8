import Table from 'cli-table3';
import { LOSSES } from '../kernels/registry.js';
import type { EvaluationResult, LossId } from '../kernels/types.js';
import { describeDisagreement, measureHigherIsBetter, measureValue } from '../protocol/comparison.js';
import { stemOf } from '../formats/extensions.js';
import type { BatchResult } from '../engine/folders.js';
import type { ComparisonJson, RankedMeasure } from '../protocol/messages.js';
import { fromJsonNumber } from '../protocol/jsonNumber.js';

export function formatNumber(v: number | undefined): string {
  if (v === undefined) return '';
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '-∞';
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(4) : v.toFixed(4);
}

const plain = { head: [] as string[], style: { head: [], border: [], compact: true } };

/** The default terminal output: losses, the per-class breakdown, the metrics and the warnings. */
export function renderTables(result: EvaluationResult): string {
  const lines: string[] = [];
  const mode = result.binary ? 'binary' : `${result.classes} classes`;
  lines.push(`${result.prediction.path} (${result.prediction.kind} [${result.prediction.shape.join('x')}]) vs ${result.target.path} [${result.target.shape.join('x')}]`);
  lines.push(`${mode}, spacing ${result.spacing.join('x')}, backend ${result.backend}, ${totalMs(result).toFixed(0)} ms`);

  const losses = new Table({ ...plain, head: ['loss', 'name', 'value'], colAligns: ['left', 'left', 'right'] });
  for (const [id, value] of Object.entries(result.losses)) losses.push([id, LOSSES[id as LossId].name, formatNumber(value)]);
  lines.push(losses.toString());

  const ids = [...new Set(result.perClass.flatMap((e) => Object.keys(e).filter((k) => k !== 'class')))];
  if (ids.length) lines.push('Per class', perClassTable(result, ids));

  const m = result.metrics;
  const metrics = new Table({ ...plain, head: ['class', 'dice', 'iou', 'precision', 'recall', 'tp', 'fp', 'fn'], colAligns: new Array(8).fill('right') });
  for (const e of m.perClass.filter((e) => shown(result, e.class))) metrics.push([e.class, e.dice, e.iou, e.precision, e.recall, e.tp, e.fp, e.fn].map((v) => formatNumber(v)));
  const f = m.meanForeground;
  metrics.push(['fg mean', ...[f.dice, f.iou, f.precision, f.recall].map(formatNumber), '', '', '']);
  lines.push(`Hard-mask metrics (pixel accuracy ${formatNumber(m.pixelAccuracy)})`, metrics.toString());

  for (const w of result.warnings) lines.push(`warning: ${w}`);
  return `${lines.join('\n')}\n`;
}

/** Losses down and classes across while the classes fit a terminal; classes down beyond that. */
function perClassTable(result: EvaluationResult, ids: string[]): string {
  const entries = result.perClass;
  if (entries.length <= 8) {
    const table = new Table({ ...plain, head: ['loss', ...entries.map((e) => `class ${e.class}`)], colAligns: ['left', ...entries.map(() => 'right' as const)] });
    for (const id of ids) table.push([id, ...entries.map((e) => formatNumber(e[id]))]);
    return table.toString();
  }
  const table = new Table({ ...plain, head: ['class', ...ids], colAligns: ['right', ...ids.map(() => 'right' as const)] });
  for (const entry of entries.filter((e) => shown(result, e.class))) table.push([String(entry.class), ...ids.map((id) => formatNumber(entry[id]))]);
  return table.toString();
}

/** With many classes, the tables leave out classes empty in both maps (the warnings name them; --json has every class). */
function shown(result: EvaluationResult, c: number): boolean {
  if (result.classes <= 8) return true;
  const e = result.metrics.perClass[c];
  return e.tp + e.fp + e.fn > 0;
}

function totalMs(result: EvaluationResult): number {
  return Object.values(result.timingsMs).reduce((a, b) => a + b, 0);
}

const BATCH_COLUMNS: LossId[] = ['dice', 'iou', 'bce', 'hd95', 'assd', 'nsd'];

/** Folder mode: one row per pair (the main measures), the mean over pairs, then failures and unmatched files. */
export function renderBatchTable(batch: BatchResult): string {
  const requested = Object.keys(batch.meanLosses) as LossId[];
  const ids = requested.length <= 8 ? requested : BATCH_COLUMNS.filter((id) => requested.includes(id));
  const table = new Table({ ...plain, head: ['pair', ...ids], colAligns: ['left', ...ids.map(() => 'right' as const)] });
  for (const p of batch.pairs) {
    if (p.error) table.push([p.name, { colSpan: Math.max(1, ids.length), content: `error: ${p.error}` }]);
    else table.push([p.name, ...ids.map((id) => formatNumber(fromJsonNumber(p.result!.losses[id])))]);
  }
  table.push(['mean', ...ids.map((id) => formatNumber(batch.meanLosses[id]))]);
  const lines = [table.toString()];
  const ok = batch.pairs.filter((p) => !p.error).length;
  lines.push(`${ok} of ${batch.pairs.length} pairs in ${batch.seconds.toFixed(2)} s on ${batch.workers} worker${batch.workers === 1 ? '' : 's'} (${(batch.pairs.length / batch.seconds).toFixed(1)} pairs/s)`);
  if (batch.unmatched.predictions.length) lines.push(`warning: no ground truth for ${batch.unmatched.predictions.join(', ')}`);
  if (batch.unmatched.groundTruths.length) lines.push(`warning: no prediction for ${batch.unmatched.groundTruths.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/** `compare`: one row per loss and metric, one column per prediction, the best marked with *; then steps and disagreements. */
export function renderComparisonTable(doc: ComparisonJson): string {
  const names = columnNames(doc.predictions.map((p) => p.path));
  const lines = [`${doc.predictions.length} predictions against ${doc.target.path} [${doc.target.shape.join('x')}]`];
  const table = new Table({ ...plain, head: ['measure', 'better', ...names], colAligns: ['left', 'left', ...names.map(() => 'right' as const)] });
  for (const [key, ranks] of Object.entries(doc.ranks) as [RankedMeasure, number[]][]) {
    const cells = doc.predictions.map((p, i) => `${formatNumber(measureValue(p.result, key))}${ranks[i] === 1 && doc.predictions.length > 1 ? ' *' : '  '}`);
    table.push([key, measureHigherIsBetter(key) ? 'higher' : 'lower', ...cells]);
  }
  if (doc.predictions.some((p) => p.step !== null)) table.push(['step', '', ...doc.predictions.map((p) => (p.step === null ? '' : `${p.step}  `))]);
  lines.push(table.toString(), '* best of the predictions for that measure (ties share it)');
  if (doc.disagreements.length) {
    lines.push(`Where the losses disagree (${doc.disagreements.length} ${doc.disagreements.length === 1 ? 'pair' : 'pairs'}):`);
    for (const d of doc.disagreements) lines.push(`  ${describeDisagreement(d, names)}`);
  } else if (doc.predictions.length > 1) lines.push('Every loss and metric orders the predictions the same way.');
  return `${lines.join('\n')}\n`;
}

/** Column names: file stems, or the paths where two stems are the same. */
function columnNames(paths: string[]): string[] {
  const stems = paths.map(stemOf);
  return stems.map((s, i) => (stems.indexOf(s) !== stems.lastIndexOf(s) ? paths[i] : s));
}
