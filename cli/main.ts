import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { MaskInputError } from '../formats/types.js';
import { FOCAL_ALPHA, NUMERIC_PARAMS } from '../kernels/registry.js';
import { BACKENDS, LOSS_IDS, type BackendRequest, type LossId } from '../kernels/types.js';
import { releaseBackends } from '../kernels/backendFor.js';
import { comparisonCsv } from '../engine/compare.js';
import { compareFiles } from '../engine/compareFiles.js';
import { evaluateFolders, isDirectory } from '../engine/folders.js';
import { presentResult } from '../engine/present.js';
import { evaluateFiles, type EvaluateFilesOptions } from '../engine/session.js';
import { jsonEncode } from '../protocol/jsonNumber.js';
import { renderBatchTable, renderComparisonTable, renderTables } from './table.js';

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
    maxFileBytes: o.maxFileMb * 1024 * 1024,
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
    .option('--max-file-mb <mb>', 'refuse mask files larger than this many MiB', finiteNumber('--max-file-mb'), 2048);
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
    .option('--workers <n>', 'folder mode: worker threads (default: one per core)', positiveInteger('--workers'))
    .action(async (pred: string, gt: string, o: CliOptions) => {
      const options = toEvaluateOptions(o);
      const folders = [isDirectory(pred), isDirectory(gt)];
      if (folders[0] !== folders[1]) {
        throw new MaskInputError(folders[0] ? pred : gt, 'is a folder but the other argument is a file: give two mask files or two folders');
      }
      if (!folders[0]) {
        const result = await evaluateFiles(pred, gt, options);
        if (o.json) process.stdout.write(`${JSON.stringify(presentResult(result), null, 2)}\n`);
        else process.stdout.write(renderTables(result));
        return;
      }
      const batch = await evaluateFolders(pred, gt, options, { workers: o.workers });
      if (o.json) process.stdout.write(`${JSON.stringify(jsonEncode(batch), null, 2)}\n`);
      else process.stdout.write(renderBatchTable(batch));
      const failed = batch.pairs.filter((p) => p.error).length;
      if (failed) throw new MaskInputError(pred, `${failed} of ${batch.pairs.length} pairs could not be evaluated (listed above)`);
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

/** Runs the CLI; returns the exit status (2 for a user error, with one line on stderr). */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0 ? 0 : USER_ERROR;
    }
    if (error instanceof MaskInputError) {
      process.stderr.write(`segscope: ${error.message}\n`);
      return USER_ERROR;
    }
    const message = error instanceof Error ? error.message : String(error);
    if (process.env.SEGSCOPE_DEBUG) process.stderr.write(`${(error as Error)?.stack ?? message}\n`);
    process.stderr.write(`segscope: ${message.split('\n')[0]}\n`);
    return 1;
  } finally {
    await releaseBackends();
  }
}
