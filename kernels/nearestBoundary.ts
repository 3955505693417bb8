/**
 * Exact nearest-pixel distances between two sparse masks (two boundaries, say) without a
 * whole-array distance transform: a static k-d tree over the nonzero pixels of one mask, queried
 * at the nonzero pixels of the other. Arrays are C order over `shape`; `spacing[k]` is the
 * physical size along axis k.
 *
 * Handwritten: no maintained npm k-d tree does exact n-D nearest neighbour on typed arrays.
 *
 * The tree is implicit and balanced, in typed arrays: node 0 holds all m points; node `id`, holding
 * the range [lo, hi) of the points in tree order, has children 2·id + 1 over [lo, mid) and
 * 2·id + 2 over [mid, hi), mid = (lo + hi) >> 1, the points having been split there by a
 * quickselect along one axis (the median). Ranges of at most LEAF points are leaves; every point
 * lives in a leaf. Each node keeps the tight bounding box of its points, and a query visits the
 * nearer child first and prunes a child when the squared distance from the query to its box is
 * ≥ the best found so far. A box bound is the split-plane bounds of all the node's ancestors at
 * once, clipped to where its points are: on the 3D boundary benchmark it brought the point
 * evaluations per query from ~190 (plane test alone) down to ~20, plus ~60 box evaluations.
 *
 * Squared distances are evaluated exactly as `squaredDistanceToFeatures` (distance.ts) builds
 * them: the last (contiguous) axis contributes (Δ·s)², then each other axis a, from the second
 * last down to the first, is added as s_a²·Δ·Δ + (sum so far). The result is the minimum of that
 * expression over the targets, bit for bit, which is the EDT's read-out bit for bit except where
 * the EDT's lower envelope settles one rounding step above it (a few pixels in a thousand in 3D
 * with anisotropic spacing, 2e-16 relative; never below). Summing Σ (Δ·s)² instead would differ
 * from the EDT in the last bit far more often. Every term is ≥ 0 and rounding is monotone, so a
 * box distance, made the same way from per-axis gaps that are ≤ the point's own, never exceeds
 * the distance to any point in the box: the pruning is exact, ties included.
 */

/** Ranges of at most this many points are leaves, scanned linearly. */
const LEAF = 6;
/** Stack entries: one per tree level at most, and the depth is < 32 for any m < 2³¹. */
const STACK = 64;

/** For every nonzero pixel of `from` (in C order), the exact Euclidean distance (with spacing) to the nearest nonzero pixel of `to`; Infinity for all if `to` has none. */
export function distancesToNearest(from: Uint8Array, to: Uint8Array, shape: number[], spacing: number[]): Float64Array {
  const size = from.length;
  if (to.length !== size) throw new Error(`distancesToNearest: masks of ${size} and ${to.length} pixels`);
  const nd = shape.length;
  if (nd < 1) throw new Error('distancesToNearest: needs at least one axis');
  const queries = nonzeroIndices(from);
  const out = new Float64Array(queries.length);
  if (queries.length === 0) return out;
  const tree = buildTree(nonzeroIndices(to), shape, spacing);
  const m = tree.coords.length / nd;
  if (m === 0) return out.fill(Infinity);

  const L = nd - 1;
  const sL = spacing[L];
  const s2 = new Float64Array(nd);
  for (let a = 0; a < nd; a++) s2[a] = spacing[a] * spacing[a];

  const c = tree.coords;
  const box = tree.box;
  const bs = 2 * nd; // box stride: lo[0..nd), hi[0..nd)

  const stId = new Int32Array(STACK);
  const stLo = new Int32Array(STACK);
  const stHi = new Int32Array(STACK);
  const stBound = new Float64Array(STACK);
  const q = new Int32Array(nd);
  let prev = 0; // tree position of the previous answer: its distance seeds the next query's bound
  const near = nearOffsets(shape, spacing);
  const nearCount = near.flat.length;

  for (let k = 0; k < queries.length; k++) {
    const i = queries[k];
    if (to[i] !== 0) continue; // out[k] is already 0
    let r = i;
    let interior = true;
    for (let a = L; a >= 0; a--) {
      const n = shape[a];
      const x = r % n;
      q[a] = x;
      r = (r - x) / n;
      if (x < near.reach[a] || x >= n - near.reach[a]) interior = false;
    }
    // Most boundaries lie close to each other: the nearest `to` pixel within a small radius, found
    // by looking at the offsets in order of distance, is the answer (anything farther is outside it).
    let hit = -1;
    for (let o = 0; o < nearCount; o++) {
      if (!interior && !offsetInside(q, near.delta, o * nd, shape)) continue;
      if (to[i + near.flat[o]] !== 0) { hit = o; break; }
    }
    if (hit >= 0) {
      out[k] = Math.sqrt(near.d2[hit]);
      continue;
    }
    // Query points come in scan order: the previous answer is usually close, an upper bound
    // that prunes most of the tree from the start.
    let bestPos = prev;
    let best = pointDistance(q, c, prev * nd, L, sL, s2);
    stId[0] = 0;
    stLo[0] = 0;
    stHi[0] = m;
    stBound[0] = 0;
    let sp = 1;
    while (sp > 0) {
      sp--;
      if (stBound[sp] >= best) continue;
      let id = stId[sp];
      let lo = stLo[sp];
      let hi = stHi[sp];
      while (hi - lo > LEAF) {
        const mid = (lo + hi) >> 1;
        const left = 2 * id + 1;
        const dl = boxDistance(q, box, left * bs, nd, L, sL, s2);
        const dr = boxDistance(q, box, (left + 1) * bs, nd, L, sL, s2);
        // the nearer child first, the other kept for later unless it is already out of reach
        if (dl <= dr) {
          if (dr < best) {
            stId[sp] = left + 1;
            stLo[sp] = mid;
            stHi[sp] = hi;
            stBound[sp] = dr;
            sp++;
          }
          id = left;
          hi = mid;
          if (dl >= best) lo = hi;
        } else {
          if (dl < best) {
            stId[sp] = left;
            stLo[sp] = lo;
            stHi[sp] = mid;
            stBound[sp] = dl;
            sp++;
          }
          id = left + 1;
          lo = mid;
          if (dr >= best) hi = lo;
        }
      }
      for (let j = lo; j < hi; j++) {
        const d = pointDistance(q, c, j * nd, L, sL, s2);
        if (d < best) {
          best = d;
          bestPos = j;
        }
      }
    }
    prev = bestPos;
    out[k] = Math.sqrt(best);
  }
  return out;
}

/**
 * The integer offsets within one largest voxel spacing of the origin (at least one voxel along
 * every axis), nearest first, with their flat-index deltas and squared distances (evaluated like
 * pointDistance), and how far they reach along each axis.
 */
function nearOffsets(shape: number[], spacing: number[]): { flat: Int32Array; delta: Int32Array; d2: Float64Array; reach: Int32Array } {
  const nd = shape.length;
  const L = nd - 1;
  const radius = Math.max(...spacing);
  const radius2 = radius * radius;
  const reach = Int32Array.from(spacing, (s, a) => Math.min(shape[a] - 1, Math.ceil(radius / s)));
  const strides = new Int32Array(nd);
  strides[L] = 1;
  for (let a = L - 1; a >= 0; a--) strides[a] = strides[a + 1] * shape[a + 1];
  const found: { delta: number[]; d2: number }[] = [];
  const delta = Array.from(reach, (r) => -r);
  for (;;) {
    const e = delta[L] * spacing[L];
    let d2 = e * e;
    for (let a = L - 1; a >= 0; a--) d2 = spacing[a] * spacing[a] * delta[a] * delta[a] + d2;
    if (d2 > 0 && d2 <= radius2) found.push({ delta: delta.slice(), d2 });
    let a = L;
    for (; a >= 0; a--) {
      if (++delta[a] <= reach[a]) break;
      delta[a] = -reach[a];
    }
    if (a < 0) break;
  }
  found.sort((x, y) => x.d2 - y.d2);
  return {
    flat: Int32Array.from(found, (f) => f.delta.reduce((acc, d, a) => acc + d * strides[a], 0)),
    delta: Int32Array.from(found.flatMap((f) => f.delta)),
    d2: Float64Array.from(found, (f) => f.d2),
    reach,
  };
}

/** Whether q + delta[o .. o + nd) lies inside the array. */
function offsetInside(q: Int32Array, delta: Int32Array, o: number, shape: number[]): boolean {
  for (let a = 0; a < shape.length; a++) {
    const x = q[a] + delta[o + a];
    if (x < 0 || x >= shape[a]) return false;
  }
  return true;
}

/** Squared physical distance from `q` to the point at c[p .. p + L], in the EDT's order of evaluation. */
function pointDistance(q: Int32Array, c: Int32Array, p: number, L: number, sL: number, s2: Float64Array): number {
  // unrolled for 3D and 2D (the same operations in the same order as the loop)
  if (L === 2) {
    const e = (q[2] - c[p + 2]) * sL;
    const d1 = q[1] - c[p + 1];
    const d0 = q[0] - c[p];
    return s2[0] * d0 * d0 + (s2[1] * d1 * d1 + e * e);
  }
  if (L === 1) {
    const e = (q[1] - c[p + 1]) * sL;
    const d0 = q[0] - c[p];
    return s2[0] * d0 * d0 + e * e;
  }
  const e = (q[L] - c[p + L]) * sL;
  let acc = e * e;
  for (let a = L - 1; a >= 0; a--) {
    const d = q[a] - c[p + a];
    acc = s2[a] * d * d + acc;
  }
  return acc;
}

/** Squared physical distance from `q` to the box lo = box[b .. b + nd), hi = box[b + nd .. b + 2nd), evaluated like pointDistance. */
function boxDistance(
  q: Int32Array, box: Int32Array, b: number, nd: number, L: number, sL: number, s2: Float64Array,
): number {
  if (L === 2) {
    const v2 = q[2];
    const v1 = q[1];
    const v0 = q[0];
    const e = gap(v2, box[b + 2], box[b + 5]) * sL;
    const d1 = gap(v1, box[b + 1], box[b + 4]);
    const d0 = gap(v0, box[b], box[b + 3]);
    return s2[0] * d0 * d0 + (s2[1] * d1 * d1 + e * e);
  }
  if (L === 1) {
    const e = gap(q[1], box[b + 1], box[b + 3]) * sL;
    const d0 = gap(q[0], box[b], box[b + 2]);
    return s2[0] * d0 * d0 + e * e;
  }
  let v = q[L];
  let lo = box[b + L];
  let hi = box[b + nd + L];
  const e = gap(v, lo, hi) * sL;
  let acc = e * e;
  for (let a = L - 1; a >= 0; a--) {
    v = q[a];
    lo = box[b + a];
    hi = box[b + nd + a];
    const d = gap(v, lo, hi);
    acc = s2[a] * d * d + acc;
  }
  return acc;
}

/** How far v lies outside [lo, hi]. */
function gap(v: number, lo: number, hi: number): number {
  return v < lo ? lo - v : v > hi ? v - hi : 0;
}

/**
 * Flat indices of the nonzero pixels, increasing. Zero runs are skipped four bytes at a time:
 * the masks here are mostly zero.
 */
function nonzeroIndices(mask: Uint8Array): Float64Array {
  const size = mask.length;
  const head = Math.min(size, (4 - (mask.byteOffset & 3)) & 3);
  const words = new Uint32Array(mask.buffer, mask.byteOffset + head, (size - head) >> 2);
  const tail = head + 4 * words.length;
  let n = 0;
  for (let i = 0; i < head; i++) if (mask[i] !== 0) n++;
  for (let w = 0; w < words.length; w++) {
    if (words[w] === 0) continue;
    const i = head + 4 * w;
    if (mask[i] !== 0) n++;
    if (mask[i + 1] !== 0) n++;
    if (mask[i + 2] !== 0) n++;
    if (mask[i + 3] !== 0) n++;
  }
  for (let i = tail; i < size; i++) if (mask[i] !== 0) n++;
  const out = new Float64Array(n);
  n = 0;
  for (let i = 0; i < head; i++) if (mask[i] !== 0) out[n++] = i;
  for (let w = 0; w < words.length; w++) {
    if (words[w] === 0) continue;
    const i = head + 4 * w;
    if (mask[i] !== 0) out[n++] = i;
    if (mask[i + 1] !== 0) out[n++] = i + 1;
    if (mask[i + 2] !== 0) out[n++] = i + 2;
    if (mask[i + 3] !== 0) out[n++] = i + 3;
  }
  for (let i = tail; i < size; i++) if (mask[i] !== 0) out[n++] = i;
  return out;
}

interface KdTree {
  /** Index coordinates of the points in tree order, nd per point. */
  coords: Int32Array;
  /** Per node (heap numbered), the tight box of its points: lo[0..nd) then hi[0..nd). */
  box: Int32Array;
}

/**
 * The implicit tree over the pixels at the flat indices `points` (see the header comment). Top
 * down, each range is split at the median along the widest physical extent of its cell (the root's
 * bounding box, narrowed at each split above to the extreme coordinates on either side: tight
 * along every axis split so far, and no pass over the range needed); the tight boxes are then
 * gathered bottom up, leaves first. Only the boxes decide what a query prunes, so the choice of
 * axis affects speed, never results.
 */
function buildTree(points: Float64Array, shape: number[], spacing: number[]): KdTree {
  const nd = shape.length;
  const m = points.length;
  const bs = 2 * nd;
  if (m === 0) return { coords: new Int32Array(0), box: new Int32Array(0) };
  // the points' coordinates in C order, and the root cell: their bounding box
  const pc = new Int32Array(m * nd);
  const cell = new Int32Array(bs);
  for (let a = 0; a < nd; a++) {
    cell[a] = 0x7fffffff;
    cell[nd + a] = -1;
  }
  for (let j = 0; j < m; j++) {
    let r = points[j];
    for (let a = nd - 1; a >= 0; a--) {
      const n = shape[a];
      const x = r % n;
      pc[j * nd + a] = x;
      r = (r - x) / n;
      if (x < cell[a]) cell[a] = x;
      if (x > cell[nd + a]) cell[nd + a] = x;
    }
  }
  // Range sizes at depth d are at most ceil(m / 2^d), so every node has id < 2·cap − 1.
  let cap = 1;
  while (Math.ceil(m / cap) > LEAF) cap *= 2;
  const nodes = 2 * cap - 1;
  const box = new Int32Array(nodes * bs);
  const internal = new Uint8Array(nodes);
  const perm = new Int32Array(m);
  for (let j = 0; j < m; j++) perm[j] = j;
  const key = new Int32Array(m);

  const stId = new Int32Array(2 * STACK);
  const stLo = new Int32Array(2 * STACK);
  const stHi = new Int32Array(2 * STACK);
  const stCell = new Int32Array(2 * STACK * bs);
  stId[0] = 0;
  stLo[0] = 0;
  stHi[0] = m;
  stCell.set(cell, 0);
  let sp = 1;
  while (sp > 0) {
    sp--;
    const id = stId[sp];
    const lo = stLo[sp];
    const hi = stHi[sp];
    const b = id * bs;
    if (hi - lo <= LEAF) {
      for (let a = 0; a < nd; a++) {
        box[b + a] = 0x7fffffff;
        box[b + nd + a] = -1;
      }
      for (let j = lo; j < hi; j++) {
        const p = perm[j] * nd;
        for (let a = 0; a < nd; a++) {
          const v = pc[p + a];
          if (v < box[b + a]) box[b + a] = v;
          if (v > box[b + nd + a]) box[b + nd + a] = v;
        }
      }
      continue;
    }
    for (let t = 0; t < bs; t++) cell[t] = stCell[sp * bs + t];
    let axis = 0;
    let widest = -1;
    for (let a = 0; a < nd; a++) {
      const extent = (cell[nd + a] - cell[a]) * spacing[a];
      if (extent > widest) {
        widest = extent;
        axis = a;
      }
    }
    for (let j = lo; j < hi; j++) key[j] = pc[perm[j] * nd + axis];
    const mid = (lo + hi) >> 1;
    select(key, perm, lo, hi - 1, mid);
    internal[id] = 1;
    let leftMax = key[lo];
    for (let j = lo + 1; j < mid; j++) if (key[j] > leftMax) leftMax = key[j];
    // children: the right one's cell starts at the split value, the left one's ends at its largest
    stId[sp] = 2 * id + 2;
    stLo[sp] = mid;
    stHi[sp] = hi;
    stCell.set(cell, sp * bs);
    stCell[sp * bs + axis] = key[mid];
    sp++;
    stId[sp] = 2 * id + 1;
    stLo[sp] = lo;
    stHi[sp] = mid;
    stCell.set(cell, sp * bs);
    stCell[sp * bs + nd + axis] = leftMax;
    sp++;
  }
  // children have larger ids than their parent: one descending pass merges boxes bottom up
  for (let id = nodes - 1; id >= 0; id--) {
    if (internal[id] === 0) continue;
    const b = id * bs;
    const l = (2 * id + 1) * bs;
    const r = l + bs;
    for (let a = 0; a < nd; a++) {
      box[b + a] = Math.min(box[l + a], box[r + a]);
      box[b + nd + a] = Math.max(box[l + nd + a], box[r + nd + a]);
    }
  }
  const coords = new Int32Array(m * nd);
  for (let j = 0; j < m; j++) {
    const src = perm[j] * nd;
    const dst = j * nd;
    for (let a = 0; a < nd; a++) coords[dst + a] = pc[src + a];
  }
  return { coords, box };
}

/**
 * Quickselect (Hoare partition, median of three) on key[l..r], permuting `perm` alongside:
 * afterwards key[l..k) ≤ key[k] ≤ key(k..r]. Equal keys stop both scans, so long runs of ties
 * (grids are full of them) still split near the middle.
 */
function select(key: Int32Array, perm: Int32Array, l: number, r: number, k: number): void {
  while (r > l) {
    const m = (l + r) >> 1;
    if (key[m] < key[l]) swap(key, perm, l, m);
    if (key[r] < key[l]) swap(key, perm, l, r);
    if (key[r] < key[m]) swap(key, perm, m, r);
    const pivot = key[m];
    let i = l;
    let j = r;
    while (i <= j) {
      while (key[i] < pivot) i++;
      while (key[j] > pivot) j--;
      if (i <= j) {
        swap(key, perm, i, j);
        i++;
        j--;
      }
    }
    // now key[l..j] ≤ pivot ≤ key[i..r], and whatever lies strictly between equals the pivot
    if (k <= j) r = j;
    else if (k >= i) l = i;
    else return;
  }
}

function swap(key: Int32Array, perm: Int32Array, i: number, j: number): void {
  const t = key[i];
  key[i] = key[j];
  key[j] = t;
  const u = perm[i];
  perm[i] = perm[j];
  perm[j] = u;
}
