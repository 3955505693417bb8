import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rng } from '../fixtures/random.js';
import fc from 'fast-check';
import { boundaryOf, squaredDistanceToFeatures, unravel } from '../../kernels/distance.js';
import { distancesToNearest } from '../../kernels/nearestBoundary.js';

type SquaredDistance = (ci: number[], cj: number[], spacing: number[]) => number;

/** Σ_k (Δindex_k · spacing_k)², the plain formula. */
const physicalSquared: SquaredDistance = (ci, cj, spacing) => {
  let s = 0;
  for (let a = 0; a < ci.length; a++) s += ((ci[a] - cj[a]) * spacing[a]) ** 2;
  return s;
};

/**
 * The squared distance summed as the EDT sums it: (Δ·s)² along the last axis, then
 * s_a²·Δ·Δ + (sum so far) for the others from the second last down. distancesToNearest promises
 * the minimum of this bit for bit.
 */
const edtOrderSquared: SquaredDistance = (ci, cj, spacing) => {
  const L = ci.length - 1;
  const e = (ci[L] - cj[L]) * spacing[L];
  let acc = e * e;
  for (let a = L - 1; a >= 0; a--) {
    const d = ci[a] - cj[a];
    acc = spacing[a] * spacing[a] * d * d + acc;
  }
  return acc;
};

/** O(n·m) nearest search under the given squared distance. */
function bruteForce(from: Uint8Array, to: Uint8Array, shape: number[], spacing: number[], squared = physicalSquared): Float64Array {
  const targets: number[][] = [];
  for (let j = 0; j < to.length; j++) if (to[j]) targets.push(unravel(j, shape));
  const out: number[] = [];
  for (let i = 0; i < from.length; i++) {
    if (!from[i]) continue;
    const ci = unravel(i, shape);
    let best = Infinity;
    for (const cj of targets) best = Math.min(best, squared(ci, cj, spacing));
    out.push(Math.sqrt(best));
  }
  return Float64Array.from(out);
}

/** Today's directedDistances: a whole-array EDT to `to`, read at the pixels of `from`. */
function edtReadout(from: Uint8Array, to: Uint8Array, shape: number[], spacing: number[]): Float64Array {
  const d2 = squaredDistanceToFeatures(to, true, shape, spacing);
  const out: number[] = [];
  for (let i = 0; i < from.length; i++) if (from[i]) out.push(Math.sqrt(d2[i]));
  return Float64Array.from(out);
}

function assertClose(got: Float64Array, want: Float64Array, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let k = 0; k < want.length; k++) {
    const g = got[k];
    const w = want[k];
    if (w === Infinity || w === 0) assert.equal(g, w, `${what} [${k}]: ${g} vs ${w}`);
    else assert.ok(Math.abs(g - w) <= 1e-12 * w, `${what} [${k}]: ${g} vs ${w}`);
  }
}

/** Against brute force (both sums) and the EDT: the EDT is never below the exact minimum. */
function checkAll(from: Uint8Array, to: Uint8Array, shape: number[], spacing: number[]): Float64Array {
  const got = distancesToNearest(from, to, shape, spacing);
  assertClose(got, bruteForce(from, to, shape, spacing), 'brute force');
  assert.deepEqual(got, bruteForce(from, to, shape, spacing, edtOrderSquared), 'brute force in EDT order, bit for bit');
  const edt = edtReadout(from, to, shape, spacing);
  assertClose(got, edt, 'EDT');
  for (let k = 0; k < got.length; k++) assert.ok(got[k] <= edt[k]);
  return got;
}

function count(m: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < m.length; i++) if (m[i]) n++;
  return n;
}

function randomMask(size: number, p: number, rand: () => number): Uint8Array {
  const m = new Uint8Array(size);
  for (let i = 0; i < size; i++) m[i] = rand() < p ? 1 : 0;
  return m;
}

/** Union of random ellipses/ellipsoids (index space), for boundary-like inputs. */
function blobs(shape: number[], n: number, rand: () => number): Uint8Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const m = new Uint8Array(size);
  const ells = Array.from({ length: n }, () => ({
    c: shape.map((s) => s * (0.1 + 0.8 * rand())),
    r: shape.map((s) => 1 + s * 0.25 * rand()),
  }));
  for (let i = 0; i < size; i++) {
    const c = unravel(i, shape);
    for (const e of ells) {
      let s = 0;
      for (let a = 0; a < shape.length; a++) s += ((c[a] - e.c[a]) / e.r[a]) ** 2;
      if (s <= 1) {
        m[i] = 1;
        break;
      }
    }
  }
  return m;
}

const caseArb = fc
  .oneof(
    fc.tuple(fc.integer({ min: 1, max: 40 })).map((s) => [...s]),
    fc.tuple(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 20 })).map((s) => [...s]),
    fc.tuple(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 10 })).map((s) => [...s]),
  )
  .chain((shape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const mask = (p: number) => fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: size, maxLength: size })
      .map((u) => Uint8Array.from(u, (x) => (x < p ? 1 : 0)));
    return fc.record({
      shape: fc.constant(shape),
      spacing: fc.array(fc.oneof(fc.constant(1), fc.double({ min: 0.1, max: 4, noNaN: true })), { minLength: shape.length, maxLength: shape.length }),
      // sparse, medium and dense masks, independently for both sides
      from: fc.constantFrom(0.05, 0.3, 0.9).chain(mask),
      to: fc.constantFrom(0.02, 0.1, 0.5, 0.95).chain(mask),
    });
  });

describe('distancesToNearest (k-d tree nearest boundary pixel)', () => {
  it('equals brute force and the EDT read-out on random 1D/2D/3D masks with any spacing', () => {
    fc.assert(fc.property(caseArb, ({ shape, spacing, from, to }) => {
      checkAll(from, to, shape, spacing);
    }), { numRuns: 300 });
  });

  it('2D and 3D random sparse and dense masks with anisotropic spacing', () => {
    const rand = rng(1);
    const cases: [number[], number[]][] = [
      [[37, 53], [1, 0.3]],
      [[41, 29], [0.3, 1]],
      [[9, 17, 23], [2.5, 0.8, 0.8]],
      [[15, 12, 10], [0.7, 1.9, 0.45]],
    ];
    for (const [shape, spacing] of cases) {
      const size = shape.reduce((a, b) => a * b, 1);
      for (const [pf, pt] of [[0.01, 0.01], [0.05, 0.2], [0.5, 0.02], [0.9, 0.9], [0.3, 0.003]]) {
        checkAll(randomMask(size, pf, rand), randomMask(size, pt, rand), shape, spacing);
      }
    }
  });

  it('boundaries of overlapping blobs, as surfaceDistances uses it', () => {
    const rand = rng(2);
    for (const [shape, spacing] of [[[60, 70], [1, 0.3]], [[14, 24, 26], [2.5, 0.8, 0.8]]] as [number[], number[]][]) {
      for (let t = 0; t < 3; t++) {
        const A = boundaryOf(blobs(shape, 5, rand), shape);
        const B = boundaryOf(blobs(shape, 5, rand), shape);
        checkAll(A, B, shape, spacing);
        checkAll(B, A, shape, spacing);
      }
    }
  });

  it('empty `to`: Infinity for every pixel of `from`', () => {
    const from = Uint8Array.from([0, 1, 1, 0, 1, 0]);
    const got = distancesToNearest(from, new Uint8Array(6), [2, 3], [1, 2]);
    assert.deepEqual([...got], [Infinity, Infinity, Infinity]);
    assert.deepEqual(got, edtReadout(from, new Uint8Array(6), [2, 3], [1, 2]));
  });

  it('empty `from`: an empty result, whatever `to` holds', () => {
    assert.equal(distancesToNearest(new Uint8Array(12), Uint8Array.from({ length: 12 }, (_, i) => i % 2), [3, 4], [1, 1]).length, 0);
    assert.equal(distancesToNearest(new Uint8Array(12), new Uint8Array(12), [3, 4], [1, 1]).length, 0);
    assert.equal(distancesToNearest(new Uint8Array(0), new Uint8Array(0), [0, 4], [1, 1]).length, 0);
  });

  it('`from` inside `to`: all zeros', () => {
    const rand = rng(3);
    const shape = [8, 9, 10];
    const to = randomMask(720, 0.4, rand);
    const from = Uint8Array.from(to, (v) => (v && rand() < 0.5 ? 1 : 0));
    const got = checkAll(from, to, shape, [2.5, 0.8, 0.8]);
    assert.equal(got.length, count(from));
    assert.ok(got.every((d) => d === 0));
  });

  it('a single target pixel: the distance by formula', () => {
    const shape = [5, 6, 7];
    const spacing = [2.5, 0.8, 0.3];
    const to = new Uint8Array(210);
    to[(2 * 6 + 4) * 7 + 1] = 1;
    const from = new Uint8Array(210).fill(1);
    const got = checkAll(from, to, shape, spacing);
    for (let i = 0; i < 210; i++) {
      const [z, y, x] = unravel(i, shape);
      const e = (x - 1) * 0.3;
      assert.equal(got[i], Math.sqrt(2.5 * 2.5 * (z - 2) * (z - 2) + (0.8 * 0.8 * (y - 4) * (y - 4) + e * e)));
    }
    // and a single query pixel against many targets
    const one = new Uint8Array(210);
    one[0] = 1;
    checkAll(one, Uint8Array.from({ length: 210 }, (_, i) => (i % 11 === 5 ? 1 : 0)), shape, spacing);
  });

  it('a full row, a full column, a full plane: distances along one axis only', () => {
    const [H, W] = [13, 17];
    const all = new Uint8Array(H * W).fill(1);
    const row = new Uint8Array(H * W);
    for (let x = 0; x < W; x++) row[5 * W + x] = 1;
    const col = new Uint8Array(H * W);
    for (let y = 0; y < H; y++) col[y * W + 11] = 1;
    const gotRow = checkAll(all, row, [H, W], [1, 0.3]);
    const gotCol = checkAll(all, col, [H, W], [1, 0.3]);
    for (let i = 0; i < H * W; i++) {
      const y = Math.floor(i / W);
      const x = i % W;
      assert.equal(gotRow[i], Math.abs(y - 5));
      assert.equal(gotCol[i], Math.abs(x - 11) * 0.3);
    }
    const [D, H3, W3] = [6, 7, 8];
    const plane = new Uint8Array(D * H3 * W3);
    for (let z = 0; z < D; z++) for (let x = 0; x < W3; x++) plane[(z * H3 + 3) * W3 + x] = 1;
    const got = checkAll(new Uint8Array(D * H3 * W3).fill(1), plane, [D, H3, W3], [2.5, 0.8, 0.8]);
    for (let i = 0; i < got.length; i++) assert.equal(got[i], Math.abs(unravel(i, [D, H3, W3])[1] - 3) * 0.8);
  });

  it('lattices and lines: many equidistant targets (ties) change nothing', () => {
    for (const [shape, spacing, step] of [
      [[30, 31], [1, 1], 3],
      [[30, 31], [0.5, 0.5], 4],
      [[9, 12, 13], [1, 1, 1], 2],
      [[9, 12, 13], [2, 1, 1], 3],
    ] as [number[], number[], number][]) {
      const size = shape.reduce((a, b) => a * b, 1);
      const lattice = Uint8Array.from({ length: size }, (_, i) => (unravel(i, shape).every((c) => c % step === 0) ? 1 : 0));
      const all = new Uint8Array(size).fill(1);
      checkAll(all, lattice, shape, spacing);
      checkAll(lattice, Uint8Array.from(lattice, (v) => 1 - v), shape, spacing);
      // every target on one diagonal line, and on one row
      const diag = Uint8Array.from({ length: size }, (_, i) => (new Set(unravel(i, shape)).size === 1 ? 1 : 0));
      checkAll(all, diag, shape, spacing);
      const line = Uint8Array.from({ length: size }, (_, i) => (unravel(i, shape).slice(0, -1).every((c) => c === 1) ? 1 : 0));
      checkAll(all, line, shape, spacing);
    }
  });

  it('any number of axes: 4D against brute force', () => {
    const rand = rng(4);
    const shape = [3, 4, 5, 6];
    const spacing = [2, 0.5, 1, 0.75];
    for (const [pf, pt] of [[0.2, 0.05], [0.7, 0.3], [1, 0.01]]) {
      const from = randomMask(360, pf, rand);
      const to = randomMask(360, pt, rand);
      const got = distancesToNearest(from, to, shape, spacing);
      assertClose(got, bruteForce(from, to, shape, spacing), '4D');
      assert.deepEqual(got, bruteForce(from, to, shape, spacing, edtOrderSquared));
    }
  });

  it('larger trees agree with the EDT: 2D 300x300, 3D 40x64x64 boundaries', () => {
    const rand = rng(5);
    const shape2 = [300, 300];
    for (const p of [0.001, 0.03]) {
      const from = randomMask(90000, 0.05, rand);
      const to = randomMask(90000, p, rand);
      assertClose(distancesToNearest(from, to, shape2, [1, 0.3]), edtReadout(from, to, shape2, [1, 0.3]), '2D');
    }
    const shape3 = [40, 64, 64];
    const A = boundaryOf(blobs(shape3, 12, rand), shape3);
    const B = boundaryOf(blobs(shape3, 12, rand), shape3);
    const spacing = [2.5, 0.8, 0.8];
    assertClose(distancesToNearest(A, B, shape3, spacing), edtReadout(A, B, shape3, spacing), '3D A→B');
    assertClose(distancesToNearest(B, A, shape3, spacing), edtReadout(B, A, shape3, spacing), '3D B→A');
  });

  it('a million targets on a line (deep tree, no recursion)', () => {
    const n = 1 << 21;
    const to = new Uint8Array(n);
    for (let i = 0; i < n; i += 2) to[i] = 1; // 2^20 targets
    const from = new Uint8Array(n);
    const rand = rng(6);
    for (let k = 0; k < 2000; k++) from[Math.floor(rand() * n)] = 1;
    from[n - 1] = 1;
    const got = distancesToNearest(from, to, [n], [0.5]);
    let k = 0;
    for (let i = 0; i < n; i++) if (from[i]) assert.equal(got[k++], i % 2 === 0 ? 0 : 0.5);
  });

  it('nonzero means any nonzero byte, and views at any byte offset work', () => {
    const rand = rng(7);
    const shape = [11, 13];
    const size = 143;
    const from = Uint8Array.from(randomMask(size, 0.3, rand), (v) => v * (1 + Math.floor(rand() * 255)));
    const to = Uint8Array.from(randomMask(size, 0.1, rand), (v) => v * (1 + Math.floor(rand() * 255)));
    const want = bruteForce(from, to, shape, [1.5, 0.4]);
    for (let off = 0; off < 5; off++) {
      // nonzero bytes around the views must not count
      const bufA = new Uint8Array(size + 9).fill(1);
      const bufB = new Uint8Array(size + 9).fill(7);
      bufA.set(from, off);
      bufB.set(to, off);
      const viewA = bufA.subarray(off, off + size);
      const viewB = bufB.subarray(off, off + size);
      assertClose(distancesToNearest(viewA, viewB, shape, [1.5, 0.4]), want, `offset ${off}`);
    }
  });

  it('rejects masks of different sizes', () => {
    assert.throws(() => distancesToNearest(new Uint8Array(4), new Uint8Array(5), [4], [1]));
  });
});
