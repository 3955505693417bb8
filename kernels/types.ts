import type { NdArray } from '../formats/types.js';

import type { LossId } from './registry.js';

export { LOSS_IDS, type LossId } from './registry.js';

export const BACKENDS = ['auto', 'cpu', 'webasm', 'headlessgl', 'webgpu', 'reference'] as const;
export type BackendRequest = (typeof BACKENDS)[number];
/** The backend that actually ran the per-pixel work. */
export type BackendName = Exclude<BackendRequest, 'auto'>;

export interface EvaluateOptions {
  losses?: LossId[];
  fromLogits?: boolean;
  channelsLast?: boolean;
  classes?: number;
  /** undefined: the spec's default; null: --no-ignore; a number: explicit. */
  ignoreIndex?: number | null;
  includeBackground?: boolean;
  spacing?: number[];
  alpha?: number;
  beta?: number;
  ftGamma?: number;
  focalGamma?: number;
  /** undefined: default; null: weighting off; a number: binary alpha, or every class's alpha in multi-class. */
  focalAlpha?: number | null;
  classWeights?: number[];
  smooth?: number;
  nsdTolerance?: number;
  predScale?: number;
  backend?: BackendRequest;
}

/** The resolved parameters every loss reads. */
export interface LossParams {
  losses: LossId[];
  includeBackground: boolean;
  alpha: number;
  beta: number;
  ftGamma: number;
  focalGamma: number;
  /** per-class focal alpha, or null when weighting is off */
  focalAlpha: number[] | null;
  classWeights: number[] | null;
  smooth: number;
  nsdTolerance: number;
}

/**
 * A pair ready for the losses: spatial shape S (2 or 3 axes), N pixels.
 * The target is an Int32Array of class indices with ignored pixels set to -1.
 * The prediction is one of:
 *  - 'binary': foreground probability p (or logit z when `logits`), one value per pixel;
 *  - 'channels': C channel-first planes of probabilities (or logits), channel c at offset c*N;
 *  - 'labels': a hard label map (class index per pixel, -1 for none), one-hot probabilities 0/1.
 */
export type PreparedPrediction =
  | { kind: 'binary'; values: Float32Array | Float64Array; logits: boolean }
  | { kind: 'channels'; values: Float32Array | Float64Array; logits: boolean }
  | { kind: 'labels'; labels: Int32Array };

export interface PreparedPair {
  binary: boolean;
  classes: number;
  shape: number[];
  size: number;
  spacing: number[];
  pred: PreparedPrediction;
  target: Int32Array;
  ignoreIndex: number | null;
}

/**
 * Sums over the non-ignored pixels that the pixel-wise and overlap losses need, per class
 * c in 0..C-1 (binary pairs: two classes with p_0 = 1 - p). All arrays have length C.
 * Logs use the spec's clamp (probabilities) or the stable log-softmax / log-sigmoid (logits).
 */
export interface PixelSums {
  /** non-ignored pixels */
  n: number;
  /** number of non-ignored pixels whose target is c */
  count: Float64Array;
  /** Σ p_c */
  sumP: Float64Array;
  /** Σ p_c t_c */
  tp: Float64Array;
  /** Σ_x -[t_c log p_c + (1 - t_c) log(1 - p_c)] (one-vs-rest channel c, all pixels) */
  bce: Float64Array;
  /** Σ_{x: y = c} -log p_c */
  ce: Float64Array;
  /** Σ_{x: y = c} -(1 - p_c)^γ log p_c (focal without alpha) */
  focal: Float64Array;
  /** hard-mask counts from argmax (binary: p > 0.5): TP, FP, FN per class, and correct pixels */
  hardTp: Float64Array;
  hardFp: Float64Array;
  hardFn: Float64Array;
  correct: number;
}

export type Finite = number;

export interface ClassEntry {
  class: number;
  [loss: string]: number;
}

export interface MetricsClassEntry {
  class: number;
  dice: number;
  iou: number;
  precision: number;
  recall: number;
  tp: number;
  fp: number;
  fn: number;
}

export interface Metrics {
  pixelAccuracy: number;
  perClass: MetricsClassEntry[];
  meanForeground: { dice: number; iou: number; precision: number; recall: number };
}

/** The result of one evaluation; serialised as the CLI's JSON document (non-finite numbers as strings). */
export interface EvaluationResult {
  prediction: { path: string; shape: number[]; kind: 'probabilities' | 'logits' | 'labels' };
  target: { path: string; shape: number[] };
  binary: boolean;
  classes: number;
  spacing: number[];
  losses: Partial<Record<LossId, number>>;
  perClass: ClassEntry[];
  metrics: Metrics;
  warnings: string[];
  backend: BackendName;
  /** why that backend ran (set by engine/session.ts): the request, and for `auto` what chose it */
  backendChoice?: string;
  timingsMs: Record<string, number>;
}

export type { NdArray };

/** An axis of a 3D array (array order `[z, y, x]`); 2D planes use axis 0, index 0. */
export type SliceAxis = 0 | 1 | 2;

/** A polyline in full-resolution pixel coordinates, `[x, y]` pairs (sub-pixel: contours at 0.5). */
export type Polyline = [number, number][];

export interface WorstPoint {
  /** the point, as an index tuple of the whole array ([y, x] or [z, y, x]) */
  at: number[];
  /** the nearest point of the other boundary (index tuple) */
  nearest: number[];
  /** the distance between them, in spacing units (= the class's Hausdorff distance) */
  distance: number;
  /** which boundary `at` lies on: 'prediction' (pred→gt direction) or 'groundTruth' (gt→pred) */
  on: 'prediction' | 'groundTruth';
  /** whether `at` lies in the slice shown (always true in 2D) */
  inSlice: boolean;
}

