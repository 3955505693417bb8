/**
 * Folder against folder in the editor, without `vscode`: one prediction folder's run against a
 * ground-truth folder (the cases of engine/folders.ts `matchFolders`, evaluated one by one with at
 * most `concurrency` in flight, cancellable), and the panel's view model (protocol/messages.ts
 * `FolderViewState`) built from the runs. The numbers come from the modules the CLI uses, so the
 * editor and `segscope evaluate PRED_DIR GT_DIR` / `segscope stats` agree:
 *  - the means under each empty rule: engine/aggregate.ts `Aggregate`, fed the cases in case-key order
 *    (as the CLI's final pass over its case log), the rule's meaning from `describeEmptyRule`;
 *  - the CSV export: engine/csv.ts `CsvWriter` (the `--csv` writer); the JSON export: engine/summary.ts
 *    `writeSummary` (summary.json, as `segscope merge` writes it);
 *  - the stats of two runs: engine/stats.ts `compareRuns` on the two runs' case logs, written here in the
 *    `--out` line format (engine/caseLog.ts), with `segscope stats`' defaults (seed 0, 10000 resamples).
 * Host-side but free of `vscode`, so the webview tests build their recorded states with it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Aggregate, CLASS_METRICS, EMPTY_RULES, describeEmptyRule, type EmptyRule } from '../engine/aggregate.js';
import { canonicalJson, encodeCaseLine, loggedResult, optionsSha256, type LoggedResult } from '../engine/caseLog.js';
import { CsvWriter } from '../engine/csv.js';
import { matchFolders, type FolderCase, type FolderMatch } from '../engine/folders.js';
import type { EvaluateFilesOptions } from '../engine/session.js';
import { compareRuns, type StatsDocument } from '../engine/stats.js';
import { writeSummary } from '../engine/summary.js';
import { MaskInputError } from '../formats/types.js';
import { LOSS_IDS, isLossId } from '../kernels/registry.js';
import { toJsonNumber, type JsonNumber } from '../protocol/jsonNumber.js';
import type {
  EvaluationJson,
  FolderCaseView,
  FolderEmptyRule,
  FolderMeanView,
  FolderMeasure,
  FolderRunView,
  FolderStatsView,
  FolderViewState,
} from '../protocol/messages.js';

// the protocol's rules are the engine's (a compile-time check both ways)
const RULES: readonly FolderEmptyRule[] = EMPTY_RULES;
const _rulesBack: readonly EmptyRule[] = RULES;
void _rulesBack;

export { RULES as FOLDER_RULES };

const METRIC_MEASURES = ['metrics.dice', 'metrics.iou', 'metrics.precision', 'metrics.recall'] as const;
const METRIC_KEYS = ['dice', 'iou', 'precision', 'recall'] as const;
/** engine/aggregate.ts's per-class metric names → the views' measures */
const CLASS_METRIC_MEASURE: Partial<Record<(typeof CLASS_METRICS)[number], FolderMeasure>> = {
  Dice: 'metrics.dice', IoU: 'metrics.iou', Precision: 'metrics.precision', Recall: 'metrics.recall',
};

/** Evaluates one pair (the extension: the shared pool's `evaluate`; tests: the engine in-process). */
export type EvaluateCase = (pred: string, gt: string, signal: AbortSignal) => Promise<EvaluationJson>;

interface CaseState {
  c: FolderCase;
  status: FolderCaseView['status'];
  result?: LoggedResult;
  error?: string;
}

/** What a case not evaluated because of a cancellation says in the exports. */
const NOT_EVALUATED = 'not evaluated: the run was cancelled';

export interface FolderRunOptions {
  evaluate: EvaluateCase;
  /** cases in flight at once (the pool's size) */
  concurrency: number;
  signal?: AbortSignal;
  /** after each case changes state */
  onChange?: () => void;
}

/** One prediction folder against the ground-truth folder. */
export class FolderRun {
  readonly cases: CaseState[];
  private readonly byKey: Map<string, CaseState>;
  status: FolderRunView['status'] = 'running';
  private version = 0;
  private aggregates?: { version: number; byRule: Map<EmptyRule, Aggregate> };

  private constructor(
    readonly predDir: string,
    readonly gtDir: string,
    readonly match: FolderMatch,
  ) {
    this.cases = match.cases.map((c) => ({ c, status: 'queued' }));
    this.byKey = new Map(this.cases.map((s) => [s.c.key, s]));
  }

  /** Pairs the two folders; a MaskInputError when no file has a partner. */
  static pair(predDir: string, gtDir: string): FolderRun {
    const match = matchFolders(predDir, gtDir);
    if (match.cases.length === 0) {
      throw new MaskInputError(predDir, `no mask in it has a partner in ${gtDir} (pairs are matched by relative path without the extension, else by file name)`);
    }
    return new FolderRun(predDir, gtDir, match);
  }

  /** A case the pairing found (the only paths a message may make the host open). */
  caseOf(key: string): FolderCase | undefined {
    return this.byKey.get(key)?.c;
  }

  counts(): { done: number; failed: number; total: number } {
    let done = 0;
    let failed = 0;
    for (const s of this.cases) {
      if (s.status === 'done') done++;
      else if (s.status === 'error') {
        done++;
        failed++;
      }
    }
    return { done, failed, total: this.cases.length };
  }

  private changed(onChange?: () => void): void {
    this.version++;
    onChange?.();
  }

  /** Evaluates every case, at most `concurrency` at once; after a cancellation the rest stay unevaluated. */
  async run({ evaluate, concurrency, signal, onChange }: FolderRunOptions): Promise<void> {
    this.status = 'running';
    for (const s of this.cases) {
      s.status = 'queued';
      s.result = undefined;
      s.error = undefined;
    }
    const abort = signal ?? new AbortController().signal;
    let next = 0;
    const one = async (s: CaseState): Promise<void> => {
      if (s.c.error) {
        s.status = 'error';
        s.error = s.c.error;
        return;
      }
      s.status = 'running';
      this.changed(onChange);
      try {
        s.result = loggedResult(await evaluate(s.c.pred, s.c.gt, abort));
        s.status = 'done';
      } catch (e) {
        // after a cancellation every failure is the cancellation (a killed worker fails its other requests too)
        if (abort.aborted) s.status = 'cancelled';
        else {
          s.status = 'error';
          s.error = e instanceof Error ? e.message : String(e);
        }
      }
    };
    const lanes = Math.max(1, Math.min(Math.floor(concurrency) || 1, this.cases.length));
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        while (next < this.cases.length && !abort.aborted) {
          const s = this.cases[next++];
          await one(s);
          this.changed(onChange);
        }
      }),
    );
    if (abort.aborted) {
      for (const s of this.cases) if (s.status === 'queued' || s.status === 'running') s.status = 'cancelled';
      this.status = 'cancelled';
    } else this.status = 'done';
    this.changed(onChange);
  }

  /** The means under a rule: the cases in key order through engine/aggregate.ts, as the CLI's final pass. */
  aggregate(rule: EmptyRule): Aggregate {
    if (this.aggregates?.version !== this.version) this.aggregates = { version: this.version, byRule: new Map() };
    let a = this.aggregates.byRule.get(rule);
    if (!a) {
      a = new Aggregate({ rule, worst: 0 });
      for (const s of this.cases) {
        if (s.result) a.addResult(s.c.key, s.result);
        else if (s.status === 'error') a.addFailure(s.c.key, s.error ?? 'no result');
      }
      this.aggregates.byRule.set(rule, a);
    }
    return a;
  }

  /** Each case's line as the case log and the writers read it: a result, or an error. */
  private lineOf(s: CaseState): { result?: LoggedResult; error?: string } {
    if (s.result) return { result: s.result };
    return { error: s.status === 'error' ? (s.error ?? 'no result') : NOT_EVALUATED };
  }

  /** The CSV of `segscope evaluate PRED_DIR GT_DIR --csv FILE` (engine/csv.ts); unevaluated cases are error rows. */
  writeCsv(path: string): void {
    const csv = new CsvWriter(path);
    try {
      for (const s of this.cases) csv.add(s.c.key, this.lineOf(s));
    } finally {
      csv.close();
    }
  }

  /** summary.json (engine/summary.ts, nnU-Net's layout, every loss) under `rule`. */
  writeSummary(path: string, rule: EmptyRule, options: EvaluateFilesOptions): void {
    const byKey = this.byKey;
    writeSummary(
      path,
      { keys: this.cases.map((s) => s.c.key), read: (key) => { const s = byKey.get(key); return s ? this.lineOf(s) : null; } },
      { options: JSON.parse(canonicalJson(options)) as Record<string, unknown>, optionsSha256: optionsSha256(options), rule },
    );
  }

  /** The run's case log (`--out` lines, key order; cases without a result are error lines). */
  writeLog(path: string, options: EvaluateFilesOptions): void {
    const hash = optionsSha256(options);
    const lines = this.cases.map((s) => encodeCaseLine({ case: s.c.key, predSha256: null, gtSha256: null, optionsSha256: hash, ...this.lineOf(s) }));
    writeFileSync(path, lines.length ? `${lines.join('\n')}\n` : '');
  }
}

/** `segscope stats A.jsonl B.jsonl` of two runs (its defaults: seed 0, 10000 resamples). */
export function compareFolderRuns(a: FolderRun, b: FolderRun, options: EvaluateFilesOptions): StatsDocument {
  const dir = mkdtempSync(join(tmpdir(), 'segscope-folder-stats-'));
  try {
    const pa = join(dir, 'a.jsonl');
    const pb = join(dir, 'b.jsonl');
    a.writeLog(pa, options);
    b.writeLog(pb, options);
    return compareRuns(pa, pb);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// The view model

function caseValues(r: LoggedResult): Partial<Record<FolderMeasure, JsonNumber>> {
  const out: Partial<Record<FolderMeasure, JsonNumber>> = {};
  for (const id of LOSS_IDS) {
    const v = r.losses[id];
    if (v !== undefined) out[id] = v as JsonNumber;
  }
  METRIC_KEYS.forEach((k, i) => {
    const v = r.metrics.meanForeground[k];
    if (v !== undefined) out[METRIC_MEASURES[i]] = v;
  });
  return out;
}

function classValues(r: LoggedResult): { class: number; values: Partial<Record<FolderMeasure, JsonNumber>> }[] {
  const classes = [...new Set([...r.perClass.map((e) => e.class), ...r.metrics.perClass.map((e) => e.class)])].sort((x, y) => x - y);
  return classes.map((c) => {
    const values: Partial<Record<FolderMeasure, JsonNumber>> = {};
    const losses = r.perClass.find((e) => e.class === c);
    if (losses) for (const id of LOSS_IDS) if (losses[id] !== undefined) values[id] = losses[id];
    const metrics = r.metrics.perClass.find((e) => e.class === c);
    if (metrics) METRIC_KEYS.forEach((k, i) => (values[METRIC_MEASURES[i]] = metrics[k] as JsonNumber));
    return { class: c, values };
  });
}

const meanView = (measure: FolderMeasure, m: { value: number; n: number; touched: number }): FolderMeanView => ({ measure, mean: toJsonNumber(m.value), n: m.n, touched: m.touched });

function runMeans(run: FolderRun): Pick<FolderRunView, 'means' | 'classMeans'> {
  const means = {} as FolderRunView['means'];
  const classMeans = {} as FolderRunView['classMeans'];
  for (const rule of RULES) {
    const a = run.aggregate(rule);
    means[rule] = a.caseMeanList().map(({ measure, mean }) => meanView(measure, mean));
    classMeans[rule] = a.classes().map((c) => ({
      class: c,
      means: [
        ...a.classLossMeans(c).map(([id, m]) => meanView(id, m)),
        ...a.classMetricMeans(c).flatMap(([name, m]) => {
          const measure = CLASS_METRIC_MEASURE[name];
          return measure ? [meanView(measure, m)] : [];
        }),
      ],
    }));
  }
  return { means, classMeans };
}

/** How many file names a run's warnings list before counting the rest. */
const UNMATCHED_LISTED = 5;

export interface FolderViewInput {
  /** the runs in order (the first is A of the stats) */
  runs: FolderRun[];
  /** a path as the panel displays it (workspace-relative) */
  shown: (path: string) => string;
  classNames: string[];
  emptyRule: EmptyRule;
  stats: { a: number; b: number; doc: StatsDocument } | null;
  busy: boolean;
}

/** The panel's whole state from its runs. */
export function folderViewState({ runs, shown, classNames, emptyRule, stats, busy }: FolderViewInput): FolderViewState {
  const results = runs.flatMap((r) => r.cases.flatMap((s) => (s.result ? [s.result] : [])));
  const present = new Set<string>();
  const classes = new Set<number>();
  for (const r of results) {
    for (const id of Object.keys(r.losses)) present.add(id);
    for (const e of r.perClass) classes.add(e.class);
    for (const e of r.metrics.perClass) classes.add(e.class);
  }
  const measures: FolderMeasure[] = [...LOSS_IDS.filter((id) => present.has(id)), ...(results.length ? METRIC_MEASURES : [])];
  const names = runs.map((r) => basename(r.predDir));
  /** absolute folder paths in engine messages → the displayed ones */
  const shorten = (text: string, run: FolderRun) => {
    let out = text;
    for (const p of [run.predDir, run.gtDir]) if (p) out = out.split(p).join(shown(p));
    return out;
  };
  const runViews: FolderRunView[] = runs.map((run, i) => {
    const { done, failed, total } = run.counts();
    const { predictions, groundTruths } = run.match.unmatched;
    const listed = (side: string, files: string[]) =>
      files.length ? [`${files.length} file${files.length === 1 ? '' : 's'} of the ${side} folder without a partner: ${files.slice(0, UNMATCHED_LISTED).join(', ')}${files.length > UNMATCHED_LISTED ? `, … (${files.length - UNMATCHED_LISTED} more)` : ''}`] : [];
    return {
      pred: shown(run.predDir),
      name: names.filter((n) => n === names[i]).length > 1 ? shown(run.predDir) : names[i],
      status: run.status,
      cases: run.cases.map((s): FolderCaseView => ({
        key: s.c.key,
        status: s.status,
        ...(s.error !== undefined ? { error: shorten(s.error, run) } : {}),
        ...(s.result ? { values: caseValues(s.result), perClass: classValues(s.result) } : {}),
      })),
      done,
      failed,
      total,
      ...runMeans(run),
      unmatched: { predictions: predictions.length, groundTruths: groundTruths.length },
      warnings: [...run.match.warnings.map((w) => shorten(w, run)), ...listed('prediction', predictions), ...listed('ground-truth', groundTruths)],
      backends: [...run.aggregate(emptyRule).backends].sort(),
    };
  });
  const ruleMeanings = Object.fromEntries(RULES.map((r) => [r, describeEmptyRule(r)])) as Record<FolderEmptyRule, string>;
  const first = results[0];
  return {
    gt: shown(runs[0]?.gtDir ?? ''),
    runs: runViews,
    measures,
    classes: [...classes].sort((x, y) => x - y),
    classNames,
    binary: first?.binary ?? false,
    emptyRule,
    ruleMeanings,
    stats: stats ? statsView(stats.a, stats.b, stats.doc) : null,
    busy,
  };
}

const nullable = (v: number | null): JsonNumber | null => (v === null ? null : toJsonNumber(v));

/** engine/stats.ts's document as the panel's rows (its measures, in its order). */
export function statsView(a: number, b: number, doc: StatsDocument): FolderStatsView {
  const rows = Object.entries(doc.losses)
    .filter(([m]) => isLossId(m) || (METRIC_MEASURES as readonly string[]).includes(m))
    .map(([measure, s]) => ({
      measure: measure as FolderMeasure,
      better: s.better,
      n: s.n,
      meanA: toJsonNumber(s.meanA),
      meanB: toJsonNumber(s.meanB),
      meanDiff: toJsonNumber(s.meanDiff),
      ci95: s.ci95 ? ([toJsonNumber(s.ci95[0]), toJsonNumber(s.ci95[1])] as [JsonNumber, JsonNumber]) : null,
      pWilcoxon: nullable(s.pWilcoxon),
      pHolm: nullable(s.pHolm),
      ...(s.pNote ? { pNote: s.pNote } : {}),
      notFinite: s.notFinite.length,
    }));
  return { a, b, cases: doc.cases, seed: doc.seed, bootstrap: doc.bootstrap, rows, onlyInA: doc.onlyInA.length, onlyInB: doc.onlyInB.length };
}
