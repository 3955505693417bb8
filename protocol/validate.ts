/**
 * Runtime checks of the protocol (protocol/messages.ts), used on arrival on both sides:
 * the host checks every message from the webview with `isWebviewToHost`, the webview every
 * message from the host with `isHostToWebview`. Hand-written, no dependencies, safe to bundle
 * for Node and the browser. Large maps (≤ 512 × 512) are checked cell by cell; that is cheap.
 */
import type {
  CurveSet,
  EvaluationJson,
  HostToWebview,
  OverlayData,
  PairInfo,
  PanelDetails,
  WebviewToHost,
  WorstPoint,
  ComparisonJson,
  ComparisonToHost,
  ComparisonViewState,
  HostToComparison,
  HostToRenderer,
  MasksPayload,
  FilesPayload,
  NotebookArrayDtype,
  RendererToHost,
} from './messages.js';
import { NOTEBOOK_PAYLOAD_VERSION } from './notebook.js';
import { isJsonNumber } from './jsonNumber.js';
import type { FolderToHost, HostToFolder } from './messages.js';
import { isLossId } from '../kernels/registry.js';

export { isJsonNumber };

type Rec = Record<string, unknown>;

const isRec = (x: unknown): x is Rec => typeof x === 'object' && x !== null && !Array.isArray(x);
const isStr = (x: unknown): x is string => typeof x === 'string';
const isBool = (x: unknown): x is boolean => typeof x === 'boolean';
const isFiniteNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isInt = (x: unknown): x is number => Number.isInteger(x);
const isNonNegInt = (x: unknown): x is number => isInt(x) && (x as number) >= 0;
const optional = (x: unknown, check: (v: unknown) => boolean): boolean => x === undefined || check(x);

const isArrayOf = (x: unknown, check: (v: unknown) => boolean): boolean =>
  Array.isArray(x) && x.every(check);

const isIntTuple = (x: unknown, minLen = 2, maxLen = 3): x is number[] =>
  Array.isArray(x) && x.length >= minLen && x.length <= maxLen && x.every(isNonNegInt);

const isPairInfo = (x: unknown): x is PairInfo =>
  isRec(x) && isStr(x.pred) && isStr(x.gt) && isBool(x.swappable);

/** A [rows][cols] grid whose cells pass `cell`. */
function isGrid(x: unknown, rows: number, cols: number, cell: (v: unknown) => boolean): boolean {
  if (!Array.isArray(x) || x.length !== rows) return false;
  for (const row of x) {
    if (!Array.isArray(row) || row.length !== cols) return false;
    for (let j = 0; j < cols; j++) if (!cell(row[j])) return false;
  }
  return true;
}

const isPoint = (p: unknown): boolean => Array.isArray(p) && p.length === 2 && isFiniteNum(p[0]) && isFiniteNum(p[1]);
const isPolylines = (x: unknown): boolean => isArrayOf(x, (line) => isArrayOf(line, isPoint));

function isWorst(x: unknown): x is WorstPoint {
  return (
    isRec(x) &&
    isIntTuple(x.at) &&
    isIntTuple(x.nearest) &&
    x.at.length === x.nearest.length &&
    isFiniteNum(x.distance) &&
    x.distance >= 0 &&
    (x.on === 'prediction' || x.on === 'groundTruth') &&
    isBool(x.inSlice)
  );
}

export function isOverlayData(x: unknown): x is OverlayData {
  if (!isRec(x)) return false;
  if (!isNonNegInt(x.class) || !isArrayOf(x.classes, isNonNegInt)) return false;
  if (!isIntTuple(x.shape)) return false;
  const dims = x.shape.length;
  if (x.slice !== undefined) {
    const s = x.slice;
    if (dims !== 3 || !isRec(s)) return false;
    if (s.axis !== 0 && s.axis !== 1 && s.axis !== 2) return false;
    if (!isIntTuple(s.counts, 3, 3) || !isNonNegInt(s.index) || s.index >= s.counts[s.axis]) return false;
  } else if (dims !== 2) return false;
  if (!isNonNegInt(x.height) || !isNonNegInt(x.width)) return false;
  if (!Array.isArray(x.spacing) || x.spacing.length !== 2 || !x.spacing.every((v) => isFiniteNum(v) && v > 0)) return false;
  const g = x.grid;
  if (!isRec(g) || !isNonNegInt(g.rows) || !isNonNegInt(g.cols) || !isInt(g.stride) || (g.stride as number) < 1) return false;
  const rows = g.rows as number;
  const cols = g.cols as number;
  if (x.sdf !== null && !isGrid(x.sdf, rows, cols, isFiniteNum)) return false;
  if (!Array.isArray(x.sdfRange) || x.sdfRange.length !== 2 || !x.sdfRange.every(isFiniteNum)) return false;
  if (!isPolylines(x.predContour) || !isPolylines(x.gtContour)) return false;
  if (!isGrid(x.errors, rows, cols, (v) => v === null || v === 1 || v === 2)) return false;
  if (!isNonNegInt(x.fpCount) || !isNonNegInt(x.fnCount)) return false;
  if (x.worst !== null && !isWorst(x.worst)) return false;
  return true;
}

export function isCurveSet(x: unknown): x is CurveSet {
  if (!isRec(x)) return false;
  if (x.mode !== 'threshold' && x.mode !== 'morphology') return false;
  if (!(x.class === null || isNonNegInt(x.class))) return false;
  if (!isArrayOf(x.x, isFiniteNum)) return false;
  const n = (x.x as number[]).length;
  return isArrayOf(
    x.series,
    (s) => isRec(s) && isStr(s.loss) && Array.isArray(s.values) && s.values.length === n && s.values.every(isJsonNumber),
  );
}

const isCurves = (x: unknown): boolean => x === null || isArrayOf(x, isCurveSet);

export function isPanelDetails(x: unknown): x is PanelDetails {
  return (
    isRec(x) &&
    isArrayOf(x.classNames, isStr) &&
    (x.overlay === null || isOverlayData(x.overlay)) &&
    optional(x.overlayError, isStr) &&
    isCurves(x.curves) &&
    optional(x.curvesError, isStr)
  );
}

const isNumRecord = (x: unknown): boolean => isRec(x) && Object.values(x).every(isJsonNumber);

/** The CLI's JSON document (docs/spec/cli.md), checked field by field. */
export function isEvaluationJson(x: unknown): x is EvaluationJson {
  if (!isRec(x)) return false;
  const p = x.prediction;
  const t = x.target;
  if (!isRec(p) || !isStr(p.path) || !isArrayOf(p.shape, isNonNegInt)) return false;
  if (p.kind !== 'probabilities' && p.kind !== 'logits' && p.kind !== 'labels') return false;
  if (!isRec(t) || !isStr(t.path) || !isArrayOf(t.shape, isNonNegInt)) return false;
  if (!isBool(x.binary) || !isNonNegInt(x.classes) || !isArrayOf(x.spacing, isJsonNumber)) return false;
  if (!isNumRecord(x.losses)) return false;
  if (!isArrayOf(x.perClass, (e) => isRec(e) && isNonNegInt(e.class) && isNumRecord(e))) return false;
  const m = x.metrics;
  if (!isRec(m) || !isJsonNumber(m.pixelAccuracy)) return false;
  if (!isArrayOf(m.perClass, (e) => isRec(e) && isNonNegInt(e.class) && isNumRecord(e))) return false;
  if (!isNumRecord(m.meanForeground)) return false;
  if (!isArrayOf(x.warnings, isStr) || !isStr(x.backend) || !isNumRecord(x.timingsMs)) return false;
  if (x.backendChoice !== undefined && !isStr(x.backendChoice)) return false;
  return true;
}

const EXPORT_FORMATS = new Set(['json', 'csv', 'markdown']);
const IMAGE_FORMATS = new Set(['png', 'svg']);

export function isHostToWebview(x: unknown): x is HostToWebview {
  if (!isRec(x) || !isStr(x.type)) return false;
  switch (x.type) {
    case 'state':
      return isPairInfo(x.pair) && optional(x.busy, isBool);
    case 'progress':
      return isStr(x.message);
    case 'result':
      return isEvaluationJson(x.result) && isPanelDetails(x.details);
    case 'overlay':
      return (x.overlay === null || isOverlayData(x.overlay)) && optional(x.error, isStr);
    case 'curves':
      return isCurves(x.curves) && optional(x.error, isStr);
    case 'error':
      return isStr(x.message) && optional(x.file, isStr);
    case 'exported':
      return (
        (x.what === 'copy' ? EXPORT_FORMATS.has(x.format as string) : x.what === 'plot' && IMAGE_FORMATS.has(x.format as string)) &&
        isBool(x.ok) &&
        optional(x.path, isStr) &&
        optional(x.message, isStr)
      );
    default:
      return false;
  }
}

/** Largest data: URL accepted from the webview (a 4k PNG plot is well below). */
export const MAX_DATA_URL_LENGTH = 64 * 1024 * 1024;

export function isWebviewToHost(x: unknown): x is WebviewToHost {
  if (!isRec(x) || !isStr(x.type)) return false;
  switch (x.type) {
    case 'ready':
    case 'rendered':
    case 'swap':
    case 'addToComparison':
      return true;
    case 'slice':
      return (x.axis === 0 || x.axis === 1 || x.axis === 2) && isNonNegInt(x.index) && optional(x.class, isNonNegInt);
    case 'copy':
      return EXPORT_FORMATS.has(x.format as string);
    case 'savePlot':
      return (
        isStr(x.name) &&
        /^[\w.-]{1,100}$/.test(x.name) &&
        IMAGE_FORMATS.has(x.format as string) &&
        isStr(x.dataUrl) &&
        x.dataUrl.length <= MAX_DATA_URL_LENGTH &&
        x.dataUrl.startsWith(x.format === 'png' ? 'data:image/png;base64,' : 'data:image/svg+xml')
      );
    case 'log':
      return (x.level === 'error' || x.level === 'warn' || x.level === 'info') && isStr(x.message);
    default:
      return false;
  }
}

const isRankArray = (x: unknown, n: number): boolean => Array.isArray(x) && x.length === n && x.every((r) => isInt(r) && (r as number) >= 1 && (r as number) <= n);
const isMeasureList = (x: unknown): boolean => isArrayOf(x, isStr);

export function isComparisonJson(x: unknown): x is ComparisonJson {
  if (!isRec(x) || !isRec(x.target) || !isStr(x.target.path) || !isArrayOf(x.target.shape, isNonNegInt)) return false;
  if (!Array.isArray(x.predictions)) return false;
  const n = x.predictions.length;
  const predictionsOk = x.predictions.every((p) => isRec(p) && isStr(p.path) && (p.step === null || isNonNegInt(p.step)) && isEvaluationJson(p.result));
  const ranksOk = isRec(x.ranks) && Object.values(x.ranks).every((r) => isRankArray(r, n));
  const disagreementsOk = isArrayOf(x.disagreements, (d) =>
    isRec(d) && isNonNegInt(d.a) && isNonNegInt(d.b) && (d.a as number) < n && (d.b as number) < n && isMeasureList(d.better_a) && isMeasureList(d.better_b));
  return predictionsOk && ranksOk && isMeasureList(x.higherIsBetter) && disagreementsOk;
}

const ENTRY_STATUS = new Set(['queued', 'running', 'done', 'error']);

function isComparisonViewState(x: unknown): x is ComparisonViewState {
  if (!isRec(x) || !isBool(x.busy) || !isArrayOf(x.classNames, isStr)) return false;
  const target = x.target;
  if (target !== null && !(isRec(target) && isStr(target.path) && isStr(target.shown))) return false;
  const entriesOk = isArrayOf(x.entries, (e) =>
    isRec(e) && isStr(e.path) && isStr(e.shown) && (e.step === null || isNonNegInt(e.step)) && ENTRY_STATUS.has(e.status as string) && optional(e.error, isStr));
  return entriesOk && (x.comparison === null || isComparisonJson(x.comparison));
}

export function isHostToComparison(x: unknown): x is HostToComparison {
  return isRec(x) && x.type === 'comparison' && isComparisonViewState(x.state);
}

/** Longest path a comparison message may name (the host also checks it names one of its entries). */
const MAX_PATH_LENGTH = 4096;

export function isComparisonToHost(x: unknown): x is ComparisonToHost {
  if (!isRec(x) || !isStr(x.type)) return false;
  switch (x.type) {
    case 'ready':
    case 'rendered':
    case 'clear':
    case 'pickPredictions':
    case 'pickTarget':
    case 'cancel':
      return true;
    case 'remove':
    case 'openPair':
      return isStr(x.path) && x.path.length > 0 && x.path.length <= MAX_PATH_LENGTH;
    case 'log':
      return (x.level === 'error' || x.level === 'warn' || x.level === 'info') && isStr(x.message);
    default:
      return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Notebook payloads (docs/spec/notebook.md) and the renderer's messages
// ---------------------------------------------------------------------------------------------

/** Bytes per element of each dtype the notebook spec names. */
export const NOTEBOOK_DTYPE_BYTES: Readonly<Record<NotebookArrayDtype, number>> = {
  bool: 1, uint8: 1, int8: 1, uint16: 2, int16: 2, uint32: 4, int32: 4, int64: 8, float16: 2, float32: 4, float64: 8,
};

/** The decoded length of a base64 string, or null when it is not base64 (checked in linear time, no decoding). */
export function base64Length(s: string): number | null {
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return null;
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  return (s.length / 4) * 3 - pad;
}

/** What is wrong with one array of a masks payload, or null. */
function arrayProblem(name: string, a: unknown): string | null {
  if (!isRec(a)) return `"${name}" is missing or not an object`;
  if (!isStr(a.dtype) || !(a.dtype in NOTEBOOK_DTYPE_BYTES)) {
    return `"${name}.dtype" ${isStr(a.dtype) ? `'${a.dtype.slice(0, 20)}'` : ''} is not one of ${Object.keys(NOTEBOOK_DTYPE_BYTES).join(' ')}`;
  }
  if (!Array.isArray(a.shape) || a.shape.length < 1 || a.shape.length > 5 || !a.shape.every(isNonNegInt)) return `"${name}.shape" must be a list of 1 to 5 non-negative integers`;
  if (a.order !== undefined && a.order !== 'C' && a.order !== 'F') return `"${name}.order" must be "C" or "F"`;
  if (!isStr(a.data)) return `"${name}.data" must be a base64 string`;
  const bytes = base64Length(a.data);
  if (bytes === null) return `"${name}.data" is not valid base64`;
  const elements = (a.shape as number[]).reduce((n, d) => n * d, 1);
  const expected = elements * NOTEBOOK_DTYPE_BYTES[a.dtype as NotebookArrayDtype];
  if (bytes !== expected) return `"${name}" has ${bytes} bytes, but ${a.dtype} of shape [${(a.shape as number[]).join(', ')}] needs ${expected}`;
  return null;
}

const versionProblem = (x: Rec): string | null =>
  !isNonNegInt(x.version)
    ? '"version" is missing'
    : (x.version as number) > NOTEBOOK_PAYLOAD_VERSION
      ? `payload version ${x.version} is newer than this SegScope reads (${NOTEBOOK_PAYLOAD_VERSION}); update the extension`
      : null;

/** What is wrong with a masks payload (the first problem found), or null when it is well formed. */
export function masksPayloadProblem(x: unknown): string | null {
  if (!isRec(x)) return 'the output is not a JSON object';
  const problem = versionProblem(x) ?? arrayProblem('pred', x.pred) ?? arrayProblem('gt', x.gt);
  if (problem) return problem;
  if (x.spacing !== undefined && !isArrayOf(x.spacing, (v) => isFiniteNum(v) && (v as number) > 0)) return '"spacing" must be a list of positive numbers';
  if (x.options !== undefined && !isRec(x.options)) return '"options" must be an object';
  return null;
}

/** What is wrong with a files payload, or null. */
export function filesPayloadProblem(x: unknown): string | null {
  if (!isRec(x)) return 'the output is not a JSON object';
  const problem = versionProblem(x);
  if (problem) return problem;
  for (const k of ['pred', 'gt'] as const) if (!isStr(x[k]) || x[k] === '' || (x[k] as string).length > MAX_PATH_LENGTH) return `"${k}" must be a file path`;
  if (x.options !== undefined && !isRec(x.options)) return '"options" must be an object';
  return null;
}

export const isMasksPayload = (x: unknown): x is MasksPayload => masksPayloadProblem(x) === null;
export const isFilesPayload = (x: unknown): x is FilesPayload => filesPayloadProblem(x) === null;

const isOutputId = (x: unknown): x is string => isStr(x) && x.length > 0 && x.length <= 512;

export function isRendererToHost(x: unknown): x is RendererToHost {
  if (!isRec(x) || !isStr(x.type) || !isOutputId(x.output)) return false;
  switch (x.type) {
    case 'evaluate':
      return (x.kind === 'masks' && isMasksPayload(x.payload)) || (x.kind === 'files' && isFilesPayload(x.payload));
    case 'slice':
      return (x.axis === 0 || x.axis === 1 || x.axis === 2) && isNonNegInt(x.index) && optional(x.class, isNonNegInt);
    case 'dispose':
      return true;
    default:
      return false;
  }
}

/** The renderer's messages are the panel's (same fields, same checks) for one output. */
const RENDERER_MESSAGE_TYPES = new Set(['progress', 'result', 'overlay', 'curves', 'error']);

export function isHostToRenderer(x: unknown): x is HostToRenderer {
  return isRec(x) && isOutputId(x.output) && RENDERER_MESSAGE_TYPES.has(x.type as string) && isHostToWebview(x);
}

// ---------------------------------------------------------------------------------------------
// The folder panel (folder against folder in the editor)
// ---------------------------------------------------------------------------------------------

const FOLDER_RULES: readonly string[] = ['skip', 'zero', 'one', 'worst'];
const FOLDER_METRICS: readonly string[] = ['metrics.dice', 'metrics.iou', 'metrics.precision', 'metrics.recall'];
const CASE_STATUS = new Set(['queued', 'running', 'done', 'error', 'cancelled']);
const RUN_STATUS = new Set(['running', 'done', 'cancelled']);
/** Longest case key a message may name (a relative path without its extension). */
const MAX_CASE_KEY_LENGTH = 4096;
/** The most prediction folders one panel compares. */
export const MAX_FOLDER_RUNS = 8;

const isFolderMeasure = (x: unknown): boolean => isLossId(x) || (isStr(x) && FOLDER_METRICS.includes(x));
const isFolderRule = (x: unknown): boolean => isStr(x) && FOLDER_RULES.includes(x);
const isMeasureValues = (x: unknown): boolean => isRec(x) && Object.entries(x).every(([k, v]) => isFolderMeasure(k) && isJsonNumber(v));
const isCaseKey = (x: unknown): x is string => isStr(x) && x.length > 0 && x.length <= MAX_CASE_KEY_LENGTH;

function isFolderCaseView(x: unknown): boolean {
  if (!isRec(x) || !isCaseKey(x.key) || !CASE_STATUS.has(x.status as string) || !optional(x.error, isStr)) return false;
  if (!optional(x.values, isMeasureValues)) return false;
  return optional(x.perClass, (p) => isArrayOf(p, (e) => isRec(e) && isNonNegInt(e.class) && isMeasureValues(e.values)));
}

const isFolderMean = (x: unknown): boolean =>
  isRec(x) && isFolderMeasure(x.measure) && isJsonNumber(x.mean) && isNonNegInt(x.n) && isNonNegInt(x.touched);

/** A record with exactly the four rules as keys, each value passing `check`. */
const isPerRule = (x: unknown, check: (v: unknown) => boolean): boolean =>
  isRec(x) && Object.keys(x).length === FOLDER_RULES.length && FOLDER_RULES.every((r) => check(x[r]));

function isFolderRunView(x: unknown): boolean {
  if (!isRec(x) || !isStr(x.pred) || !isStr(x.name) || !RUN_STATUS.has(x.status as string)) return false;
  if (!isNonNegInt(x.done) || !isNonNegInt(x.failed) || !isNonNegInt(x.total)) return false;
  if (!isArrayOf(x.cases, isFolderCaseView)) return false;
  if (!isPerRule(x.means, (m) => isArrayOf(m, isFolderMean))) return false;
  if (!isPerRule(x.classMeans, (m) => isArrayOf(m, (c) => isRec(c) && isNonNegInt(c.class) && isArrayOf(c.means, isFolderMean)))) return false;
  const u = x.unmatched;
  if (!isRec(u) || !isNonNegInt(u.predictions) || !isNonNegInt(u.groundTruths)) return false;
  return isArrayOf(x.warnings, isStr) && isArrayOf(x.backends, isStr);
}

const isNullableJsonNumber = (x: unknown): boolean => x === null || isJsonNumber(x);

function isFolderStatsRow(x: unknown): boolean {
  return (
    isRec(x) &&
    isFolderMeasure(x.measure) &&
    (x.better === 'lower' || x.better === 'higher') &&
    isNonNegInt(x.n) &&
    isJsonNumber(x.meanA) &&
    isJsonNumber(x.meanB) &&
    isJsonNumber(x.meanDiff) &&
    (x.ci95 === null || (Array.isArray(x.ci95) && x.ci95.length === 2 && x.ci95.every(isJsonNumber))) &&
    isNullableJsonNumber(x.pWilcoxon) &&
    isNullableJsonNumber(x.pHolm) &&
    optional(x.pNote, isStr) &&
    isNonNegInt(x.notFinite)
  );
}

function isFolderStatsView(x: unknown, runs: number): boolean {
  if (!isRec(x) || !isNonNegInt(x.a) || !isNonNegInt(x.b) || (x.a as number) >= runs || (x.b as number) >= runs || x.a === x.b) return false;
  return isNonNegInt(x.cases) && isNonNegInt(x.seed) && isNonNegInt(x.bootstrap) && isArrayOf(x.rows, isFolderStatsRow) && isNonNegInt(x.onlyInA) && isNonNegInt(x.onlyInB);
}

export function isFolderViewState(x: unknown): boolean {
  if (!isRec(x) || !isStr(x.gt) || !isBool(x.binary) || !isBool(x.busy) || !isFolderRule(x.emptyRule)) return false;
  if (!Array.isArray(x.runs) || x.runs.length < 1 || x.runs.length > MAX_FOLDER_RUNS || !x.runs.every(isFolderRunView)) return false;
  if (!isArrayOf(x.measures, isFolderMeasure) || !isArrayOf(x.classes, isNonNegInt) || !isArrayOf(x.classNames, isStr)) return false;
  if (!isPerRule(x.ruleMeanings, isStr)) return false;
  return x.stats === null || isFolderStatsView(x.stats, x.runs.length);
}

export function isHostToFolder(x: unknown): x is HostToFolder {
  if (!isRec(x) || !isStr(x.type)) return false;
  switch (x.type) {
    case 'folders':
      return isFolderViewState(x.state);
    case 'exported':
      return (x.format === 'csv' || x.format === 'json') && isBool(x.ok) && optional(x.path, isStr) && optional(x.message, isStr);
    default:
      return false;
  }
}

export function isFolderToHost(x: unknown): x is FolderToHost {
  if (!isRec(x) || !isStr(x.type)) return false;
  switch (x.type) {
    case 'ready':
    case 'rendered':
    case 'compareAnother':
    case 'cancel':
      return true;
    case 'openCase':
      return isNonNegInt(x.run) && (x.run as number) < MAX_FOLDER_RUNS && isCaseKey(x.key);
    case 'emptyRule':
      return isFolderRule(x.rule);
    case 'export':
      return (x.format === 'csv' || x.format === 'json') && isNonNegInt(x.run) && (x.run as number) < MAX_FOLDER_RUNS;
    case 'log':
      return (x.level === 'error' || x.level === 'warn' || x.level === 'info') && isStr(x.message);
    default:
      return false;
  }
}
