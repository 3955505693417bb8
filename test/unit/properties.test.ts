import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { NdArray } from '../../formats/types.js';
import { evaluate } from '../../kernels/evaluate.js';
import { labelMapSums } from '../../kernels/labelMapSums.js';
import { hardCounts } from '../../kernels/gpu/hardCounts.js';
import { preparePair } from '../../kernels/prepare.js';
import { computePixelSumsReference } from '../../kernels/reference/pixelSums.js';
import type { EvaluateOptions, EvaluationResult, LossId } from '../../kernels/types.js';

const labels = (data: ArrayLike<number>, shape: number[]): NdArray => ({ data: Uint8Array.from(data), shape, integer: true, dtype: 'uint8' });
const floats = (data: ArrayLike<number>, shape: number[]): NdArray => ({ data: Float32Array.from(data), shape, integer: false, dtype: 'float32' });

/** A one-hot probability prediction [C, ...shape] equal to a label map. */
function oneHot(map: Uint8Array, classes: number, shape: number[]): NdArray {
  const n = map.length;
  const out = new Float32Array(classes * n);
  for (let i = 0; i < n; i++) out[map[i] * n + i] = 1;
  return floats(out, [classes, ...shape]);
}

/** Blobs rather than noise, so boundaries and distances are meaningful. */
function blobMap(h: number, w: number, classes: number, seed: number): Uint8Array {
  let s = seed >>> 0;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const map = new Uint8Array(h * w);
  for (let k = 0; k < 3; k++) {
    const c = Math.floor(rand() * classes);
    const y0 = Math.floor(rand() * h), x0 = Math.floor(rand() * w), r = 1 + rand() * 4;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if ((y - y0) ** 2 + (x - x0) ** 2 <= r * r) map[y * w + x] = c;
  }
  return map;
}

const pairArb = (maxClasses: number) =>
  fc.record({
    h: fc.integer({ min: 2, max: 14 }),
    w: fc.integer({ min: 2, max: 14 }),
    classes: fc.integer({ min: 2, max: maxClasses }),
    seedA: fc.integer(),
    seedB: fc.integer(),
  }).map(({ h, w, classes, seedA, seedB }) => ({
    shape: [h, w] as number[], classes, map: blobMap(h, w, classes, seedA), other: blobMap(h, w, classes, seedB),
  }));
const labelMapArb = pairArb;

const probMapArb = fc.record({ h: fc.integer({ min: 2, max: 12 }), w: fc.integer({ min: 2, max: 12 }) }).chain(({ h, w }) =>
  fc.record({
    shape: fc.constant([h, w] as number[]),
    p: fc.array(fc.double({ min: 0.01, max: 0.99, noNaN: true }), { minLength: h * w, maxLength: h * w }),
    t: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: h * w, maxLength: h * w }),
  }));

const close = (a: number, b: number, tol = 1e-9) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));
const run = (pred: NdArray, gt: NdArray, options: EvaluateOptions = {}): Promise<EvaluationResult> => evaluate(pred, gt, { backend: 'reference', ...options });

describe('loss properties on random masks (reference backend)', () => {
  it('dice(t, t) = 0 for a one-hot prediction equal to the target', async () => {
    await fc.assert(fc.asyncProperty(labelMapArb(5), async ({ map, shape, classes }) => {
      const r = await run(oneHot(map, classes, shape), labels(map, shape), { classes, losses: ['dice', 'iou'] });
      assert.ok(Math.abs(r.losses.dice!) < 1e-12, `dice ${r.losses.dice}`);
      assert.ok(Math.abs(r.losses.iou!) < 1e-12);
    }), { numRuns: 60 });
  });

  it('Tversky with α = β = 0.5 equals Dice (smoothing 0)', async () => {
    await fc.assert(fc.asyncProperty(probMapArb, async ({ shape, p, t }) => {
      fc.pre(t.some((v) => v === 1));
      const r = await run(floats(p, shape), labels(t, shape), { alpha: 0.5, beta: 0.5, smooth: 0, losses: ['dice', 'tversky'] });
      assert.ok(close(r.losses.tversky!, r.losses.dice!), `${r.losses.tversky} vs ${r.losses.dice}`);
    }), { numRuns: 80 });
  });

  it('cce = bce on binary pairs', async () => {
    await fc.assert(fc.asyncProperty(probMapArb, async ({ shape, p, t }) => {
      const r = await run(floats(p, shape), labels(t, shape), { losses: ['bce', 'cce'] });
      assert.equal(r.binary, true);
      assert.ok(close(r.losses.cce!, r.losses.bce!));
    }), { numRuns: 80 });
  });

  it('Lovász of a perfect prediction is 0 (softmax and hinge)', async () => {
    await fc.assert(fc.asyncProperty(labelMapArb(4), async ({ map, shape, classes }) => {
      const multi = await run(oneHot(map, classes, shape), labels(map, shape), { classes, losses: ['lovasz'] });
      assert.ok(Math.abs(multi.losses.lovasz!) < 1e-12);
      const binaryMap = map.map((v) => (v > 0 ? 1 : 0));
      const hinge = await run(floats(Array.from(binaryMap, (v) => (v ? 1 : 0)), shape), labels(binaryMap, shape), { losses: ['lovasz'] });
      assert.ok(Math.abs(hinge.losses.lovasz!) < 1e-12, `hinge ${hinge.losses.lovasz}`);
    }), { numRuns: 60 });
  });

  it('Hausdorff is symmetric and scales linearly with isotropic spacing', async () => {
    await fc.assert(fc.asyncProperty(pairArb(4), fc.double({ min: 0.1, max: 5, noNaN: true }), async (pair, s) => {
      const a = { map: pair.map, shape: pair.shape };
      const b = { map: pair.other, shape: pair.shape };
      const classes = 4;
      const ab = await run(labels(a.map, a.shape), labels(b.map, b.shape), { classes, losses: ['hausdorff', 'hd95', 'assd'] });
      const ba = await run(labels(b.map, b.shape), labels(a.map, a.shape), { classes, losses: ['hausdorff', 'hd95', 'assd'] });
      const scaled = await run(labels(a.map, a.shape), labels(b.map, b.shape), { classes, losses: ['hausdorff'], spacing: [s, s] });
      for (const c of [1, 2, 3]) {
        const x = ab.perClass.find((e) => e.class === c)!.hausdorff;
        const y = ba.perClass.find((e) => e.class === c)!.hausdorff;
        assert.ok(x === y || close(x, y), `class ${c}: ${x} vs ${y}`);
        const z = scaled.perClass.find((e) => e.class === c)!.hausdorff;
        assert.ok(z === x * s || close(z, x * s), `class ${c}: ${z} vs ${x}·${s}`);
      }
      assert.ok(ab.losses.hd95 === ba.losses.hd95 || close(ab.losses.hd95!, ba.losses.hd95!));
    }), { numRuns: 60 });
  });

  it('relabelling classes permutes the per-class breakdown', async () => {
    await fc.assert(fc.asyncProperty(pairArb(4), fc.constantFrom([0, 2, 1, 3], [0, 3, 1, 2], [0, 1, 3, 2]), async (pair, perm) => {
      const a = { map: pair.map, shape: pair.shape };
      const b = { map: pair.other, shape: pair.shape };
      const classes = 4;
      const options: EvaluateOptions = { classes, losses: ['dice', 'iou', 'tversky', 'cce', 'hausdorff', 'hd95', 'assd', 'nsd', 'boundary', 'lovasz'] };
      const before = await run(labels(a.map, a.shape), labels(b.map, b.shape), options);
      const after = await run(labels(a.map.map((v) => perm[v]), a.shape), labels(b.map.map((v) => perm[v]), b.shape), options);
      for (const entry of before.perClass) {
        const moved = after.perClass.find((e) => e.class === perm[entry.class])!;
        for (const [key, value] of Object.entries(entry)) {
          if (key === 'class') continue;
          const other = moved[key];
          assert.ok(Object.is(value, other) || close(value, other), `class ${entry.class}→${perm[entry.class]} ${key}: ${value} vs ${other}`);
        }
      }
    }), { numRuns: 60 });
  });

  it('Lovász of a hard label map (closed form) equals the sorted path on the same one-hot probabilities', async () => {
    await fc.assert(fc.asyncProperty(pairArb(4), async ({ map, other, shape, classes }) => {
      const asLabels = await run(labels(map, shape), labels(other, shape), { classes, losses: ['lovasz'] });
      const asProbs = await run(oneHot(map, classes, shape), labels(other, shape), { classes, losses: ['lovasz'] });
      assert.ok(close(asLabels.losses.lovasz!, asProbs.losses.lovasz!), `${asLabels.losses.lovasz} vs ${asProbs.losses.lovasz}`);
      const bin = (m: Uint8Array) => m.map((v) => (v > 0 ? 1 : 0));
      const hingeLabels = await run(labels(bin(map), shape), labels(bin(other), shape), { losses: ['lovasz'] });
      const hingeProbs = await run(floats(bin(map), shape), labels(bin(other), shape), { losses: ['lovasz'] });
      assert.equal(hingeLabels.binary, true);
      assert.ok(close(hingeLabels.losses.lovasz!, hingeProbs.losses.lovasz!), `${hingeLabels.losses.lovasz} vs ${hingeProbs.losses.lovasz}`);
    }), { numRuns: 60 });
  });

  it('each loss alone equals the same loss among all of them, with the same metrics and warnings', async () => {
    const alone: LossId[] = ['lovasz', 'hausdorff', 'boundary', 'hausdorff_dt', 'nsd', 'dice'];
    const soft = (map: Uint8Array, classes: number, shape: number[]) => {
      const n = map.length;
      const out = new Float32Array(classes * n);
      for (let i = 0; i < n; i++) for (let c = 0; c < classes; c++) out[c * n + i] = c === map[i] ? 0.55 : 0.45 / (classes - 1);
      return floats(out, [classes, ...shape]);
    };
    await fc.assert(fc.asyncProperty(pairArb(4), fc.constantFrom('labels', 'channels', 'binary'), async ({ map, other, shape, classes }, kind) => {
      // 255 marks ignored pixels in the target (and, for label maps, in the prediction too)
      const gt = other.map((v, i) => (i % 7 === 3 ? 255 : v));
      const bin = (m: Uint8Array) => m.map((v) => (v === 255 ? 255 : v > 0 ? 1 : 0));
      const pred = kind === 'labels' ? labels(map.map((v, i) => (i % 11 === 5 ? 255 : v)), shape) : kind === 'channels' ? soft(map, classes, shape) : floats(Array.from(map, (v) => (v > 0 ? 0.8 : 0.3)), shape);
      const target = labels(kind === 'binary' ? bin(gt) : gt, shape);
      const options: EvaluateOptions = kind === 'binary' ? { ignoreIndex: 255 } : { classes };
      const all = await run(pred, target, options);
      for (const id of alone) {
        const one = await run(pred, target, { ...options, losses: [id] });
        assert.deepEqual(Object.keys(one.losses), [id]);
        assert.ok(Object.is(one.losses[id], all.losses[id]) || close(one.losses[id]!, all.losses[id]!), `${kind} ${id}: ${one.losses[id]} vs ${all.losses[id]}`);
        assert.deepEqual(one.metrics, all.metrics, `${kind} ${id}: metrics`);
        assert.deepEqual(one.warnings, all.warnings, `${kind} ${id}: warnings`);
      }
    }), { numRuns: 40 });
  });

  it('a label-map prediction\'s sums from its confusion counts equal the per-pixel oracle', () => {
    fc.assert(fc.property(pairArb(5), fc.constantFrom(0, 1, 2, 0.5), fc.boolean(), ({ map, other, shape, classes }, gamma, binaryPair) => {
      const toBin = (m: Uint8Array) => m.map((v) => (v > 0 ? 1 : 0));
      const pred = labels((binaryPair ? toBin(map) : map).map((v, i) => (i % 11 === 5 ? 255 : v)), shape);
      const gt = labels((binaryPair ? toBin(other) : other).map((v, i) => (i % 7 === 3 ? 255 : v)), shape);
      const { pair } = preparePair(pred, gt, binaryPair ? { ignoreIndex: 255 } : { classes });
      assert.equal(pair.pred.kind, 'labels');
      const oracle = computePixelSumsReference(pair, gamma);
      const fromCounts = labelMapSums(hardCounts(pair), gamma);
      for (const key of Object.keys(oracle) as (keyof typeof oracle)[]) {
        const a = oracle[key];
        const b = fromCounts[key];
        if (typeof a === 'number') assert.equal(b, a, key);
        else (a as Float64Array).forEach((x, c) => assert.ok(close(x, (b as Float64Array)[c], 1e-12), `${key}[${c}]: ${x} vs ${(b as Float64Array)[c]}`));
      }
    }), { numRuns: 100 });
  });
});
