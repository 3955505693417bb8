/**
 * The message protocol between the extension host (extension/) and the webviews (webview/), and the
 * view models they carry. Type-only: every side imports it with `import type`. Runtime checks of
 * these shapes live in `protocol/validate.ts`
 * (`isHostToWebview`, `isWebviewToHost`); every message is validated on arrival on both sides.
 *
 * Everything here must survive JSON serialisation (VS Code's `postMessage`): no typed arrays,
 * no `undefined` that matters, no non-finite numbers. A number that may be infinite or NaN is a
 * {@link JsonNumber} (the CLI's convention: the strings "Infinity" / "-Infinity" / "NaN");
 * a cell of a 2D map that has no value is `null`.
 *
 * Coordinates: a 2D image or a 3D slice is addressed as rows `y` (first in-plane axis) and columns
 * `x` (second in-plane axis), in pixel indices of the full-resolution image (not of a downsampled
 * grid). A voxel/pixel of the whole array is an index tuple in array order (`[y, x]` or `[z, y, x]`).
 */
import type { EvaluationResult, LossId, Metrics, MetricsClassEntry, Polyline, SliceAxis, WorstPoint } from '../kernels/types.js';
import type { JsonEncoded, JsonNumber } from './jsonNumber.js';

export type { JsonNumber, Polyline, SliceAxis, WorstPoint };

// ---------------------------------------------------------------------------------------------
// JSON forms of the engine's result
// ---------------------------------------------------------------------------------------------

/** A per-class entry of `perClass`: the class index and that class's term of each loss. */
export interface ClassEntryJson {
  class: number;
  [loss: string]: JsonNumber;
}

/** A per-class entry of `metrics.perClass`: scores that may be NaN, counts that are always finite. */
export type MetricsClassEntryJson = Pick<MetricsClassEntry, 'class' | 'tp' | 'fp' | 'fn'> & JsonEncoded<Omit<MetricsClassEntry, 'class' | 'tp' | 'fp' | 'fn'>>;

/** The fields of a result that are always finite (shapes, counts, names): they travel as they are. */
type FiniteFields = 'prediction' | 'target' | 'binary' | 'classes' | 'spacing' | 'warnings' | 'backend' | 'backendChoice';

/**
 * The CLI's `--json` document (docs/spec/cli.md): an {@link EvaluationResult} with the numbers that
 * may be non-finite in the JSON-number convention.
 */
export type EvaluationJson = Pick<EvaluationResult, FiniteFields> &
  JsonEncoded<Pick<EvaluationResult, 'losses' | 'timingsMs'>> & {
    perClass: ClassEntryJson[];
    metrics: {
      pixelAccuracy: JsonNumber;
      perClass: MetricsClassEntryJson[];
      meanForeground: JsonEncoded<Metrics['meanForeground']>;
    };
  };

// ---------------------------------------------------------------------------------------------
// Comparison: several predictions against one ground truth (`segscope compare --json`)
// ---------------------------------------------------------------------------------------------

/** A ranked measure: a loss id, or a hard-mask metric's foreground mean (`metrics.dice`, `metrics.iou`). */
export type RankedMeasure = LossId | `metrics.${'dice' | 'iou'}`;

/** Two predictions (indexes) that the measures order differently. */
export interface Disagreement {
  a: number;
  b: number;
  /** measures where a is strictly better than b */
  better_a: RankedMeasure[];
  better_b: RankedMeasure[];
}

/** The `segscope compare --json` document (docs/spec/cli.md). */
export interface ComparisonJson {
  target: EvaluationJson['target'];
  predictions: { path: string; step: number | null; result: EvaluationJson }[];
  /** per measure, each prediction's rank: 1 = best, ties share the lower rank */
  ranks: Partial<Record<RankedMeasure, number[]>>;
  higherIsBetter: RankedMeasure[];
  disagreements: Disagreement[];
}

/** One prediction of the side view's comparison. */
export interface ComparisonEntry {
  /** the absolute path: the key of the entry in messages back to the host */
  path: string;
  /** the path as displayed (workspace-relative) */
  shown: string;
  step: number | null;
  status: 'queued' | 'running' | 'done' | 'error';
  error?: string;
}

/** What the side view shows; sent whole on every change (a few kilobytes per prediction). */
export interface ComparisonViewState {
  target: { path: string; shown: string } | null;
  /** in natural order of the file names */
  entries: ComparisonEntry[];
  /** the comparison of the entries that are done, in the same order */
  comparison: ComparisonJson | null;
  /** display name of class c at index c */
  classNames: string[];
  busy: boolean;
}

/** Host → the comparison view. */
export type HostToComparison = { type: 'comparison'; state: ComparisonViewState };

/** A page's script error or warning, for the extension host's log (every page's protocol has it). */
export interface LogMessage {
  type: 'log';
  level: 'error' | 'warn' | 'info';
  message: string;
}

/** The comparison view → host. Paths must name an entry of the state the host sent. */
export type ComparisonToHost =
  | { type: 'ready' }
  | { type: 'rendered' }
  | { type: 'remove'; path: string }
  | { type: 'clear' }
  /** open the pair (this prediction, the ground truth) in the results panel */
  | { type: 'openPair'; path: string }
  /** ask the user for predictions / a ground truth with the host's file picker */
  | { type: 'pickPredictions' }
  | { type: 'pickTarget' }
  | { type: 'cancel' }
  | LogMessage;

// ---------------------------------------------------------------------------------------------
// Notebook outputs (docs/spec/notebook.md) and the renderer's messaging with the extension host
// ---------------------------------------------------------------------------------------------

export type NotebookArrayDtype = 'bool' | 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'int64' | 'float16' | 'float32' | 'float64';

export interface NotebookArray {
  dtype: NotebookArrayDtype;
  shape: number[];
  order?: 'C' | 'F';
  /** base64 of the raw little-endian bytes */
  data: string;
}

/** `application/vnd.segscope.masks+json` */
export interface MasksPayload {
  version: number;
  pred: NotebookArray;
  gt: NotebookArray;
  spacing?: number[];
  /** the `segscope.*` settings' names, every one optional */
  options?: Record<string, unknown>;
}

/** `application/vnd.segscope.files+json`: paths relative to the notebook's folder (or absolute) */
export interface FilesPayload {
  version: number;
  pred: string;
  gt: string;
  options?: Record<string, unknown>;
}

/** Renderer → host: each message names the output it is about (the renderer's output item id). */
export type RendererToHost =
  | { type: 'evaluate'; output: string; kind: 'masks'; payload: MasksPayload }
  | { type: 'evaluate'; output: string; kind: 'files'; payload: FilesPayload }
  | { type: 'slice'; output: string; axis: SliceAxis; index: number; class?: number }
  /** the output was cleared or re-rendered: the host may drop what it keeps for it */
  | { type: 'dispose'; output: string };

/** Host → renderer. */
export type HostToRenderer =
  | { type: 'progress'; output: string; message: string }
  | { type: 'result'; output: string; result: EvaluationJson; details: PanelDetails }
  | { type: 'overlay'; output: string; overlay: OverlayData | null; error?: string }
  | { type: 'curves'; output: string; curves: CurveSet[] | null; error?: string }
  | { type: 'error'; output: string; message: string; file?: string };

// ---------------------------------------------------------------------------------------------
// Panel details: what the panel shows beyond the JSON document
// ---------------------------------------------------------------------------------------------

/**
 * The boundary-distance overlay of one class on a 2D image, or on one slice of a 3D volume.
 * Maps are sampled on a grid of at most {@link OverlayData.grid} ≤ ~512 cells per side; grid
 * cell (i, j) is full-resolution pixel (y, x) = (i * stride, j * stride).
 */
export interface OverlayData {
  /** the class shown (binary pairs: 1, the foreground) */
  class: number;
  /** foreground classes the host can compute an overlay for (a class picker lists them) */
  classes: number[];
  /** the whole array's spatial shape (2 or 3 axes) */
  shape: number[];
  /** for 3D volumes: the slice shown; absent for 2D */
  slice?: {
    axis: SliceAxis;
    index: number;
    /** number of slices along each axis (= shape), for the sliders */
    counts: [number, number, number];
  };
  /** in-plane full-resolution size: rows (height) and columns (width) */
  height: number;
  width: number;
  /** in-plane pixel spacing [row spacing, column spacing] (for the aspect ratio) */
  spacing: [number, number];
  /** sampling grid of the maps below: rows, columns, and the full-resolution stride per cell */
  grid: { rows: number; cols: number; stride: number };
  /**
   * Ground-truth signed distance of the class, in spacing units, [rows][cols]: the boundary
   * loss's map φ = edt(¬G)·¬G − (edt(G) − 1)·G (docs/spec/losses.md, `boundary`): positive outside the
   * ground truth, ≤ 0 inside. Computed on the whole array (3D distances for volumes), then sliced.
   * Values are rounded to 0.001. `null` when the ground truth of this class is empty or fills the
   * array (φ is then 0 everywhere).
   */
  sdf: number[][] | null;
  /** min and max of `sdf` (for a symmetric colour scale); [0, 0] when `sdf` is null */
  sdfRange: [number, number];
  /** the prediction's contour (hard mask of this class) as polylines, full-resolution coordinates */
  predContour: Polyline[];
  /** the ground truth's contour, same form (drawn thin, for reference) */
  gtContour: Polyline[];
  /**
   * Error map on the grid, [rows][cols]: `null` no error, 1 false positive (predicted, not in the
   * ground truth), 2 false negative (in the ground truth, not predicted). Ignored pixels are `null`.
   * When the grid is coarser than the image (stride > 1) a cell shows the kind that is in the majority
   * among the cell's errors.
   */
  errors: (1 | 2 | null)[][];
  /** full-resolution false positive / false negative pixel counts in this image or slice */
  fpCount: number;
  fnCount: number;
  /**
   * The boundary point realising the class's Hausdorff distance (the max of both directed
   * distances, computed on the whole array): a point of one boundary that is farthest from the
   * other boundary. `null` when a boundary is empty (the distance is then 0 or ∞).
   */
  worst: WorstPoint | null;
}

/** One loss's values along a sweep. */
export interface CurveSeries {
  loss: LossId;
  values: JsonNumber[];
}

/**
 * Loss curves of one class (or of the whole prediction), as the prediction is changed:
 * - 'threshold' (probability / logit maps): the prediction is binarised at each threshold `x`
 *   (probability space, 0 → 1) and every loss is evaluated on the binarised prediction;
 * - 'morphology' (label maps): the predicted mask is eroded (`x < 0`) or dilated (`x > 0`) by
 *   |x| pixels (cross-shaped structuring element, iterated) and every loss is re-evaluated.
 * The point at the unchanged prediction (morphology x = 0) equals the result's losses.
 */
export interface CurveSet {
  mode: 'threshold' | 'morphology';
  /** the class whose mask was changed, or null for the whole prediction (binary / all classes) */
  class: number | null;
  /** sweep positions: thresholds in [0, 1] or signed pixel offsets -k..+k */
  x: number[];
  /** one series per loss, each with `x.length` values */
  series: CurveSeries[];
}

/** Everything the panel needs beside the JSON document. */
export interface PanelDetails {
  /** display name of class c at index c (e.g. ['background', 'liver', 'tumour']) */
  classNames: string[];
  /** the boundary-distance overlay; null when it could not be computed (then `overlayError`) */
  overlay: OverlayData | null;
  overlayError?: string;
  /**
   * loss curves; null when still being computed (the host then sends a `curves` message) or not
   * available (then `curvesError`)
   */
  curves: CurveSet[] | null;
  curvesError?: string;
}

/** The pair the panel shows (file names or paths, as the host wants them displayed). */
export interface PairInfo {
  pred: string;
  gt: string;
  /** whether swapping prediction and ground truth makes sense (both are label maps) */
  swappable: boolean;
}

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

export type ExportFormat = 'json' | 'csv' | 'markdown';
export type ImageFormat = 'png' | 'svg';

/** Host → webview. */
export type HostToWebview =
  /** the pair being shown (sent first, and after a swap); `busy` while an evaluation runs */
  | { type: 'state'; pair: PairInfo; busy?: boolean }
  /** progress text while evaluating (shown in a status line) */
  | { type: 'progress'; message: string }
  /** an evaluation finished */
  | { type: 'result'; result: EvaluationJson; details: PanelDetails }
  /** the answer to a `slice` message: a new overlay (or null with `error`) */
  | { type: 'overlay'; overlay: OverlayData | null; error?: string }
  /** loss curves computed after the result (replaces `details.curves`) */
  | { type: 'curves'; curves: CurveSet[] | null; error?: string }
  /** an evaluation or request failed; `file` names the offending file when there is one */
  | { type: 'error'; file?: string; message: string }
  /** the outcome of a `copy` or `savePlot` request */
  | {
      type: 'exported';
      what: 'copy' | 'plot';
      /** copy: the text format; plot: the image format */
      format: ExportFormat | ImageFormat;
      ok: boolean;
      /** plot: where it was saved (absent when cancelled or failed) */
      path?: string;
      message?: string;
    };

/** Webview → host. */
export type WebviewToHost =
  /** the panel's script has loaded and listens; the host (re)sends state and the last result */
  | { type: 'ready' }
  /** the panel finished rendering a result (for tests and telemetry-free diagnostics) */
  | { type: 'rendered' }
  /** swap prediction and ground truth and re-evaluate */
  | { type: 'swap' }
  /**
   * show another overlay: slice `index` along `axis` (3D), and/or another class; 2D overlays
   * send axis 0, index 0. The host answers with an `overlay` message.
   */
  | { type: 'slice'; axis: SliceAxis; index: number; class?: number }
  /**
   * the user clicked a copy button: the host puts the results it sent, formatted as `format`
   * (protocol/format.ts), on the clipboard; the webview cannot choose the text
   */
  | { type: 'copy'; format: ExportFormat }
  /** save a plot: `dataUrl` is Plotly.toImage's data: URL (PNG base64, or SVG url-encoded) */
  | { type: 'savePlot'; name: string; format: ImageFormat; dataUrl: string }
  /** put this pair's prediction into the side panel's Loss Comparison (against this pair's ground truth) */
  | { type: 'addToComparison' }
  /** a script error in the panel, reported so the host can log it */
  | LogMessage;

export type HostToWebviewType = HostToWebview['type'];
export type WebviewToHostType = WebviewToHost['type'];

/** What the panel keeps with vscode.setState (restored when the webview is re-created). */
export interface PanelState {
  pair?: PairInfo;
  result?: EvaluationJson;
  details?: PanelDetails;
  /** selected loss card, selected curve class, open sections… */
  ui?: { card?: string; curveSet?: number; slice?: { axis: SliceAxis; index: number }; class?: number };
}

// ---------------------------------------------------------------------------------------------
// Folder against folder in the editor (extension/folderPanel.ts ↔ webview/entries/folders.ts)
// ---------------------------------------------------------------------------------------------

/** The empty-class rule of the means (engine/aggregate.ts `EmptyRule`, the CLI's `--empty`). */
export type FolderEmptyRule = 'skip' | 'zero' | 'one' | 'worst';

/**
 * A measure of the folder views: a loss id, or a hard-mask metric as `metrics.dice`,
 * `metrics.iou`, `metrics.precision`, `metrics.recall` (per case: its foreground mean; per class:
 * the class's score). The CLI's case log, CSV and `segscope stats` name them so.
 */
export type FolderMeasure = LossId | `metrics.${'dice' | 'iou' | 'precision' | 'recall'}`;

/** One case of a run: its key (the ground truth's relative path without extension) and, once evaluated, its values. */
export interface FolderCaseView {
  key: string;
  /** `cancelled`: not evaluated, the run was cancelled before it */
  status: 'queued' | 'running' | 'done' | 'error' | 'cancelled';
  error?: string;
  /** per measure the case's value: each loss, and `metrics.*` the hard-mask foreground means */
  values?: Partial<Record<FolderMeasure, JsonNumber>>;
  /** per class, the class's term of each loss and its hard-mask scores (`metrics.*`) */
  perClass?: { class: number; values: Partial<Record<FolderMeasure, JsonNumber>> }[];
}

/** A mean over cases under an empty rule: `n` values in it, `touched` values the rule changed or left out. */
export interface FolderMeanView {
  measure: FolderMeasure;
  mean: JsonNumber;
  n: number;
  touched: number;
}

/** One prediction folder evaluated against the ground-truth folder. */
export interface FolderRunView {
  /** the prediction folder as displayed (workspace-relative) */
  pred: string;
  /** short name: the folder's name (its displayed path where two runs share one) */
  name: string;
  status: 'running' | 'done' | 'cancelled';
  /** every case of the pairing, in case-key order */
  cases: FolderCaseView[];
  done: number;
  failed: number;
  total: number;
  /** per rule, the mean over the cases of each case measure (engine/aggregate.ts `caseMeanList`) */
  means: Record<FolderEmptyRule, FolderMeanView[]>;
  /** per rule and class, the mean over the cases of each loss's class term and each hard-mask score */
  classMeans: Record<FolderEmptyRule, { class: number; means: FolderMeanView[] }[]>;
  /** files without a partner in the other folder (counts; the names are in `warnings` when few) */
  unmatched: { predictions: number; groundTruths: number };
  /** the pairing's warnings (two files of one case, ambiguous stems) */
  warnings: string[];
  backends: string[];
}

/** One measure of `segscope stats` (engine/stats.ts `MeasureStats`): run B against run A, paired by case. */
export interface FolderStatsRow {
  measure: FolderMeasure;
  better: 'lower' | 'higher';
  n: number;
  meanA: JsonNumber;
  meanB: JsonNumber;
  /** the mean paired difference B − A */
  meanDiff: JsonNumber;
  ci95: [JsonNumber, JsonNumber] | null;
  pWilcoxon: JsonNumber | null;
  pHolm: JsonNumber | null;
  /** why there is no p-value */
  pNote?: string;
  /** cases of both runs left out of this measure (a value not finite in A or B) */
  notFinite: number;
}

/** `segscope stats A.jsonl B.jsonl` of two runs of the panel. */
export interface FolderStatsView {
  /** indexes into `runs` */
  a: number;
  b: number;
  /** cases with a result in both runs */
  cases: number;
  seed: number;
  bootstrap: number;
  rows: FolderStatsRow[];
  onlyInA: number;
  onlyInB: number;
}

/** What the folder panel shows; sent whole (throttled to ≤ 4 per second while a run goes). */
export interface FolderViewState {
  /** the ground-truth folder as displayed */
  gt: string;
  /** one or more prediction folders against it (the first is A of the stats) */
  runs: FolderRunView[];
  /** the columns of the case tables: losses in registry order, then `metrics.*` */
  measures: FolderMeasure[];
  /** the classes seen in any result, ascending */
  classes: number[];
  /** display name of class c at index c */
  classNames: string[];
  binary: boolean;
  /** the rule the host exports with (the `segscope.emptyRule` setting, or the page's last choice) */
  emptyRule: FolderEmptyRule;
  /** what each rule does, in the CLI's words (engine/aggregate.ts `describeEmptyRule`) */
  ruleMeanings: Record<FolderEmptyRule, string>;
  /** runs[a] against runs[b] once both are over; null with one run */
  stats: FolderStatsView | null;
  /** a run or the stats are being computed */
  busy: boolean;
}

export type FolderExportFormat = 'csv' | 'json';

/** Host → the folder panel. */
export type HostToFolder =
  | { type: 'folders'; state: FolderViewState }
  | { type: 'exported'; format: FolderExportFormat; ok: boolean; path?: string; message?: string };

/** The folder panel → host. Cases are named by run index and case key, never by a path. */
export type FolderToHost =
  | { type: 'ready' }
  | { type: 'rendered' }
  /** open the case's pair (that run's prediction, the ground truth) in the results panel */
  | { type: 'openCase'; run: number; key: string }
  /** the empty rule chosen in the page (the host exports with it) */
  | { type: 'emptyRule'; rule: FolderEmptyRule }
  /** write one run's cases: CSV as `segscope evaluate --csv`, JSON as summary.json (`segscope merge`) */
  | { type: 'export'; format: FolderExportFormat; run: number }
  /** pick another prediction folder and evaluate it against the same ground truth */
  | { type: 'compareAnother' }
  | { type: 'cancel' }
  | LogMessage;
