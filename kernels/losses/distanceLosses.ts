import type { ClassPlanes } from '../classPlanes.js';
import { boundaryOf, boundingBox, cropTo, squaredDistanceToFeatures } from '../distance.js';
import type { PreparedPair } from '../types.js';

export interface ClassDistanceTerms {
  boundary?: number;
  hausdorffDt?: number;
  hausdorff?: number;
  hd95?: number;
  assd?: number;
  nsd?: number;
}

export interface DistanceRequest {
  boundary: boolean;
  hausdorffDt: boolean;
  surface: boolean;
  nsdTolerance: number;
}

/**
 * The distance-based terms of one foreground class. With a hard label-map prediction every term
 * lives inside the bounding box of prediction ∪ target, grown by one pixel so that the box's rim is
 * background and boundaries and distances inside it are exact; soft predictions use the whole array.
 */
/** `validCount` is the number of non-ignored pixels, the denominator of the boundary and DT means. */
export function classDistanceTerms(
  pair: PreparedPair, planes: ClassPlanes, c: number, want: DistanceRequest, validCount: number,
): ClassDistanceTerms {
  const { size: N, target, spacing } = pair;
  const A = planes.hardMask(c, new Uint8Array(N));
  const G = planes.targetMask(c, new Uint8Array(N));
  const countA = count(A);
  const countG = count(G);
  const out: ClassDistanceTerms = {};
  if (want.surface) Object.assign(out, surfaceDistances(A, G, countA, countG, pair.shape, spacing, want.nsdTolerance));
  if (!want.boundary && !want.hausdorffDt) return out;

  const soft = pair.pred.kind !== 'labels';
  const box = soft ? null : boundingBox([A, G], pair.shape, 1);
  if (!soft && !box) {
    if (want.boundary) out.boundary = 0;
    if (want.hausdorffDt) out.hausdorffDt = 0;
    return out;
  }
  let shape = pair.shape;
  let valid = Uint8Array.from(target, (t) => (t >= 0 ? 1 : 0));
  let p: Float64Array;
  let M: Uint8Array;
  let Gr = G;
  if (box) {
    shape = box.hi.map((h, a) => h - box.lo[a]);
    const u8 = (n: number) => new Uint8Array(n);
    valid = cropTo(valid, pair.shape, box, u8);
    Gr = cropTo(G, pair.shape, box, u8);
    M = cropTo(A, pair.shape, box, u8);
    p = Float64Array.from(M);
  } else {
    p = planes.probability(c, new Float64Array(N));
    M = planes.thresholdMask(c, new Uint8Array(N), new Float64Array(N));
  }
  const countM = box ? count(A) : count(M);

  // d(x) to the other side of G: distance to the nearest non-G pixel inside G, to the nearest G pixel outside.
  const gTrivial = countG === 0 || countG === N;
  const dG = gTrivial ? null : distanceToOtherSide(Gr, shape, spacing);
  if (want.boundary) {
    let s = 0;
    if (dG) for (let i = 0; i < p.length; i++) if (valid[i]) s += p[i] * (Gr[i] ? 1 - dG[i] : dG[i]);
    out.boundary = s / validCount;
  }
  if (want.hausdorffDt) {
    const dM = countM === 0 || countM === N ? null : distanceToOtherSide(M, shape, spacing);
    let s = 0;
    for (let i = 0; i < p.length; i++) {
      if (!valid[i]) continue;
      const diff = p[i] - Gr[i];
      if (diff === 0) continue;
      const a = dM ? dM[i] : 0;
      const b = dG ? dG[i] : 0;
      s += diff * diff * (a * a + b * b);
    }
    out.hausdorffDt = s / validCount;
  }
  return out;
}

function count(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i];
  return n;
}

/** edt(M) + edt(¬M): at each pixel the distance to the nearest pixel on the other side of M. */
function distanceToOtherSide(M: Uint8Array, shape: number[], spacing: number[]): Float64Array {
  const inside = squaredDistanceToFeatures((i) => M[i] === 0, shape, spacing);
  const outside = squaredDistanceToFeatures((i) => M[i] !== 0, shape, spacing);
  for (let i = 0; i < inside.length; i++) inside[i] = Math.sqrt(M[i] ? inside[i] : outside[i]);
  return inside;
}

/** Hausdorff, HD95, ASSD and NSD of hard masks A (prediction) and B (target). */
export function surfaceDistances(
  A: Uint8Array, B: Uint8Array, countA: number, countB: number, fullShape: number[], spacing: number[], tolerance: number,
): Required<Pick<ClassDistanceTerms, 'hausdorff' | 'hd95' | 'assd' | 'nsd'>> {
  if (countA === 0 && countB === 0) return { hausdorff: 0, hd95: 0, assd: 0, nsd: 1 };
  if (countA === 0 || countB === 0) return { hausdorff: Infinity, hd95: Infinity, assd: Infinity, nsd: 0 };
  const box = boundingBox([A, B], fullShape, 1)!;
  const shape = box.hi.map((h, a) => h - box.lo[a]);
  const u8 = (n: number) => new Uint8Array(n);
  const edgeA = boundaryOf(cropTo(A, fullShape, box, u8), shape);
  const edgeB = boundaryOf(cropTo(B, fullShape, box, u8), shape);
  const fromA = directedDistances(edgeA, edgeB, shape, spacing);
  const fromB = directedDistances(edgeB, edgeA, shape, spacing);
  let sum = 0;
  let within = 0;
  for (const d of [fromA, fromB]) {
    for (let i = 0; i < d.length; i++) {
      sum += d[i];
      if (d[i] <= tolerance) within++;
    }
  }
  const total = fromA.length + fromB.length;
  fromA.sort();
  fromB.sort();
  return {
    hausdorff: Math.max(fromA[fromA.length - 1], fromB[fromB.length - 1]),
    hd95: Math.max(percentile(fromA, 95), percentile(fromB, 95)),
    assd: sum / total,
    nsd: within / total,
  };
}

/** d(a, ∂B) for every a ∈ ∂A. */
function directedDistances(edgeA: Uint8Array, edgeB: Uint8Array, shape: number[], spacing: number[]): Float64Array {
  const d2 = squaredDistanceToFeatures((i) => edgeB[i] !== 0, shape, spacing);
  const out = new Float64Array(count(edgeA));
  let k = 0;
  for (let i = 0; i < edgeA.length; i++) if (edgeA[i]) out[k++] = Math.sqrt(d2[i]);
  return out;
}

/** numpy.percentile's default linear interpolation on ascending values. */
export function percentile(sorted: Float64Array, q: number): number {
  const rank = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}
