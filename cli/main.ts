import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { MaskInputError } from '../formats/types.js';
import { checkMaxClasses, checkMaxFileMb, DEFAULT_MAX_CLASSES, fileBytesFromMb, InternalError, MAX_CLASSES_CEILING, quoteForMessage, quotePath } from '../formats/types.js';
import { FOCAL_ALPHA, NUMERIC_PARAMS } from '../kernels/registry.js';
import { BACKENDS, LOSS_IDS, type BackendRequest, type LossId } from '../kernels/types.js';
import { releaseBackends } from '../kernels/backendFor.js';
import { comparisonCsv } from '../engine/compare.js';
import { compareFiles } from '../engine/compareFiles.js';
import { EngineError } from '../engine/pool.js';
import { EMPTY_RULES, type EmptyRule } from '../engine/aggregate.js';
import { engineWorkerScript } from '../engine/paths.js';
import { evaluateFolders, folderRunDocument, isDirectory, type FolderProgress } from '../engine/folders.js';
import { mergeCaseLogs } from '../engine/merge.js';
import { createProgress } from '../engine/progress.js';
import { resolveShard, ShardError } from '../engine/shards.js';
import { compareRuns, isStatsMeasure } from '../engine/stats.js';
import { presentResult } from '../engine/present.js';
import { evaluateFiles, type EvaluateFilesOptions } from '../engine/session.js';
import { jsonEncode } from '../protocol/jsonNumber.js';
import { renderBatchTable, renderComparisonTable, renderMergeReport, renderStatsTable, renderTables } from './table.js';

const USER_ERROR = 2;

function finiteNumber(name: string) {
  return (value: string) => {
    const x = Number(value);
    if (value.trim() === '' || !Number.isFinite(x)) throw new InvalidArgumentError(`${name} must be a number, got '${value}'`);
    return x;
  };
}

function numberList(name: string) {
  return (value: string) => value.split(',').map((part) => finiteNumber(name)(part));
}

function positiveInteger(name: string) {
  return (value: string) => {
    const x = finiteNumber(name)(value);
    if (!Number.isInteger(x) || x < 1) throw new InvalidArgumentError(`${name} must be a positive integer, got '${value}'`);
    return x;
  };
}

function lossList(value: string): LossId[] {
  const ids = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = ids.filter((id) => !(LOSS_IDS as readonly string[]).includes(id));
  if (unknown.length) throw new InvalidArgumentError(`unknown loss ${unknown.join(', ')} (known: ${LOSS_IDS.join(', ')})`);
  return ids as LossId[];
}

interface CliOptions {
  json?: boolean;
  losses?: LossId[];
  fromLogits?: boolean;
  channelsLast?: boolean;
  classes?: number;
  ignoreIndex?: number;
  ignore: boolean;
  includeBackground: boolean;
  spacing?: number[];
  alpha?: number;
  beta?: number;
  ftGamma?: number;
  focalGamma?: number;
  focalAlpha?: number | 'none';
  classWeights?: number[];
  smooth?: number;
  nsdTolerance?: number;
  predScale?: number;
  backend: BackendRequest;
  maxFileMb: number;
  maxClasses?: number;
  workers?: number;
}

export function toEvaluateOptions(o: CliOptions): EvaluateFilesOptions {
  if (!o.ignore && o.ignoreIndex !== undefined) throw new MaskInputError('', '--ignore-index and --no-ignore contradict each other');
  return {
    losses: o.losses,
    fromLogits: o.fromLogits,
    channelsLast: o.channelsLast,
    classes: o.classes,
    ignoreIndex: !o.ignore ? null : o.ignoreIndex,
    includeBackground: o.includeBackground,
    spacing: o.spacing,
    alpha: o.alpha,
    beta: o.beta,
    ftGamma: o.ftGamma,
    focalGamma: o.focalGamma,
    focalAlpha: o.focalAlpha === 'none' ? null : o.focalAlpha,
    classWeights: o.classWeights,
    smooth: o.smooth,
    nsdTolerance: o.nsdTolerance,
    predScale: o.predScale,
    backend: o.backend,
    // one meaning everywhere (formats/limits.ts): MiB > 0, 0 = no limit, negative = an error
    maxFileBytes: fileBytesFromMb(checkedLimit(checkMaxFileMb(o.maxFileMb), o.maxFileMb)),
    ...(o.maxClasses !== undefined ? { maxClasses: checkedLimit(checkMaxClasses(o.maxClasses), o.maxClasses) } : {}),
  };
}

/** Every option of `evaluate` (docs/spec/cli.md), shared by the commands that evaluate pairs. */
function withEvaluateOptions(command: Command): Command {
  return command
    .option('--losses <ids>', `comma-separated loss ids (${LOSS_IDS.join(',')})`, lossList)
    .option('--from-logits', 'PRED holds logits (sigmoid / softmax applied stably)')
    .option('--channels-last', "PRED's channel axis is last")
    .option('--classes <n>', 'number of classes (default: inferred)', positiveInteger('--classes'))
    .option('--ignore-index <k>', 'label left out of every sum (default 255 in multi-class)', finiteNumber('--ignore-index'))
    .option('--no-ignore', 'no ignore label')
    .option('--include-background', 'overlap losses average classes 0..C-1 (default)', true)
    .option('--no-include-background', 'overlap losses average classes 1..C-1')
    .option('--spacing <a,b[,c]>', 'pixel/voxel size per axis (default 1s, or the NIfTI header)', numberList('--spacing'))
    .option('--alpha <a>', `Tversky / Focal Tversky false-positive weight (${NUMERIC_PARAMS.alpha.default})`, finiteNumber('--alpha'))
    .option('--beta <b>', `Tversky / Focal Tversky false-negative weight (${NUMERIC_PARAMS.beta.default})`, finiteNumber('--beta'))
    .option('--ft-gamma <g>', `Focal Tversky exponent (${NUMERIC_PARAMS.ftGamma.default})`, finiteNumber('--ft-gamma'))
    .option('--focal-gamma <g>', `focal loss gamma (${NUMERIC_PARAMS.focalGamma.default})`, finiteNumber('--focal-gamma'))
    .option('--focal-alpha <a|none>', `focal loss alpha (${FOCAL_ALPHA.binaryDefault} binary, ${FOCAL_ALPHA.multiClassDefault} per class multi-class; none: off)`, (v: string) =>
      v === 'none' ? 'none' : finiteNumber('--focal-alpha')(v))
    .option('--class-weights <w0,w1,...>', 'weighted CE class weights (default balanced)', numberList('--class-weights'))
    .option('--smooth <s>', `overlap smoothing (${NUMERIC_PARAMS.smooth.default})`, finiteNumber('--smooth'))
    .option('--nsd-tolerance <t>', `NSD tolerance in spacing units (${NUMERIC_PARAMS.nsdTolerance.default})`, finiteNumber('--nsd-tolerance'))
    .option('--pred-scale <n>', 'an integer PRED holds probabilities x N (e.g. 255)', finiteNumber('--pred-scale'))
    .addOption(new Option('--backend <name>', 'where the per-pixel kernels run').choices(BACKENDS).default('auto'))
    .option('--max-classes <n>', `refuse masks that need more classes than this (default ${DEFAULT_MAX_CLASSES}, at most ${MAX_CLASSES_CEILING})`, positiveInteger('--max-classes'))
    .option('--max-file-mb <mb>', 'refuse mask files larger than this many MiB, and compressed ones that inflate past it (0: no limit)', finiteNumber('--max-file-mb'), 2048);
}

interface FolderCliOptions {
  out?: string;
  csv?: string;
  shard?: string;
  shards?: number;
  empty: EmptyRule;
}

function nonNegativeInteger(name: string) {
  return (value: string) => {
    const x = finiteNumber(name)(value);
    if (!Number.isInteger(x) || x < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer, got '${value}'`);
    return x;
  };
}

function statsMeasureList(value: string): string[] {
  const ids = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = ids.filter((id) => !isStatsMeasure(id));
  if (unknown.length) throw new InvalidArgumentError(`unknown measure ${unknown.join(', ')} (known: ${LOSS_IDS.join(', ')}, metrics.dice, metrics.iou, metrics.precision, metrics.recall)`);
  return ids;
}

/**
 * A command that completed, its output written, but must exit with `status` (docs/spec/cli.md:
 * 1 when some cases failed, or merge found cases missing): main() prints the line and returns it.
 */
class ExitStatus extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ExitStatus';
  }
}

/** Folder against folder: shard and workers from the flags or the scheduler, progress on stderr, the summary on stdout. */
async function evaluateFolderAction(pred: string, gt: string, options: EvaluateFilesOptions, o: CliOptions & FolderCliOptions): Promise<void> {
  let shard;
  try {
    shard = resolveShard({ shard: o.shard, shards: o.shards });
  } catch (e) {
    if (e instanceof ShardError) throw new MaskInputError('', e.message);
    throw e;
  }
  const progress = createProgress(process.stderr);
  let last: FolderProgress | undefined;
  let res;
  try {
    res = await evaluateFolders(pred, gt, options, {
      script: engineWorkerScript(),
      workers: o.workers, out: o.out, csv: o.csv, shard, empty: o.empty,
      onStart: ({ total }) => {
        progress.update((last = { done: 0, total, failed: 0, resumed: 0 }));
      },
      onProgress: (p) => progress.update((last = p)),
      onWarnings: (warnings) => {
        for (const w of warnings) process.stderr.write(`segscope: warning: ${quoteForMessage(w, 400)}\n`);
      },
    });
  } finally {
    progress.stop(last);
  }
  if (o.json) process.stdout.write(`${JSON.stringify(folderRunDocument(res), null, 2)}\n`);
  else process.stdout.write(renderBatchTable(res));
  if (res.failed) throw new ExitStatus(1, `${res.failed} of ${res.cases} cases failed (listed above${res.out ? `; their lines in ${res.out} have "error"` : ''})`);
}

export function buildProgram(): Command {
  const program = new Command('segscope')
    .description('How wrong is a segmentation mask, where, and by which measure.')
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({ outputError: (message, write) => write(message.replace(/^error: /, 'segscope: ')) });
  withEvaluateOptions(
    program
      .command('evaluate')
      .description('every loss and metric of a prediction against a ground truth (.png, .npy, .nii, .nii.gz)')
      .argument('<pred>', 'prediction: probabilities, logits or a label map (or a folder of them)')
      .argument('<gt>', 'ground truth label map (or a folder; pairs match by file name)')
      .option('--json', 'print one JSON document instead of tables'),
  )
    .option('--workers <n>', 'folders: worker threads (default: SLURM_CPUS_PER_TASK, else the cgroup CPU quota, else the cores)', positiveInteger('--workers'))
    .option('--out <file.jsonl>', 'folders: one JSON line per case as it finishes; a rerun with the same file resumes')
    .option('--csv <file>', 'folders: one row per case x class, a column per loss and metric')
    .option('--shard <K/N>', 'folders: evaluate only shard K of N (0-based; default from SLURM_ARRAY_TASK_ID/_MIN/_COUNT)')
    .option('--shards <n>', 'folders: N shards, this one JOB_COMPLETION_INDEX (a Kubernetes Indexed Job)', positiveInteger('--shards'))
    .addOption(new Option('--empty <rule>', 'folders: a class mean\'s treatment of values left undefined by an empty class').choices(EMPTY_RULES).default('skip'))
    .action(async (pred: string, gt: string, o: CliOptions & FolderCliOptions) => {
      const options = toEvaluateOptions(o);
      const folders = [isDirectory(pred), isDirectory(gt)];
      if (folders[0] !== folders[1]) {
        throw new MaskInputError(folders[0] ? pred : gt, 'is a folder but the other argument is a file: give two mask files or two folders');
      }
      if (!folders[0]) {
        const folderOnly = (['out', 'csv', 'shard', 'shards', 'workers'] as const).filter((k) => o[k] !== undefined);
        if (folderOnly.length) throw new MaskInputError('', `--${folderOnly[0]} applies to two folders, not to two files`);
        const result = await evaluateFiles(pred, gt, options);
        if (o.json) process.stdout.write(`${JSON.stringify(presentResult(result), null, 2)}\n`);
        else process.stdout.write(renderTables(result));
        return;
      }
      await evaluateFolderAction(pred, gt, options, o);
    });
  program
    .command('merge')
    .description('merge the case logs (--out FILE.jsonl) of the shards of a run into summary.json (nnU-Net layout, every loss)')
    .argument('[parts...]', 'case logs written by segscope evaluate --out')
    .requiredOption('--out <summary.json>', 'the summary to write')
    .option('--expect <pred_dir gt_dir...>', 'check that every case of these two folders is present once; name the missing ones and the shards to rerun')
    .addOption(new Option('--empty <rule>', "a class mean's treatment of values left undefined by an empty class (default: the runs' rule, else skip)").choices(EMPTY_RULES))
    .option('--shards <n>', 'the shard count of the run, for the list of shards to rerun (default: from the run files)', positiveInteger('--shards'))
    .action(async (partsArg: string[], o: { out: string; expect?: string[]; empty?: EmptyRule; shards?: number }) => {
      const parts = [...partsArg];
      let expect: { predDir: string; gtDir: string } | undefined;
      if (o.expect) {
        // --expect takes two folders; what follows them on the command line is parts
        if (o.expect.length < 2) throw new MaskInputError('', '--expect needs two folders: --expect PRED_DIR GT_DIR');
        const [predDir, gtDir, ...rest] = o.expect;
        parts.push(...rest);
        for (const d of [predDir, gtDir]) if (!isDirectory(d)) throw new MaskInputError(d, '--expect: not a folder');
        expect = { predDir, gtDir };
      }
      if (!parts.length) throw new MaskInputError('', 'merge needs the case logs to merge: segscope merge PART.jsonl... --out summary.json');
      const report = await mergeCaseLogs(parts, { out: o.out, expect, empty: o.empty, shards: o.shards });
      process.stdout.write(renderMergeReport(report, o.out));
      if (report.expected?.missing.length) throw new ExitStatus(1, `${report.expected.missing.length} of ${report.expected.cases} cases are missing (listed above)`);
    });
  program
    .command('stats')
    .description('two runs on the same cases (two models): per loss and metric the mean paired difference B - A, its bootstrap CI, Wilcoxon and Holm')
    .argument('<a>', 'case log of run A (segscope evaluate --out)')
    .argument('<b>', 'case log of run B')
    .option('--losses <ids>', 'measures to compare: loss ids and metrics.dice, metrics.iou, metrics.precision, metrics.recall (default: all present)', statsMeasureList)
    .option('--seed <s>', 'bootstrap seed', nonNegativeInteger('--seed'), 0)
    .option('--bootstrap <n>', 'bootstrap resamples', positiveInteger('--bootstrap'), 10000)
    .option('--json', 'print one JSON document instead of a table')
    .action(async (a: string, b: string, o: { losses?: string[]; seed: number; bootstrap: number; json?: boolean }) => {
      const doc = compareRuns(a, b, { losses: o.losses, seed: o.seed, bootstrap: o.bootstrap });
      if (o.json) process.stdout.write(`${JSON.stringify(jsonEncode(doc), null, 2)}\n`);
      else process.stdout.write(renderStatsTable(doc, a, b));
    });
  withEvaluateOptions(
    program
      .command('compare')
      .description('several predictions (models, checkpoints, variants) against one ground truth: every loss, ranks, and where the losses disagree')
      .argument('<gt>', 'ground truth label map')
      .argument('<preds...>', 'two or more predictions')
      .option('--json', 'print one JSON document instead of tables')
      .option('--csv', 'print CSV: one row per loss and metric, a column of values and of ranks per prediction'),
  ).action(async (gt: string, preds: string[], o: CliOptions & { csv?: boolean }) => {
    if (o.json && o.csv) throw new MaskInputError('', '--json and --csv contradict each other: choose one');
    const doc = await compareFiles(gt, preds, toEvaluateOptions(o));
    if (o.json) process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    else if (o.csv) process.stdout.write(comparisonCsv(doc));
    else process.stdout.write(renderComparisonTable(doc));
  });
  return program;
}

/** `value` when `problem` is null; else the problem as an input error (exit 2). */
function checkedLimit(problem: string | null, value: number): number {
  if (problem) throw new MaskInputError('', problem);
  return value;
}

const BUG_REPORT = 'this is a bug in segscope, please report it with the command line (set SEGSCOPE_DEBUG=1 for the stack trace)';

/** The one line for an unexpected error: the file when known, the first line of the message, escaped. */
function internalErrorLine(error: unknown): string {
  const file = error instanceof InternalError || error instanceof EngineError ? error.file : undefined;
  const cause = error instanceof InternalError && error.cause instanceof Error ? error.cause : error;
  const raw = cause instanceof Error ? `${cause.name && cause.name !== 'Error' ? `${cause.name}: ` : ''}${cause.message}` : String(cause);
  const message = quoteForMessage(raw.split('\n')[0] ?? '', 300);
  return `segscope: internal error${file ? ` while handling ${quotePath(file)}` : ''}: ${message}; ${BUG_REPORT}\n`;
}

/**
 * Runs the CLI; returns the exit status: 0, 2 for bad input or usage (one line on stderr naming the
 * file and the problem), 1 for an unexpected error (one line naming the file when known and asking
 * for a bug report). No stack trace reaches stderr unless SEGSCOPE_DEBUG is set.
 */
export async function main(argv: string[]): Promise<number> {
  const debug = Boolean(process.env.SEGSCOPE_DEBUG);
  const report = (error: unknown): number => {
    if (debug) process.stderr.write(`${(error instanceof Error && error.stack) || String(error)}\n`);
    process.stderr.write(internalErrorLine(error));
    return 1;
  };
  // an error that escapes every await (a callback, a stray rejection) still ends in one line
  const fatal = (error: unknown) => {
    process.exitCode = report(error);
    process.exit();
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0 ? 0 : USER_ERROR;
    }
    if (error instanceof ExitStatus) {
      process.stderr.write(`segscope: ${error.message}\n`);
      return error.status;
    }
    if (error instanceof MaskInputError || (error instanceof EngineError && error.userError)) {
      // MaskInputError messages are escaped where they are formed (formats/types.ts); escaping again changes nothing
      process.stderr.write(`segscope: ${quoteForMessage(error.message, 0)}\n`);
      return USER_ERROR;
    }
    return report(error);
  } finally {
    try {
      await releaseBackends();
    } catch (error) {
      if (debug) process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
    }
    process.off('uncaughtException', fatal);
    process.off('unhandledRejection', fatal);
  }
}
