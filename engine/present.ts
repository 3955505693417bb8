/**
 * The presenter: exact engine results → the view models of protocol/messages.ts. Everything that
 * exists only to draw or to travel — the JSON-number encoding, sampling a plane onto a display grid,
 * rounding φ for the colour scale — happens here, on the node side, never in kernels/.
 */
import type { LossCurves } from '../kernels/curves.js';
import { contours, type OverlaySlice } from '../kernels/overlay.js';
import type { EvaluationResult } from '../kernels/types.js';
import { jsonEncode, toJsonNumber } from '../protocol/jsonNumber.js';
import type { CurveSet, EvaluationJson, OverlayData } from '../protocol/messages.js';

/** Largest side of an overlay's display grid (protocol/messages.ts `OverlayData.grid`). */
export const OVERLAY_MAX_SIDE = 512;

export function presentResult(result: EvaluationResult): EvaluationJson {
  // shapes, counts and the class count are finite, so they come out of the encoding as numbers
  return jsonEncode(result) as EvaluationJson;
}

export function presentCurves(curves: LossCurves[]): CurveSet[] {
  return curves.map((c) => ({ mode: c.mode, class: c.class, x: c.x, series: c.series.map((s) => ({ loss: s.loss, values: s.values.map(toJsonNumber) })) }));
}

/** φ for display, rounded to 0.001 spacing units (-0 becomes 0). */
function round3(v: number): number {
  return Math.round(v * 1000) / 1000 + 0;
}

/**
 * A plane sampled onto a grid of at most `maxSide` cells per side: φ at the grid points, per cell
 * the majority kind among the cell's errors, the contours of the sampled masks in full-resolution
 * coordinates. Counts and the Hausdorff point stay the full-resolution ones.
 */
export function presentOverlay(s: OverlaySlice, maxSide = OVERLAY_MAX_SIDE): OverlayData {
  const { height, width } = s;
  const side = Math.max(1, Math.floor(maxSide));
  const stride = Math.max(1, Math.ceil(Math.max(height, width) / side));
  const rows = Math.ceil(height / stride);
  const cols = Math.ceil(width / stride);
  const at = (y: number, x: number) => y * width + x;

  let sdf: number[][] | null = null;
  if (s.phi) {
    sdf = new Array(rows);
    for (let i = 0; i < rows; i++) {
      const row = new Array<number>(cols);
      for (let j = 0; j < cols; j++) row[j] = round3(s.phi[at(i * stride, j * stride)]);
      sdf[i] = row;
    }
  }

  const cellFp = new Int32Array(rows * cols);
  const cellFn = new Int32Array(rows * cols);
  for (let y = 0; y < height; y++) {
    const ci = Math.floor(y / stride) * cols;
    for (let x = 0; x < width; x++) {
      const k = at(y, x);
      if (s.ignored[k]) continue;
      if (s.pred[k] && !s.gt[k]) cellFp[ci + Math.floor(x / stride)]++;
      else if (s.gt[k] && !s.pred[k]) cellFn[ci + Math.floor(x / stride)]++;
    }
  }
  const errors: (1 | 2 | null)[][] = new Array(rows);
  for (let i = 0; i < rows; i++) {
    const row = new Array<1 | 2 | null>(cols);
    for (let j = 0; j < cols; j++) {
      const a = cellFp[i * cols + j];
      const b = cellFn[i * cols + j];
      row[j] = a === 0 && b === 0 ? null : a >= b ? 1 : 2;
    }
    errors[i] = row;
  }

  const sample = (mask: Uint8Array) => {
    const m = new Uint8Array(rows * cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m[i * cols + j] = mask[at(i * stride, j * stride)];
    return m;
  };

  const out: OverlayData = {
    class: s.class,
    classes: s.classes,
    shape: s.shape,
    height,
    width,
    spacing: s.spacing,
    grid: { rows, cols, stride },
    sdf,
    sdfRange: [round3(s.phiRange[0]), round3(s.phiRange[1])],
    predContour: contours(sample(s.pred), rows, cols, stride),
    gtContour: contours(sample(s.gt), rows, cols, stride),
    errors,
    fpCount: s.fpCount,
    fnCount: s.fnCount,
    worst: s.worst,
  };
  if (s.slice) out.slice = { ...s.slice, counts: [s.shape[0], s.shape[1], s.shape[2]] };
  return out;
}
