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
type FiniteFields = 'prediction' | 'target' | 'binary' | 'classes' | 'spacing' | 'warnings' | 'backend';

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
  | { type: 'log'; level: 'error' | 'warn' | 'info'; message: string };

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
  /** put `text` (the results formatted by webview/format.ts as `format`) on the clipboard */
  | { type: 'copy'; format: ExportFormat; text: string }
  /** save a plot: `dataUrl` is Plotly.toImage's data: URL (PNG base64, or SVG url-encoded) */
  | { type: 'savePlot'; name: string; format: ImageFormat; dataUrl: string }
  /** put this pair's prediction into the side panel's Loss Comparison (against this pair's ground truth) */
  | { type: 'addToComparison' }
  /** a script error in the panel, reported so the host can log it */
  | { type: 'log'; level: 'error' | 'warn' | 'info'; message: string };

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
