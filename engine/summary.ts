/**
 * `summary.json` (docs/spec/cli.md, `segscope merge`): nnU-Net's layout — `metric_per_case` with
 * `reference_file`, `prediction_file` and `metrics` per class, `mean` per class, `foreground_mean` —
 * the same for every loss, and `definitions`. Written as a stream (one case at a time), with no
 * timings or host names, keys in a fixed order, numbers as JSON.stringify writes a double (shortest
 * round trip; non-finite as the strings "Infinity"/"NaN"), cases sorted by key: so one run and the
 * merge of its shards give the same bytes.
 *
 * Layout, top to bottom:
 *   definitions           segscope version, the spec document's SHA-256, the options and their
 *                         hash, the empty rule and its meaning, what each mean is, every loss and metric
 *   cases                 {total, evaluated, failed}
 *   foreground_mean       hard-mask metrics (nnU-Net names): the mean over classes ≥ 1 of `mean`
 *   mean                  {"<class>": {metric: mean over the cases}}
 *   loss_foreground_mean  the same for each loss's per-class term
 *   loss_mean             {"<class>": {loss: mean over the cases}}
 *   case_mean             each case's own loss values (and `metrics.*` foreground means), averaged over the cases
 *   empty_rule_cases      the same shapes as the five means above: how many values the empty rule touched
 *   failed                [{case, error}]
 *   metric_per_case       [{case, prediction_file, reference_file, metrics: {"<class>": …},
 *                           losses: {"<class>": …}, case_losses: {…}, case_metrics: {…}}]
 */
import * as fs from 'node:fs';
import pkg from '../package.json' with { type: 'json' };
import { LOSSES, METRIC_NAMES } from '../kernels/registry.js';
import { toJsonNumber, type JsonNumber } from '../protocol/jsonNumber.js';
import { Aggregate, describeEmptyRule, type ClassMetric, type EmptyRule, type Mean } from './aggregate.js';
import type { LoggedResult } from './caseLog.js';

/** SHA-256 of docs/spec/losses.md, the semantics these numbers follow (test/unit/merge.test.ts checks it). */
export const LOSSES_SPEC_SHA256 = '9ca685c5bc272354063c90f21b12c4edba6c567cf03a409be7ddf9947daf4996';
export const SEGSCOPE_VERSION: string = (pkg as { version: string }).version;

const replacer = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? toJsonNumber(v) : v);

/** JSON text with 2-space indents, non-finite numbers as strings, every line after the first indented by `indent`. */
export function jsonBlock(value: unknown, indent: string): string {
  return JSON.stringify(value, replacer, 2).replace(/\n/g, `\n${indent}`);
}

const METRIC_MEANING: Record<ClassMetric, string> = {
  Dice: `${METRIC_NAMES.dice} score of the hard masks (higher is better)`,
  IoU: `${METRIC_NAMES.iou} of the hard masks (higher is better)`,
  Precision: 'TP / (TP + FP) of the hard masks (higher is better)',
  Recall: 'TP / (TP + FN) of the hard masks (higher is better)',
  TP: 'true-positive pixels', FP: 'false-positive pixels', FN: 'false-negative pixels',
  n_pred: 'pixels of the class in the prediction (TP + FP)', n_ref: 'pixels of the class in the ground truth (TP + FN)',
};

export function definitions(options: Record<string, unknown> | null, optionsSha256: string | null, rule: EmptyRule): Record<string, unknown> {
  return {
    segscope: SEGSCOPE_VERSION,
    spec: { losses: 'docs/spec/losses.md', sha256: LOSSES_SPEC_SHA256 },
    options,
    optionsSha256,
    empty: { rule, meaning: describeEmptyRule(rule) },
    means: {
      mean: 'per class, the mean over the cases of the class\'s hard-mask metric',
      foreground_mean: 'the mean over the foreground classes (>= 1) of `mean`',
      loss_mean: 'per class, the mean over the cases of the class\'s term of each loss (docs/spec/losses.md, perClass)',
      loss_foreground_mean: 'the mean over the foreground classes (>= 1) of `loss_mean`',
      case_mean: 'the mean over the cases of each case\'s loss (and, as metrics.*, its foreground-mean hard-mask metrics)',
      empty_rule_cases: 'for each mean above, how many values the empty rule touched (for foreground means: summed over the classes)',
    },
    losses: Object.fromEntries(Object.values(LOSSES).map((l) => [l.id, { name: l.name, better: l.better }])),
    metrics: METRIC_MEANING,
  };
}

/** One entry of `metric_per_case`. */
export function caseEntry(key: string, r: LoggedResult): Record<string, unknown> {
  const metrics: Record<string, Record<string, JsonNumber>> = {};
  for (const e of r.metrics.perClass) {
    metrics[String(e.class)] = {
      Dice: e.dice, IoU: e.iou, Precision: e.precision, Recall: e.recall, TP: e.tp, FP: e.fp, FN: e.fn, n_pred: e.tp + e.fp, n_ref: e.tp + e.fn,
    };
  }
  const losses: Record<string, Record<string, JsonNumber>> = {};
  for (const e of r.perClass) {
    const { class: c, ...terms } = e;
    losses[String(c)] = terms;
  }
  return {
    case: key,
    prediction_file: r.prediction.path,
    reference_file: r.target.path,
    metrics,
    losses,
    case_losses: r.losses,
    case_metrics: r.metrics.meanForeground,
  };
}

type Means = { value: Record<string, number>; touched: Record<string, number> };

function fromMeans<K extends string>(list: [K, Mean][]): Means {
  return { value: Object.fromEntries(list.map(([k, m]) => [k, m.value])), touched: Object.fromEntries(list.map(([k, m]) => [k, m.touched])) };
}

/** The means part of summary.json from an aggregate. */
export function meansSection(a: Aggregate): Record<string, unknown> {
  const perClass = (f: (c: number) => [string, Mean][]) => {
    const value: Record<string, Record<string, number>> = {};
    const touched: Record<string, Record<string, number>> = {};
    for (const c of a.classes()) {
      const list = f(c);
      if (!list.length) continue;
      const m = fromMeans(list);
      value[String(c)] = m.value;
      touched[String(c)] = m.touched;
    }
    return { value, touched };
  };
  const fg = (f: (c: number) => [string, Mean][]) => {
    const list = a.foregroundMeans(f);
    return { value: Object.fromEntries(list.map(([k, v]) => [k, v.value])), touched: Object.fromEntries(list.map(([k, v]) => [k, v.touched])) };
  };
  const metricsClass = perClass((c) => a.classMetricMeans(c));
  const lossesClass = perClass((c) => a.classLossMeans(c));
  const metricsFg = fg((c) => a.classMetricMeans(c));
  const lossesFg = fg((c) => a.classLossMeans(c));
  const caseMeans = fromMeans(a.caseMeanList().map(({ measure, mean }) => [measure, mean]));
  return {
    foreground_mean: metricsFg.value,
    mean: metricsClass.value,
    loss_foreground_mean: lossesFg.value,
    loss_mean: lossesClass.value,
    case_mean: caseMeans.value,
    empty_rule_cases: {
      foreground_mean: metricsFg.touched,
      mean: metricsClass.touched,
      loss_foreground_mean: lossesFg.touched,
      loss_mean: lossesClass.touched,
      case_mean: caseMeans.touched,
    },
  };
}

/** Writes text to a file descriptor in full. */
export function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text, 'utf8');
  let done = 0;
  while (done < buf.length) done += fs.writeSync(fd, buf, done, buf.length - done);
}

export interface SummarySource {
  /** case keys in order, each with its line: a result, or an error */
  keys: readonly string[];
  /** the parsed line of a case (read again for each pass: nothing is kept) */
  read(key: string): { result?: LoggedResult; error?: string } | null;
}

/**
 * Writes summary.json from the lines of the cases in key order (three passes over the source: the
 * means first, then the failures and the cases), through `path.tmp` and a rename.
 */
export function writeSummary(path: string, source: SummarySource, head: { options: Record<string, unknown> | null; optionsSha256: string | null; rule: EmptyRule }): Aggregate {
  const aggregate = new Aggregate({ rule: head.rule, worst: 0, failuresKept: 0 });
  for (const key of source.keys) {
    const line = source.read(key);
    if (!line) continue;
    if (line.result) aggregate.addResult(key, line.result);
    else aggregate.addFailure(key, line.error ?? 'no result');
  }
  const tmp = `${path}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o644);
  try {
    writeAll(fd, `{\n  "definitions": ${jsonBlock(definitions(head.options, head.optionsSha256, head.rule), '  ')},\n`);
    writeAll(fd, `  "cases": ${jsonBlock({ total: aggregate.evaluated + aggregate.failed, evaluated: aggregate.evaluated, failed: aggregate.failed }, '  ')},\n`);
    for (const [k, v] of Object.entries(meansSection(aggregate))) writeAll(fd, `  ${JSON.stringify(k)}: ${jsonBlock(v, '  ')},\n`);
    writeAll(fd, '  "failed": [');
    let first = true;
    for (const key of source.keys) {
      const line = source.read(key);
      if (!line || line.result) continue;
      writeAll(fd, `${first ? '' : ','}\n    ${jsonBlock({ case: key, error: line.error ?? 'no result' }, '    ')}`);
      first = false;
    }
    writeAll(fd, `${first ? '' : '\n  '}],\n  "metric_per_case": [`);
    first = true;
    for (const key of source.keys) {
      const line = source.read(key);
      if (!line?.result) continue;
      writeAll(fd, `${first ? '' : ','}\n    ${jsonBlock(caseEntry(key, line.result), '    ')}`);
      first = false;
    }
    writeAll(fd, `${first ? '' : '\n  '}]\n}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, path);
  return aggregate;
}
