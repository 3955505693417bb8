import Table from 'cli-table3';
import { LOSSES } from '../kernels/registry.js';
import type { EvaluationResult, LossId } from '../kernels/types.js';
import { describeDisagreement, measureHigherIsBetter, measureValue } from '../protocol/comparison.js';
import { stemOf } from '../formats/extensions.js';
import { describeEmptyRule, type EmptyRule, type Mean } from '../engine/aggregate.js';
import type { FolderRunResult } from '../engine/folders.js';
import type { MergeReport } from '../engine/merge.js';
import { describeShard } from '../engine/shards.js';
import type { StatsDocument } from '../engine/stats.js';
import { quoteForMessage, quotePath } from '../formats/types.js';
import type { ComparisonJson, RankedMeasure } from '../protocol/messages.js';

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
  lines.push(`${quotePath(result.prediction.path)} (${result.prediction.kind} [${result.prediction.shape.join('x')}]) vs ${quotePath(result.target.path)} [${result.target.shape.join('x')}]`);
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

  for (const w of result.warnings) lines.push(`warning: ${quoteForMessage(w, 0)}`);
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

/** Folder mode: the bounded summary of a run (means under the empty rule, the worst and the failed cases, unmatched files). */
export function renderBatchTable(res: FolderRunResult): string {
  const a = res.aggregate;
  const lines: string[] = [];
  const shard = res.shard ? `, ${describeShard(res.shard)}: ${res.cases}` : '';
  lines.push(`${quotePath(res.predDir)} vs ${quotePath(res.gtDir)}: ${res.casesInFolders} case${res.casesInFolders === 1 ? '' : 's'}${shard}`);
  lines.push(`${res.evaluated} evaluated, ${res.resumed} resumed${res.out ? ` from ${res.out}` : ''}, ${res.failed} failed; ${res.seconds.toFixed(1)} s on ${res.workers} worker${res.workers === 1 ? '' : 's'} (${res.workersFrom})${res.backends.length ? `, backend ${res.backends.join(', ')}` : ''}`);
  lines.push(`Empty classes: ${describeEmptyRule(a.rule)}.`);
  const means = a.caseMeanList();
  if (means.length) {
    const table = new Table({ ...plain, head: ['measure', 'better', 'mean', 'cases', 'empty rule'], colAligns: ['left', 'left', 'right', 'right', 'right'] });
    for (const { measure, mean } of means) {
      const better = measure.startsWith('metrics.') ? 'higher' : LOSSES[measure as LossId].better;
      table.push([measure, better, formatNumber(mean.value), String(mean.n), ruleCell(a.rule, mean)]);
    }
    lines.push(table.toString(), 'mean: over the cases of each case\'s value; cases: how many it averages; empty rule: the cases whose value the rule touched');
  }
  const worst = a.worst();
  if (worst.measure && worst.cases.length) {
    lines.push(`Worst ${worst.cases.length} by ${worst.measure} (${LOSSES[worst.measure].better} is better):`);
    const table = new Table({ ...plain, head: ['case', worst.measure], colAligns: ['left', 'right'] });
    for (const w of worst.cases) table.push([quoteForMessage(w.case, 60), formatNumber(w.value)]);
    lines.push(table.toString());
  }
  if (a.failed) {
    lines.push(`Failed (${a.failed}):`);
    for (const f of a.failures) lines.push(`  ${quoteForMessage(f.case, 60)}: ${quoteForMessage(f.error, 300)}`);
    if (a.failed > a.failures.length) lines.push(`  … and ${a.failed - a.failures.length} more${res.out ? ` (their lines in ${res.out} have "error")` : ''}`);
  }
  const list = (files: string[]) => `${files.slice(0, 20).map((f) => quoteForMessage(f, 80)).join(', ')}${files.length > 20 ? `, … (${files.length} in all)` : ''}`;
  if (res.unmatched.predictions.length) lines.push(`warning: no ground truth for ${list(res.unmatched.predictions)}`);
  if (res.unmatched.groundTruths.length) lines.push(`warning: no prediction for ${list(res.unmatched.groundTruths)}`);
  for (const w of res.warnings) lines.push(`warning: ${quoteForMessage(w, 400)}`);
  if (res.out) lines.push(`cases: ${res.out}${res.csv ? `, CSV: ${res.csv}` : ''}`);
  else if (res.csv) lines.push(`CSV: ${res.csv}`);
  return `${lines.join('\n')}\n`;
}

/** What the empty rule did to one mean's cases: `3 left out`, `3 -> worst`, `2 ∞ kept`. */
function ruleCell(rule: EmptyRule, mean: Mean): string {
  const parts: string[] = [];
  if (mean.touched) parts.push(rule === 'skip' ? `${mean.touched} left out` : rule === 'worst' ? `${mean.touched} -> worst` : `${mean.touched} -> ${rule === 'zero' ? 0 : 1}`);
  if (mean.infinite) parts.push(`${mean.infinite} ∞ kept`);
  return parts.length ? parts.join(', ') : '0';
}

/** `merge`: what was merged, and for `--expect`, what is missing and the shards to rerun. */
export function renderMergeReport(r: MergeReport, out: string): string {
  const lines = [`merged ${r.parts.length} case log${r.parts.length === 1 ? '' : 's'} (${r.lines} lines): ${r.cases} cases, ${r.evaluated} evaluated, ${r.failed} failed -> ${out}`];
  lines.push(`Empty classes (${r.ruleFrom === 'flag' ? '--empty' : r.ruleFrom === 'run files' ? 'from the runs' : 'default'}): ${describeEmptyRule(r.rule)}.`);
  if (r.duplicates) lines.push(`${r.duplicates} case${r.duplicates === 1 ? '' : 's'} found more than once, counted once${r.conflicts.length ? `; ${r.conflicts.length} with lines that differ (a result preferred, then the last): ${r.conflicts.slice(0, 10).map((k) => quoteForMessage(k, 60)).join(', ')}${r.conflicts.length > 10 ? ', …' : ''}` : ''}`);
  if (r.badLines) lines.push(`warning: ${r.badLines} line${r.badLines === 1 ? ' is not a case line' : 's are not case lines'}, left out`);
  if (r.torn.length) lines.push(`warning: ${r.torn.join(', ')} end${r.torn.length === 1 ? 's' : ''} with a torn line (a run killed while writing, or still running), left out`);
  if (r.withoutRunFile.length) lines.push(`warning: no run file beside ${r.withoutRunFile.slice(0, 5).join(', ')}${r.withoutRunFile.length > 5 ? ', …' : ''} (definitions.options may be null)`);
  const e = r.expected;
  if (e) {
    const names = (keys: string[]) => `${keys.slice(0, 20).map((k) => quoteForMessage(k, 60)).join(', ')}${keys.length > 20 ? `, … (${keys.length} in all)` : ''}`;
    if (e.extra.length) lines.push(`warning: ${e.extra.length} case${e.extra.length === 1 ? ' is' : 's are'} not in the folders, left out: ${names(e.extra)}`);
    if (e.stale.length) lines.push(`warning: ${e.stale.length} case${e.stale.length === 1 ? ' has' : 's have'} lines for other file contents (stale), counted as missing: ${names(e.stale)}`);
    if (e.missing.length) {
      lines.push(`missing ${e.missing.length} of ${e.cases} cases: ${names(e.missing)}`);
      if (e.rerun) lines.push(`rerun the shards: sbatch ${e.rerun.array} …${e.rerun.slurm ? '' : ' (array ids = shard indexes)'}, or segscope evaluate … --shard K/${e.shards} for K in ${e.rerun.shards.join(', ')}`);
      else lines.push('the shard count is unknown (no run files): pass --shards N to get the shards to rerun');
    } else lines.push(`every one of the ${e.cases} cases of the folders is present once`);
  }
  return `${lines.join('\n')}\n`;
}

/** `stats`: one row per measure: n, the means, B − A with its 95% CI, the Wilcoxon p and Holm's. */
export function renderStatsTable(doc: StatsDocument, a: string, b: string): string {
  const lines = [`B = ${b} against A = ${a}: ${doc.cases} cases with a result in both; bootstrap ${doc.bootstrap} resamples, seed ${doc.seed}`];
  const table = new Table({ ...plain, head: ['measure', 'better', 'n', 'mean A', 'mean B', 'B − A', '95% CI', 'p Wilcoxon', 'p Holm'], colAligns: ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'] });
  const p = (v: number | null) => (v === null ? '' : v < 1e-4 ? v.toExponential(2) : v.toFixed(4));
  const notes: string[] = [];
  for (const [m, s] of Object.entries(doc.losses)) {
    table.push([m, s.better, String(s.n), formatNumber(s.meanA), formatNumber(s.meanB), formatNumber(s.meanDiff), s.ci95 ? `[${formatNumber(s.ci95[0])}, ${formatNumber(s.ci95[1])}]` : '', s.pNote ? 'n/a' : p(s.pWilcoxon), s.pNote ? 'n/a' : p(s.pHolm)]);
    if (s.pNote) notes.push(`${m}: no p-value: ${s.pNote}`);
    if (s.notFinite.length) notes.push(`${m}: ${s.notFinite.length} case${s.notFinite.length === 1 ? '' : 's'} left out (a value not finite in A or B): ${s.notFinite.slice(0, 10).map((k) => quoteForMessage(k, 60)).join(', ')}${s.notFinite.length > 10 ? ', …' : ''}`);
  }
  lines.push(table.toString());
  lines.push('Wilcoxon signed-rank, two-sided (exact up to 25 non-zero differences, else normal with tie correction; zeros dropped); Holm across the measures above.');
  lines.push('Empty classes: a case where a measure is not finite in either run (NaN, or +∞ for a distance to an empty mask) is left out of that measure (n counts the rest).');
  lines.push(...notes);
  const names = (keys: string[]) => `${keys.slice(0, 20).map((k) => quoteForMessage(k, 60)).join(', ')}${keys.length > 20 ? `, … (${keys.length} in all)` : ''}`;
  if (doc.onlyInA.length) lines.push(`only in A (absent or failed in B): ${names(doc.onlyInA)}`);
  if (doc.onlyInB.length) lines.push(`only in B (absent or failed in A): ${names(doc.onlyInB)}`);
  return `${lines.join('\n')}\n`;
}

/** `compare`: one row per loss and metric, one column per prediction, the best marked with *; then steps and disagreements. */
export function renderComparisonTable(doc: ComparisonJson): string {
  const names = columnNames(doc.predictions.map((p) => p.path));
  const lines = [`${doc.predictions.length} predictions against ${quotePath(doc.target.path)} [${doc.target.shape.join('x')}]`];
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
