import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { classBoxes } from '../../kernels/classBoxes.js';
import { boundaryOf, distanceToMask, edt, unravel } from '../../kernels/distance.js';
import { configureKernelThreads, helperPartCount } from '../../kernels/helperThread.js';
import { distanceField, squaredDistanceToOtherSide } from '../../kernels/otherSideDistance.js';

/** O(n²) distance from each pixel to the nearest pixel where `feature` holds. */
function bruteForce(shape: number[], spacing: number[], feature: (i: number) => boolean): Float64Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const coords = (i: number) => unravel(i, shape);
  const out = new Float64Array(size).fill(Infinity);
  for (let i = 0; i < size; i++) {
    const ci = coords(i);
    for (let j = 0; j < size; j++) {
      if (!feature(j)) continue;
      const cj = coords(j);
      const d = Math.sqrt(ci.reduce((s, v, a) => s + ((v - cj[a]) * spacing[a]) ** 2, 0));
      if (d < out[i]) out[i] = d;
    }
  }
  return out;
}

const maskArb = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 11 })).map(([h, w]) => [h, w]),
  fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 7 })).map(([d, h, w]) => [d, h, w]),
).chain((shape) => {
  const size = shape.reduce((a, b) => a * b, 1);
  return fc.record({
    shape: fc.constant(shape),
    mask: fc.uint8Array({ min: 0, max: 1, minLength: size, maxLength: size }),
    spacing: fc.array(fc.double({ min: 0.25, max: 3, noNaN: true }), { minLength: shape.length, maxLength: shape.length }),
  });
});

describe('exact Euclidean distance transform', () => {
  it('edt equals brute force on random 2D/3D masks with anisotropic spacing', () => {
    fc.assert(fc.property(maskArb, ({ shape, mask, spacing }) => {
      const got = edt(mask, shape, spacing);
      const want = bruteForce(shape, spacing, (j) => mask[j] === 0);
      for (let i = 0; i < mask.length; i++) {
        const w = mask[i] === 0 ? 0 : want[i];
        if (w === Infinity) assert.equal(got[i], Infinity);
        else assert.ok(Math.abs(got[i] - w) < 1e-9, `pixel ${i}: ${got[i]} vs ${w}`);
      }
    }), { numRuns: 150 });
  });

  it('distanceToMask is the distance to the nearest nonzero pixel', () => {
    fc.assert(fc.property(maskArb, ({ shape, mask, spacing }) => {
      const got = distanceToMask(mask, shape, spacing);
      const want = bruteForce(shape, spacing, (j) => mask[j] !== 0);
      for (let i = 0; i < mask.length; i++) {
        if (want[i] === Infinity) assert.equal(got[i], Infinity);
        else assert.ok(Math.abs(got[i] - want[i]) < 1e-9);
      }
    }), { numRuns: 100 });
  });
});

describe('distance to the other side (both transforms in one array)', () => {
  it('equals brute force: the nearest pixel of the other value, squared', () => {
    fc.assert(fc.property(maskArb, ({ shape, mask, spacing }) => {
      const got = squaredDistanceToOtherSide(mask, shape, spacing);
      const toZero = bruteForce(shape, spacing, (j) => mask[j] === 0);
      const toOne = bruteForce(shape, spacing, (j) => mask[j] !== 0);
      for (let i = 0; i < mask.length; i++) {
        const w = mask[i] ? toZero[i] : toOne[i];
        if (w === Infinity) assert.equal(got[i], Infinity);
        else assert.ok(Math.abs(Math.sqrt(got[i]) - w) < 1e-9, `pixel ${i}: ${Math.sqrt(got[i])} vs ${w}`);
      }
    }), { numRuns: 200 });
  });

  it('equals brute force on larger blob masks with long runs, 2D and 3D', () => {
    for (const [shape, spacing] of [[[61, 97], [1, 1]], [[37, 53], [0.7, 1.9]], [[9, 23, 31], [2.5, 0.8, 0.8]]] as const) {
      const size = shape.reduce((a, b) => a * b, 1);
      const mask = new Uint8Array(size);
      let seed = 12345;
      const rand = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
      const strides = shape.map((_, k) => shape.slice(k + 1).reduce((a, b) => a * b, 1));
      for (let e = 0; e < 6; e++) {
        const centre = shape.map((n) => rand() * n);
        const radius = shape.map((n) => 1 + rand() * n * 0.3);
        for (let i = 0; i < size; i++) {
          let r = 0;
          for (let k = 0; k < shape.length; k++) r += ((Math.floor(i / strides[k]) % shape[k] - centre[k]) / radius[k]) ** 2;
          if (r <= 1) mask[i] ^= 1;
        }
      }
      const got = squaredDistanceToOtherSide(mask, [...shape], [...spacing]);
      const inside = bruteForce([...shape], [...spacing], (j) => mask[j] === 0);
      const outside = bruteForce([...shape], [...spacing], (j) => mask[j] !== 0);
      for (let i = 0; i < size; i++) {
        const w = mask[i] ? inside[i] : outside[i];
        assert.ok(Math.abs(Math.sqrt(got[i]) - w) <= 1e-12 * Math.max(1, w), `${shape}: pixel ${i}: ${Math.sqrt(got[i])} vs ${w}`);
      }
    }
  });
});

describe('distance to the other side on two threads', () => {
  it('gives the single-thread result to the bit, 2D and 3D, odd sizes', () => {
    const before = configureKernelThreads(2, 1);
    try {
      const cases: [number[], number[]][] = [[[257, 131], [1, 1]], [[7, 45, 67], [2.5, 0.8, 0.8]], [[3, 1, 40], [1, 2, 3]]];
      for (const [shape, spacing] of cases) {
        const size = shape.reduce((a, b) => a * b, 1);
        let seed = 99;
        const rand = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
        const mask = Uint8Array.from({ length: size }, () => (rand() < 0.3 ? 1 : 0));
        const one = squaredDistanceToOtherSide(mask, shape, spacing);
        const out = distanceField(size);
        assert.ok(out.buffer instanceof SharedArrayBuffer, 'a shared output, so the two-thread path runs');
        const helped = helperPartCount();
        const two = squaredDistanceToOtherSide(mask, shape, spacing, out);
        assert.ok(helperPartCount() > helped, 'the helper thread ran part of the passes');
        assert.equal(two, out);
        assert.deepEqual(Float64Array.from(two), one, `${shape}`);
        // the same output again (fields are reused class after class)
        mask.reverse();
        assert.deepEqual(Float64Array.from(squaredDistanceToOtherSide(mask, shape, spacing, out)), squaredDistanceToOtherSide(mask, shape, spacing), `${shape} reused`);
      }
    } finally {
      configureKernelThreads(before.threads, before.minSize);
    }
  });
});

describe('boundaries', () => {
  it('a filled 4x5 rectangle inside a 6x7 image has its 14 rim pixels as boundary', () => {
    const shape = [6, 7];
    const mask = new Uint8Array(42);
    for (let y = 1; y < 5; y++) for (let x = 1; x < 6; x++) mask[y * 7 + x] = 1;
    const b = boundaryOf(mask, shape);
    assert.equal(b.reduce((s, v) => s + v, 0), 14);
    assert.equal(b[2 * 7 + 2], 0);
    assert.equal(b[1 * 7 + 1], 1);
  });

  it('foreground on the array border is boundary (scipy binary_erosion border_value=0)', () => {
    const mask = new Uint8Array(9).fill(1);
    const b = boundaryOf(mask, [3, 3]);
    assert.deepEqual([...b], [1, 1, 1, 1, 0, 1, 1, 1, 1]);
  });

  it('boundary = A and not erode(A) with the face-connected element, in 3D', () => {
    fc.assert(fc.property(maskArb.filter((m) => m.shape.length === 3), ({ shape, mask }) => {
      const b = boundaryOf(mask, shape);
      const [D, H, W] = shape;
      const at = (z: number, y: number, x: number) => (z < 0 || y < 0 || x < 0 || z >= D || y >= H || x >= W ? 0 : mask[(z * H + y) * W + x]);
      for (let z = 0; z < D; z++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
        const eroded = at(z, y, x) && at(z - 1, y, x) && at(z + 1, y, x) && at(z, y - 1, x) && at(z, y + 1, x) && at(z, y, x - 1) && at(z, y, x + 1);
        assert.equal(b[(z * H + y) * W + x], at(z, y, x) && !eroded ? 1 : 0);
      }
    }), { numRuns: 100 });
  });
});

describe('class bounding boxes', () => {
  it('classBoxes equals the brute-force box of each class in either map, grown and clipped', () => {
    fc.assert(fc.property(maskArb, fc.integer({ min: 2, max: 5 }), fc.integer({ min: 0, max: 2 }), fc.integer(), ({ shape }, classes, margin, seed) => {
      let s = seed >>> 0;
      const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
      const size = shape.reduce((a, b) => a * b, 1);
      const label = () => (rand() < 0.15 ? -1 : Math.floor(rand() * classes) * (rand() < 0.5 ? 1 : 0));
      const a = Int32Array.from({ length: size }, label);
      const b = Int32Array.from({ length: size }, label);
      const boxes = classBoxes(a, b, shape, classes, margin);
      for (let c = 0; c < classes; c++) {
        const lo = shape.map(() => Infinity);
        const hi = shape.map(() => -Infinity);
        for (let i = 0; i < size; i++) {
          if (a[i] !== c && b[i] !== c) continue;
          unravel(i, shape).forEach((x, k) => {
            lo[k] = Math.min(lo[k], x);
            hi[k] = Math.max(hi[k], x);
          });
        }
        if (lo[0] === Infinity) assert.equal(boxes[c], null);
        else assert.deepEqual(boxes[c], { lo: lo.map((v) => Math.max(0, v - margin)), hi: hi.map((v, k) => Math.min(shape[k], v + 1 + margin)) }, `class ${c}`);
      }
    }), { numRuns: 150 });
  });
});
