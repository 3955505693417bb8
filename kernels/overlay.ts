/**
 * The boundary-distance overlay of one class in one plane, exact and at full resolution, computed
 * from a PreparedPair: the ground truth's signed distance map φ (the boundary loss's map), the
 * prediction's and ground truth's contours, false positives / negatives, and the boundary point that
 * realises the Hausdorff distance. Pure computation: no DOM, fs or vscode. The engine's presenter
 * (engine/present.ts) samples it onto a display grid for the views.
 *
 * Volumes: φ and the Hausdorff point are computed once per class on the whole array (3D distances
 * with the voxel spacing) and cached by {@link OverlayComputer}; each slice request only samples.
 * Hard masks are the engine's (ClassPlanes: argmax / p > 0.5 / labels, ignored pixels off), and
 * distances the lead's exact EDT (kernels/distance.ts), so the overlay agrees with the losses.
 */
import { ClassPlanes } from './classPlanes.js';
import { boundaryOf, stridesOf, unravel } from './distance.js';
import { distancesToNearest } from './nearestBoundary.js';
import { squaredDistanceToOtherSide } from './otherSideDistance.js';
import type { Polyline, PreparedPair, SliceAxis, WorstPoint } from './types.js';

export interface OverlayRequest {
  /** the class to show; default: the first foreground class present in the ground truth */
  class?: number;
  /** 3D: the slice axis (default 0) and index (default: the middle of the ground truth's extent along the axis) */
  axis?: SliceAxis;
  index?: number;
}

/** One class of a pair in one plane (a 2D image, or a slice of a volume), at full resolution. */
export interface OverlaySlice {
  class: number;
  /** the foreground classes an overlay can show */
  classes: number[];
  /** the whole array's spatial shape */
  shape: number[];
  /** 3D: the plane shown */
  slice?: { axis: SliceAxis; index: number };
  /** the plane's rows and columns, and their array axes */
  height: number;
  width: number;
  axes: [number, number];
  /** [row spacing, column spacing] */
  spacing: [number, number];
  /** φ of the class in the plane, row-major, or null when the ground truth is empty or fills the array */
  phi: Float64Array | null;
  /** min and max of φ over the whole array; [0, 0] when φ is null */
  phiRange: [number, number];
  /** the hard masks of the class in the plane, and the ignored pixels */
  pred: Uint8Array;
  gt: Uint8Array;
  ignored: Uint8Array;
  fpCount: number;
  fnCount: number;
  worst: WorstPoint | null;
}

interface ClassFields {
  pred: Uint8Array;
  gt: Uint8Array;
  /** φ over the whole array, or null when G is empty or full */
  phi: Float64Array | null;
  phiRange: [number, number];
  worst: Omit<WorstPoint, 'inSlice'> | null;
}

/** The foreground classes an overlay can show: 1 for binary pairs, 1..C-1 otherwise. */
export function overlayClasses(pair: PreparedPair): number[] {
  return Array.from({ length: pair.classes - 1 }, (_, k) => k + 1);
}

/** Computes overlays of one pair, caching the per-class whole-array fields between requests. */
export class OverlayComputer {
  private readonly planes: ClassPlanes;
  private readonly cache = new Map<number, ClassFields>();

  constructor(private readonly pair: PreparedPair) {
    if (pair.shape.length !== 2 && pair.shape.length !== 3) throw new Error(`overlay: expected 2 or 3 axes, got [${pair.shape.join(', ')}]`);
    this.planes = new ClassPlanes(pair);
  }

  /** The default class: the first foreground class present in the ground truth, else in the prediction, else 1. */
  defaultClass(): number {
    const classes = overlayClasses(this.pair);
    const t = this.pair.target;
    const inGt = new Set<number>();
    for (let i = 0; i < t.length; i++) if (t[i] > 0) inGt.add(t[i]);
    const first = classes.find((c) => inGt.has(c));
    if (first !== undefined) return first;
    for (const c of classes) if (this.fields(c).pred.some((v) => v !== 0)) return c;
    return classes[0] ?? 1;
  }

  slice(request: OverlayRequest = {}): OverlaySlice {
    const pair = this.pair;
    const classes = overlayClasses(pair);
    const c = request.class ?? this.defaultClass();
    if (!classes.includes(c)) throw new Error(`overlay: class ${c} is not a foreground class (1..${pair.classes - 1})`);
    const f = this.fields(c);
    const dims = pair.shape.length;

    // The plane: rows along axis `ra`, columns along axis `ca`, fixed `axis` = `index` in 3D.
    let axis: SliceAxis = 0;
    let index = 0;
    let ra = 0;
    let ca = 1;
    if (dims === 3) {
      axis = request.axis ?? 0;
      if (axis !== 0 && axis !== 1 && axis !== 2) throw new Error(`overlay: bad axis ${String(axis)}`);
      const n = pair.shape[axis];
      index = request.index ?? defaultIndex(f, pair.shape, axis);
      if (!Number.isInteger(index) || index < 0 || index >= n) throw new Error(`overlay: slice ${index} out of range 0..${n - 1} on axis ${axis}`);
      [ra, ca] = [0, 1, 2].filter((a) => a !== axis);
    }
    const strides = stridesOf(pair.shape);
    const height = pair.shape[ra];
    const width = pair.shape[ca];
    const base = dims === 3 ? index * strides[axis] : 0;
    const rs = strides[ra];
    const cs = strides[ca];

    const plane = height * width;
    const phi = f.phi ? new Float64Array(plane) : null;
    const pred = new Uint8Array(plane);
    const gt = new Uint8Array(plane);
    const ignored = new Uint8Array(plane);
    const target = pair.target;
    let fpCount = 0;
    let fnCount = 0;
    for (let y = 0, o = 0; y < height; y++) {
      for (let x = 0; x < width; x++, o++) {
        const k = base + y * rs + x * cs;
        if (phi) phi[o] = f.phi![k];
        pred[o] = f.pred[k];
        gt[o] = f.gt[k];
        if (target[k] < 0) {
          ignored[o] = 1;
          continue;
        }
        if (f.pred[k] && !f.gt[k]) fpCount++;
        else if (f.gt[k] && !f.pred[k]) fnCount++;
      }
    }
    return {
      class: c,
      classes,
      shape: pair.shape.slice(),
      ...(dims === 3 ? { slice: { axis, index } } : {}),
      height,
      width,
      axes: [ra, ca],
      spacing: [pair.spacing[ra], pair.spacing[ca]],
      phi,
      phiRange: f.phi ? f.phiRange : [0, 0],
      pred,
      gt,
      ignored,
      fpCount,
      fnCount,
      worst: f.worst ? { ...f.worst, inSlice: dims === 2 || f.worst.at[axis] === index } : null,
    };
  }

  /** The whole-array fields of class c (cached). */
  fields(c: number): ClassFields {
    const hit = this.cache.get(c);
    if (hit) return hit;
    const { size, shape, spacing } = this.pair;
    const pred = this.planes.hardMask(c, new Uint8Array(size));
    const gt = this.planes.targetMask(c, new Uint8Array(size));
    let gtCount = 0;
    for (let i = 0; i < size; i++) gtCount += gt[i];

    let phi: Float64Array | null = null;
    let lo = 0;
    let hi = 0;
    if (gtCount > 0 && gtCount < size) {
      // φ = edt(¬G)·¬G − (edt(G) − 1)·G (docs/spec/losses.md, boundary), from the field the loss itself uses
      phi = squaredDistanceToOtherSide(gt, shape, spacing);
      lo = Infinity;
      hi = -Infinity;
      for (let i = 0; i < size; i++) {
        const d = Math.sqrt(phi[i]);
        const v = gt[i] ? 1 - d : d;
        phi[i] = v;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    const fields: ClassFields = { pred, gt, phi, phiRange: [lo, hi], worst: worstPoint(pred, gt, shape, spacing) };
    this.cache.set(c, fields);
    return fields;
  }
}

/**
 * The default slice along `axis`: the middle of the ground truth's extent (else the prediction's,
 * else the middle of the axis), where the structure is usually largest. The Hausdorff point's own
 * slice is `worst.at[axis]` (the panel offers a button to go there).
 */
function defaultIndex(f: ClassFields, shape: number[], axis: number): number {
  const strides = stridesOf(shape);
  for (const mask of [f.gt, f.pred]) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < mask.length; i++) {
      if (!mask[i]) continue;
      const k = Math.floor(i / strides[axis]) % shape[axis];
      if (k < lo) lo = k;
      if (k > hi) hi = k;
    }
    if (hi >= lo) return Math.floor((lo + hi) / 2);
  }
  return Math.floor(shape[axis] / 2);
}

/**
 * The boundary point farthest from the other boundary (either direction), its nearest point on the
 * other boundary and the distance: d(a, ∂B) = edt(¬∂B) at a, as the Hausdorff distance defines it.
 * Ties go to the prediction's boundary, then to the lowest flat index. Null if a boundary is empty.
 */
export function worstPoint(
  pred: Uint8Array, gt: Uint8Array, shape: number[], spacing: number[],
): Omit<WorstPoint, 'inSlice'> | null {
  const bA = boundaryOf(pred, shape);
  const bB = boundaryOf(gt, shape);
  const anyA = bA.some((v) => v !== 0);
  const anyB = bB.some((v) => v !== 0);
  if (!anyA || !anyB) return null;
  // the Hausdorff distance's own directed distances (losses/distanceLosses.ts), in scan order
  const toB = distancesToNearest(bA, bB, shape, spacing);
  const toA = distancesToNearest(bB, bA, shape, spacing);
  let best = -1;
  let bestD = -1;
  let on: WorstPoint['on'] = 'prediction';
  for (let i = 0, k = 0; i < bA.length; i++) {
    if (!bA[i]) continue;
    if (toB[k] > bestD) { bestD = toB[k]; best = i; }
    k++;
  }
  for (let i = 0, k = 0; i < bB.length; i++) {
    if (!bB[i]) continue;
    if (toA[k] > bestD) {
      bestD = toA[k];
      best = i;
      on = 'groundTruth';
    }
    k++;
  }
  const at = unravel(best, shape);
  const other = on === 'prediction' ? bB : bA;
  // The nearest point of the other boundary, by brute force over it (one point, linear time).
  let nearest = -1;
  let nearestD2 = Infinity;
  const p = new Array<number>(shape.length);
  for (let i = 0; i < other.length; i++) {
    if (!other[i]) continue;
    let r = i;
    let d2 = 0;
    for (let a = shape.length - 1; a >= 0; a--) {
      p[a] = r % shape[a];
      r = Math.floor(r / shape[a]);
      const d = (p[a] - at[a]) * spacing[a];
      d2 += d * d;
    }
    if (d2 < nearestD2) {
      nearestD2 = d2;
      nearest = i;
    }
  }
  return { at, nearest: unravel(nearest, shape), distance: bestD, on };
}

/**
 * Marching squares on a 0/1 grid (rows × cols, outside = 0), contour at 0.5 between pixel centres,
 * joined into polylines (closed ones repeat their first point). Saddles separate diagonal pixels
 * (face connectivity, as the boundaries). Coordinates are [x, y] in grid units × `scale`.
 */
export function contours(mask: Uint8Array, rows: number, cols: number, scale = 1): Polyline[] {
  const v = (i: number, j: number) => (i >= 0 && j >= 0 && i < rows && j < cols ? mask[i * cols + j] : 0);
  // Points on cell edges as doubled integer coordinates (2x, 2y), x, y ∈ [-1, cols] / [-1, rows].
  const W = 2 * cols + 4;
  const key = (x2: number, y2: number) => (y2 + 2) * W + (x2 + 2);
  const adjacency = new Map<number, number[]>();
  const link = (a: number, b: number) => {
    const la = adjacency.get(a);
    if (la) la.push(b);
    else adjacency.set(a, [b]);
    const lb = adjacency.get(b);
    if (lb) lb.push(a);
    else adjacency.set(b, [a]);
  };
  for (let i = -1; i < rows; i++) {
    for (let j = -1; j < cols; j++) {
      const tl = v(i, j);
      const tr = v(i, j + 1);
      const br = v(i + 1, j + 1);
      const bl = v(i + 1, j);
      const code = (tl << 3) | (tr << 2) | (br << 1) | bl;
      if (code === 0 || code === 15) continue;
      // edge midpoints (doubled): top, right, bottom, left
      const top = key(2 * j + 1, 2 * i);
      const right = key(2 * j + 2, 2 * i + 1);
      const bottom = key(2 * j + 1, 2 * i + 2);
      const left = key(2 * j, 2 * i + 1);
      switch (code) {
        case 1: case 14: link(left, bottom); break;
        case 2: case 13: link(bottom, right); break;
        case 3: case 12: link(left, right); break;
        case 4: case 11: link(top, right); break;
        case 6: case 9: link(top, bottom); break;
        case 7: case 8: link(left, top); break;
        case 5: link(top, right); link(left, bottom); break; // tr, bl on: cut each corner off
        case 10: link(left, top); link(bottom, right); break; // tl, br on: cut each corner off
      }
    }
  }
  const toPoint = (k: number): [number, number] => {
    const x2 = (k % W) - 2;
    const y2 = Math.floor(k / W) - 2;
    return [(x2 / 2) * scale, (y2 / 2) * scale];
  };
  const lines: Polyline[] = [];
  const visitedEdge = new Set<string>();
  const edgeKey = (a: number, b: number) => (a < b ? `${a},${b}` : `${b},${a}`);
  // Every point has degree 2 on a padded grid (closed curves); walk each unvisited cycle.
  for (const [start, neighbours] of adjacency) {
    for (const first of neighbours) {
      if (visitedEdge.has(edgeKey(start, first))) continue;
      const line: Polyline = [toPoint(start)];
      let prev = start;
      let cur = first;
      visitedEdge.add(edgeKey(prev, cur));
      while (true) {
        line.push(toPoint(cur));
        if (cur === start) break;
        const next = (adjacency.get(cur) ?? []).find((n) => n !== prev && !visitedEdge.has(edgeKey(cur, n)))
          ?? (adjacency.get(cur) ?? []).find((n) => !visitedEdge.has(edgeKey(cur, n)));
        if (next === undefined) break;
        visitedEdge.add(edgeKey(cur, next));
        prev = cur;
        cur = next;
      }
      lines.push(line);
    }
  }
  return lines;
}
