import type { ClassPlanes } from '../classPlanes.js';
import { forEachRowInBox } from '../classBoxes.js';
import { boundaryOf, type Box } from '../distance.js';
import { distanceField, squaredDistanceToOtherSide } from '../otherSideDistance.js';
import { distancesToNearest } from '../nearestBoundary.js';
import { sortNonNegativeFloat64 } from '../radixSort.js';
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
 * The distance-based terms of one foreground class. `box` is the class's bounding box in the hard
 * prediction ∪ target, grown by one pixel (classBoxes): its rim is background, so boundaries and
 * distances computed inside it are exact. Hard masks and, for a label-map prediction, every term
 * live in the box; a soft prediction's boundary and DT terms need the whole array.
 */
export function classDistanceTerms(
  pair: PreparedPair, planes: ClassPlanes, c: number, want: DistanceRequest, validCount: number, box: Box | null,
  buffers: SoftPlaneBuffers = new SoftPlaneBuffers(pair.target),
): ClassDistanceTerms {
  const { target, spacing } = pair;
  const hard = planes.hardLabels();
  const out: ClassDistanceTerms = {};
  let A: Uint8Array = new Uint8Array(0);
  let G: Uint8Array = new Uint8Array(0);
  let valid: Uint8Array = new Uint8Array(0);
  let boxShape: number[] = [];
  if (box) {
    boxShape = box.hi.map((h, k) => h - box.lo[k]);
    const size = boxShape.reduce((a, b) => a * b, 1);
    A = new Uint8Array(size);
    G = new Uint8Array(size);
    valid = new Uint8Array(size);
    forEachRowInBox(pair.shape, box, (i0, j0, length) => {
      for (let x = 0; x < length; x++) {
        const i = i0 + x;
        const j = j0 + x;
        A[j] = hard[i] === c ? 1 : 0;
        G[j] = target[i] === c ? 1 : 0;
        valid[j] = target[i] >= 0 ? 1 : 0;
      }
    });
  }
  if (want.surface) Object.assign(out, surfaceDistances(A, G, count(A), count(G), boxShape, spacing, want.nsdTolerance));
  if (!want.boundary && !want.hausdorffDt) return out;

  if (pair.pred.kind === 'labels') {
    if (!box) {
      if (want.boundary) out.boundary = 0;
      if (want.hausdorffDt) out.hausdorffDt = 0;
      return out;
    }
    // p = A is binary, the DT loss's M is A itself, and every term lives in the box
    return Object.assign(out, softTerms(A, G, A, valid, boxShape, spacing, want, validCount));
  }
  // a binary probability map is p_1 itself
  const pred = pair.pred;
  const p = pred.kind === 'binary' && !pred.logits && c === 1 ? pred.values : planes.probability(c, buffers.p);
  const N = pair.size;
  const Gfull = buffers.G;
  for (let i = 0; i < N; i++) Gfull[i] = target[i] === c ? 1 : 0;
  let M = Gfull;
  if (want.hausdorffDt) {
    M = buffers.M;
    // the DT loss's M = p_c > 0.5, background where ignored like every hard mask
    for (let i = 0; i < N; i++) M[i] = target[i] >= 0 && p[i] > 0.5 ? 1 : 0;
  }
  return Object.assign(out, softTerms(p, Gfull, M, buffers.valid, pair.shape, spacing, want, validCount, buffers));
}

/** Whole-array planes for a soft prediction's boundary and DT terms, each made on first use and reused from class to class. */
export class SoftPlaneBuffers {
  private made: { p?: Float64Array; G?: Uint8Array; M?: Uint8Array; valid?: Uint8Array; dG?: Float64Array; dM?: Float64Array } = {};
  constructor(private readonly target: Int32Array) {}
  get p() { return (this.made.p ??= new Float64Array(this.target.length)); }
  get G() { return (this.made.G ??= new Uint8Array(this.target.length)); }
  get M() { return (this.made.M ??= new Uint8Array(this.target.length)); }
  /** 1 where the target is not ignored */
  get valid() {
    if (!this.made.valid) {
      const valid = new Uint8Array(this.target.length);
      for (let i = 0; i < valid.length; i++) valid[i] = this.target[i] >= 0 ? 1 : 0;
      this.made.valid = valid;
    }
    return this.made.valid;
  }
  /** the distance fields to the other side of G and of M (distanceField: shared memory for two threads) */
  get dG() { return (this.made.dG ??= distanceField(this.target.length)); }
  get dM() { return (this.made.dM ??= distanceField(this.target.length)); }
}

/**
 * The boundary loss's Σ p·φ_G and the DT loss's Σ (p − g)²·(dt(M)² + dt(G)²) over the valid
 * pixels, each divided by `validCount`.
 */
function softTerms(
  p: ArrayLike<number>, G: Uint8Array, M: Uint8Array, valid: Uint8Array,
  shape: number[], spacing: number[], want: DistanceRequest, validCount: number,
  fields?: { readonly dG: Float64Array; readonly dM: Float64Array },
): ClassDistanceTerms {
  const n = G.length;
  const out: ClassDistanceTerms = {};
  const countG = count(G);
  // squared distance from each pixel to the other side of G (φ's magnitude, and dt(t) of the DT loss)
  const d2G = countG === 0 || countG === n ? null : squaredDistanceToOtherSide(G, shape, spacing, fields?.dG);
  let d2M: Float64Array | null = null;
  if (want.hausdorffDt) {
    const countM = count(M);
    d2M = countM === 0 || countM === n ? null : squaredDistanceToOtherSide(M, shape, spacing, fields?.dM);
  }
  let boundary = 0;
  let dt = 0;
  for (let i = 0; i < n; i++) {
    if (!valid[i]) continue;
    const g = G[i];
    const b2 = d2G ? d2G[i] : 0;
    if (want.boundary) boundary += p[i] * (g ? 1 - Math.sqrt(b2) : Math.sqrt(b2));
    if (want.hausdorffDt) {
      const diff = p[i] - g;
      if (diff !== 0) dt += diff * diff * ((d2M ? d2M[i] : 0) + b2);
    }
  }
  if (want.boundary) out.boundary = d2G ? boundary / validCount : 0;
  if (want.hausdorffDt) out.hausdorffDt = dt / validCount;
  return out;
}

function count(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i];
  return n;
}

/**
 * Hausdorff, HD95, ASSD and NSD of hard masks A (prediction) and B (target), given on a grid whose
 * rim is background or the array's own border (so boundaries are those of the whole array).
 */
function surfaceDistances(
  A: Uint8Array, B: Uint8Array, countA: number, countB: number, shape: number[], spacing: number[], tolerance: number,
): Required<Pick<ClassDistanceTerms, 'hausdorff' | 'hd95' | 'assd' | 'nsd'>> {
  if (countA === 0 && countB === 0) return { hausdorff: 0, hd95: 0, assd: 0, nsd: 1 };
  if (countA === 0 || countB === 0) return { hausdorff: Infinity, hd95: Infinity, assd: Infinity, nsd: 0 };
  const edgeA = boundaryOf(A, shape);
  const edgeB = boundaryOf(B, shape);
  const fromA = distancesToNearest(edgeA, edgeB, shape, spacing);
  const fromB = distancesToNearest(edgeB, edgeA, shape, spacing);
  let sum = 0;
  let within = 0;
  for (const d of [fromA, fromB]) {
    for (let i = 0; i < d.length; i++) {
      sum += d[i];
      if (d[i] <= tolerance) within++;
    }
  }
  const total = fromA.length + fromB.length;
  sortNonNegativeFloat64(fromA);
  sortNonNegativeFloat64(fromB);
  return {
    hausdorff: Math.max(fromA[fromA.length - 1], fromB[fromB.length - 1]),
    hd95: Math.max(percentile(fromA, 95), percentile(fromB, 95)),
    assd: sum / total,
    nsd: within / total,
  };
}

/** numpy.percentile's default linear interpolation on ascending values. */
export function percentile(sorted: Float64Array, q: number): number {
  const rank = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}
