/**
 * Folder against folder (docs/spec/cli.md, Folders): pairing the masks of two folders, and running
 * the cases of one shard through the engine's worker pool one line at a time.
 *
 * Pairing: by relative path without the mask extension (`a/b.nii.gz` ↔ `a/b.png`), then, for what is
 * left, by file stem when the stem is unique on both sides. The case key is the ground truth's
 * relative path without its extension (posix separators), so two models evaluated against the same
 * ground truth have the same keys. Two files of one case in one folder (`a.png` beside `a.npy`) are
 * never resolved by guessing: the case is a failed case whose error names both files, and a warning
 * says so. Unmatched files are listed, not fatal.
 *
 * Running: see engine/caseLog.ts for the line format, resume and the final case-key order; the means
 * are aggregated from the final pass over the log (engine/aggregate.ts), so no result is kept in
 * memory and the means are summed in case-key order whatever order the cases finished in.
 */
import { mkdtempSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { maskExtension } from '../formats/extensions.js';
import { MaskInputError } from '../formats/types.js';
import { toJsonNumber } from '../protocol/jsonNumber.js';
import { Aggregate, describeEmptyRule, type EmptyRule } from './aggregate.js';
import { CaseLog, fileSha256, loggedResult, optionsSha256, canonicalJson, parseCaseLine, writeRunFile, type CaseLine, type RunFile } from './caseLog.js';
import { CsvWriter } from './csv.js';
import { WorkerPool } from './pool.js';
import type { EvaluateFilesOptions } from './session.js';
import { shardOfKey, type Shard } from './shards.js';
import { defaultWorkers, type WorkerCount } from './workers.js';

// ---------------------------------------------------------------------------------------------
// Pairing

export interface MaskFile {
  /** relative to its folder, posix separators */
  rel: string;
  /** the path to open (the folder as given, resolved, joined with `rel`) */
  path: string;
  /** `rel` without the mask extension */
  key: string;
  /** the file name without the mask extension */
  stem: string;
}

export interface FolderCase {
  key: string;
  pred: string;
  gt: string;
  /** set when the case cannot be evaluated as it stands (two files of the case in one folder) */
  error?: string;
}

export interface FolderMatch {
  /** sorted by key (code-unit order) */
  cases: FolderCase[];
  /** relative paths of the files left without a partner */
  unmatched: { predictions: string[]; groundTruths: string[] };
  /** cases paired by stem rather than by relative path */
  byStem: number;
  /** one line each: same-key clashes, ambiguous stems */
  warnings: string[];
}

/** Every mask file under `dir` (recursive; dot files and folders left out), sorted by relative path. */
export function listMasks(dir: string): MaskFile[] {
  const root = resolve(dir);
  const out: MaskFile[] = [];
  const seen = new Set<string>();
  const walk = (abs: string, rel: string) => {
    let real: string;
    try {
      real = realpathSync(abs);
    } catch {
      return;
    }
    if (seen.has(real)) return; // a symbolic link loop
    seen.add(real);
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const childAbs = join(abs, entry.name);
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        try {
          const st = statSync(childAbs);
          isDir = st.isDirectory();
          isFile = st.isFile();
        } catch {
          continue;
        }
      }
      if (isDir) walk(childAbs, childRel);
      else if (isFile) {
        const ext = maskExtension(entry.name);
        if (!ext) continue;
        const key = childRel.slice(0, childRel.length - ext.length);
        out.push({ rel: childRel, path: childAbs, key, stem: entry.name.slice(0, entry.name.length - ext.length) });
      }
    }
  };
  walk(root, '');
  return out.sort((a, b) => compareKeys(a.rel, b.rel));
}

/** Code-unit order: the same on every machine and locale. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const t of items) {
    const k = key(t);
    const list = m.get(k);
    if (list) list.push(t);
    else m.set(k, [t]);
  }
  return m;
}

/** Pairs the masks of two folders (see the file comment). */
export function matchFolders(predDir: string, gtDir: string): FolderMatch {
  const preds = groupBy(listMasks(predDir), (f) => f.key);
  const gts = groupBy(listMasks(gtDir), (f) => f.key);
  const warnings: string[] = [];
  const cases: FolderCase[] = [];
  const clashText = (side: string, files: MaskFile[]) => `two files of one case in the ${side} folder: ${files.map((f) => f.rel).join(', ')} (rename or remove all but one)`;

  const clashed = new Set<string>();
  for (const [side, groups] of [['prediction', preds], ['ground truth', gts]] as const) {
    for (const [key, files] of groups) {
      if (files.length > 1) {
        clashed.add(key);
        warnings.push(`case ${key}: ${clashText(side, files)}; the case is reported as failed`);
      }
    }
  }

  const pairedPred = new Set<string>();
  const pairedGt = new Set<string>();
  for (const [key, gtFiles] of gts) {
    const predFiles = preds.get(key);
    if (!predFiles) continue;
    pairedPred.add(key);
    pairedGt.add(key);
    const errors = [predFiles.length > 1 ? clashText('prediction', predFiles) : '', gtFiles.length > 1 ? clashText('ground truth', gtFiles) : ''].filter(Boolean);
    cases.push({ key, pred: predFiles[0].path, gt: gtFiles[0].path, ...(errors.length ? { error: errors.join('; ') } : {}) });
  }

  // the rest by file stem, where the stem names one file on each side
  const restPreds = [...preds].filter(([k]) => !pairedPred.has(k) && !clashed.has(k)).map(([, f]) => f[0]);
  const restGts = [...gts].filter(([k]) => !pairedGt.has(k) && !clashed.has(k)).map(([, f]) => f[0]);
  const predStems = groupBy(restPreds, (f) => f.stem);
  const gtStems = groupBy(restGts, (f) => f.stem);
  let byStem = 0;
  for (const [stem, gtFiles] of gtStems) {
    const predFiles = predStems.get(stem);
    if (!predFiles) continue;
    if (gtFiles.length > 1 || predFiles.length > 1) {
      warnings.push(`stem ${stem} names several files (${[...predFiles, ...gtFiles].map((f) => f.rel).join(', ')}): not paired`);
      continue;
    }
    cases.push({ key: gtFiles[0].key, pred: predFiles[0].path, gt: gtFiles[0].path });
    pairedPred.add(predFiles[0].key);
    pairedGt.add(gtFiles[0].key);
    byStem++;
  }

  cases.sort((a, b) => compareKeys(a.key, b.key));
  const leftover = (groups: Map<string, MaskFile[]>, paired: Set<string>) =>
    [...groups].filter(([k]) => !paired.has(k)).flatMap(([, files]) => files.map((f) => f.rel)).sort(compareKeys);
  return { cases, unmatched: { predictions: leftover(preds, pairedPred), groundTruths: leftover(gts, pairedGt) }, byStem, warnings };
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The cases of one shard (all of them without a shard), in key order. */
export function casesOfShard<T extends { key: string }>(cases: readonly T[], shard: Shard | null | undefined): T[] {
  return shard ? cases.filter((c) => shardOfKey(c.key, shard.count) === shard.index) : [...cases];
}

// ---------------------------------------------------------------------------------------------
// Running

export interface FolderProgress {
  /** cases of this run done (evaluated, failed or resumed) */
  done: number;
  total: number;
  failed: number;
  resumed: number;
}

export interface FolderRunOptions {
  /** dist/engineWorker.js (the CLI: engine/paths.ts `engineWorkerScript()`) */
  script: string;
  /** worker threads (default: SLURM_CPUS_PER_TASK, the cgroup quota, or the cores) */
  workers?: number;
  /** the case log (JSONL); without one, a temporary log is used and removed */
  out?: string;
  csv?: string;
  shard?: Shard | null;
  empty?: EmptyRule;
  /** how many worst cases the report keeps */
  worst?: number;
  onProgress?: (p: FolderProgress) => void;
  /** the pairing's warnings (same-key clashes, ambiguous stems), as soon as the folders are read */
  onWarnings?: (warnings: string[]) => void;
  /** called once the cases of the run are known, before any is evaluated */
  onStart?: (info: { total: number; resumable: number; workers: number }) => void;
}

export interface FolderRunResult {
  predDir: string;
  gtDir: string;
  /** cases in the two folders (every shard) */
  casesInFolders: number;
  byStem: number;
  unmatched: FolderMatch['unmatched'];
  warnings: string[];
  shard: Shard | null;
  /** cases of this run (this shard) */
  cases: number;
  /** evaluated now, successfully */
  evaluated: number;
  /** found in --out with the same hashes and not evaluated again */
  resumed: number;
  /** cases with an error line */
  failed: number;
  aggregate: Aggregate;
  /** the backends that computed the results */
  backends: string[];
  workers: number;
  workersFrom: WorkerCount['from'];
  seconds: number;
  optionsSha256: string;
  out?: string;
  csv?: string;
  /** lines of an earlier run read from --out, and bytes of a torn last line cut off */
  log: { linesRead: number; tornBytes: number };
}

function readError(path: string, e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.code === 'EISDIR' ? 'is a folder' : (err.message ?? String(e));
  return `${path}: cannot read the file (${why})`;
}

async function hashOrError(path: string): Promise<{ sha: string | null; error?: string }> {
  try {
    return { sha: await fileSha256(path) };
  } catch (e) {
    return { sha: null, error: readError(path, e) };
  }
}

/**
 * Evaluates the cases of two folders (one shard of them), streaming one JSONL line per case into
 * the case log, resuming from it, and aggregating the means from it at the end.
 */
export async function evaluateFolders(predDir: string, gtDir: string, options: EvaluateFilesOptions, run: FolderRunOptions): Promise<FolderRunResult> {
  const t0 = performance.now();
  const match = matchFolders(predDir, gtDir);
  if (match.cases.length === 0) {
    throw new MaskInputError(predDir, `no mask in it has a partner in ${gtDir} (pairs are matched by relative path without the extension, else by file name)`);
  }
  if (match.warnings.length) run.onWarnings?.(match.warnings);
  const shard = run.shard ?? null;
  const cases = casesOfShard(match.cases, shard);
  const optionsHash = optionsSha256(options);
  const empty = run.empty ?? 'skip';
  const counted = run.workers !== undefined ? { workers: run.workers, from: 'flag' as const } : defaultWorkers();

  const spool = run.out ? undefined : mkdtempSync(join(tmpdir(), 'segscope-run-'));
  const logPath = run.out ?? join(spool!, 'cases.jsonl');
  let log: CaseLog;
  try {
    log = CaseLog.open(logPath);
  } catch (e) {
    if (spool) rmSync(spool, { recursive: true, force: true });
    throw new MaskInputError(logPath, `cannot open the case log (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let csv: CsvWriter | undefined;
  try {
    csv = run.csv ? new CsvWriter(run.csv) : undefined;
  } catch (e) {
    log.close();
    if (spool) rmSync(spool, { recursive: true, force: true });
    throw new MaskInputError(run.csv!, `cannot write the CSV (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const runFile: RunFile = {
    format: 'segscope-run', version: 1, options: JSON.parse(canonicalJson(options)) as Record<string, unknown>, optionsSha256: optionsHash, empty,
    shard: shard ? { index: shard.index, count: shard.count, source: shard.source, ...(shard.arrayTaskMin !== undefined ? { arrayTaskMin: shard.arrayTaskMin } : {}) } : null,
    complete: false, cases: cases.length,
  };
  if (run.out) writeRunFile(run.out, runFile);

  const poolSize = Math.max(1, Math.min(counted.workers, cases.length));
  run.onStart?.({ total: cases.length, resumable: log.stats.linesRead, workers: poolSize });
  let pool: WorkerPool | undefined;
  const poolOf = () =>
    // with several pairs at once on every core, each pair's distance transforms keep to one thread
    (pool ??= new WorkerPool({ script: run.script, size: poolSize, workerData: { kernelThreads: poolSize > 1 ? 1 : 2 } }));

  const progress: FolderProgress = { done: 0, total: cases.length, failed: 0, resumed: 0 };
  let evaluated = 0;
  const line = (c: FolderCase, pred: string | null, gt: string | null, body: Pick<CaseLine, 'result' | 'error'>): CaseLine => ({
    case: c.key, predSha256: pred, gtSha256: gt, optionsSha256: optionsHash, ...body,
  });

  // the files' hashes are read ahead of the workers (up to one case per worker), so that a worker
  // never waits for them; each worker has one case at a time (one decoded pair in its memory)
  const hashing = new Map<number, Promise<[{ sha: string | null; error?: string }, { sha: string | null; error?: string }]>>();
  const hashesOf = (i: number) => {
    let h = hashing.get(i);
    if (!h) hashing.set(i, (h = Promise.all([hashOrError(cases[i].pred), hashOrError(cases[i].gt)])));
    return h;
  };
  const one = async (i: number): Promise<void> => {
    const c = cases[i];
    if (i + poolSize < cases.length && !cases[i + poolSize].error) void hashesOf(i + poolSize);
    if (c.error) {
      log.append(line(c, null, null, { error: c.error }));
      progress.failed++;
      return;
    }
    const [p, g] = await hashesOf(i);
    hashing.delete(i);
    if (p.error || g.error) {
      log.append(line(c, p.sha, g.sha, { error: [p.error, g.error].filter(Boolean).join('; ') }));
      progress.failed++;
      return;
    }
    if (log.has(c.key, p.sha, g.sha, optionsHash)) {
      progress.resumed++;
      return;
    }
    try {
      const result = await poolOf().evaluate(c.pred, c.gt, options);
      log.append(line(c, p.sha, g.sha, { result: loggedResult(result) }));
      evaluated++;
    } catch (e) {
      log.append(line(c, p.sha, g.sha, { error: (e as Error).message }));
      progress.failed++;
    }
  };

  let next = 0;
  try {
    await Promise.all(Array.from({ length: Math.min(cases.length, poolSize) }, async () => {
      while (next < cases.length) {
        await one(next++);
        progress.done++;
        run.onProgress?.({ ...progress });
      }
    }));
  } catch (e) {
    log.close();
    csv?.close();
    throw e;
  } finally {
    pool?.dispose();
  }

  // the final pass: the log in case-key order (rewritten so when it is --out), the means, the CSV
  const aggregate = new Aggregate({ rule: empty, worst: run.worst });
  const stats = { ...log.stats };
  let dropped = 0;
  try {
    ({ dropped } = log.finish(cases.map((c) => c.key), (key, text) => {
      const parsed = parseCaseLine(text);
      if (!parsed) return;
      if (parsed.result) aggregate.addResult(key, parsed.result);
      else aggregate.addFailure(key, parsed.error ?? 'no result');
      csv?.add(key, parsed);
    }, { rewrite: !!run.out }));
  } finally {
    csv?.close();
    if (spool) rmSync(spool, { recursive: true, force: true });
  }
  // what a scheduler can wait for (examples/k8s): this shard's log is whole and in order
  if (run.out) writeRunFile(run.out, { ...runFile, complete: true });
  const warnings = [...match.warnings];
  if (dropped) warnings.push(`${run.out}: ${dropped} case${dropped === 1 ? '' : 's'} of an earlier run not in this one (another shard or folder) left out of the rewritten log`);

  return {
    predDir, gtDir, casesInFolders: match.cases.length, byStem: match.byStem, unmatched: match.unmatched, warnings,
    shard, cases: cases.length, evaluated, resumed: progress.resumed, failed: aggregate.failed, aggregate,
    backends: [...aggregate.backends].sort(), workers: poolSize, workersFrom: counted.from, seconds: (performance.now() - t0) / 1000,
    optionsSha256: optionsHash, out: run.out, csv: run.csv, log: stats,
  };
}

/** The `--json` document of a folder run: bounded (means, the worst and the first failed cases), never one entry per case. */
export function folderRunDocument(res: FolderRunResult): Record<string, unknown> {
  const a = res.aggregate;
  const worst = a.worst();
  return {
    predDir: res.predDir,
    gtDir: res.gtDir,
    casesInFolders: res.casesInFolders,
    shard: res.shard,
    cases: res.cases,
    evaluated: res.evaluated,
    resumed: res.resumed,
    failed: res.failed,
    empty: { rule: a.rule, meaning: describeEmptyRule(a.rule) },
    means: Object.fromEntries(a.caseMeanList().map(({ measure, mean }) => [measure, { mean: toJsonNumber(mean.value), n: mean.n, emptyRuleCases: mean.touched }])),
    worst: { measure: worst.measure ?? null, cases: worst.cases.map((w) => ({ case: w.case, value: toJsonNumber(w.value) })) },
    failures: a.failures,
    unmatched: res.unmatched,
    byStem: res.byStem,
    warnings: res.warnings,
    workers: res.workers,
    workersFrom: res.workersFrom,
    backends: res.backends,
    optionsSha256: res.optionsSha256,
    out: res.out ?? null,
    csv: res.csv ?? null,
    seconds: res.seconds,
  };
}
