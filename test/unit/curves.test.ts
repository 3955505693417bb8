import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeCurves, CURVE_LOSSES, morph, offsets, thresholds } from '../../kernels/curves.js';
import { evaluatePrepared } from '../../kernels/evaluate.js';
import { resolveParams } from '../../kernels/params.js';
import type { PreparedPair } from '../../kernels/types.js';
import { isCurveSet } from '../../protocol/validate.js';
import { presentCurves } from '../../engine/present.js';

const H = 16;
const W = 16;
const N = H * W;

function disc(cy: number, cx: number, r: number): Int32Array {
  return Int32Array.from({ length: N }, (_, i) => (Math.hypot(Math.floor(i / W) - cy, (i % W) - cx) <= r ? 1 : 0));
}

function probPair(): PreparedPair {
  const target = disc(8, 8, 4);
  // probability falls off with distance from the centre: p = 1 at the centre, 0 at radius 8
  const values = Float64Array.from({ length: N }, (_, i) => Math.max(0, 1 - Math.hypot(Math.floor(i / W) - 8, (i % W) - 8) / 8));
  return { binary: true, classes: 2, shape: [H, W], size: N, spacing: [1, 1], pred: { kind: 'binary', values, logits: false }, target, ignoreIndex: null };
}

test('sweep positions', () => {
  assert.deepEqual(thresholds(21).length, 21);
  assert.equal(thresholds(21)[0], 0);
  assert.equal(thresholds(21)[10], 0.5);
  assert.equal(thresholds(21)[20], 1);
  assert.deepEqual(offsets(2), [-2, -1, 0, 1, 2]);
});

test('morph: cross-shaped erosion and dilation, border as background', () => {
  const m = Uint8Array.from([0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
  const e = morph(m, [5, 5], -1);
  assert.deepEqual([...e].reduce((a, b) => a + b, 0), 1);
  assert.equal(e[12], 1);
  const d = morph(m, [5, 5], 1);
  assert.equal(d.reduce((a, b) => a + b, 0), 9 + 12);
  assert.equal(d[0], 0); // the corner: not face-adjacent
  const full = new Uint8Array(9).fill(1);
  assert.equal(morph(full, [3, 3], -1).reduce((a, b) => a + b, 0), 1);
  assert.deepEqual(morph(m, [5, 5], 0), m);
});

test('threshold curves: each point equals the engine on the binarised prediction', async () => {
  const pair = probPair();
  const sets = await computeCurves(pair, { steps: 11 });
  assert.equal(sets.length, 1);
  const s = sets[0];
  assert.ok(isCurveSet(presentCurves([s])[0]), 'the presented curves validate against the protocol');
  assert.equal(s.mode, 'threshold');
  assert.equal(s.class, null);
  assert.equal(s.x.length, 11);
  assert.deepEqual(s.series.map((x) => x.loss), CURVE_LOSSES);
  // Check the 0.5 point against a direct evaluation.
  const labels = Int32Array.from((pair.pred as { values: Float64Array }).values, (p) => (p > 0.5 ? 1 : 0));
  const direct = await evaluatePrepared({ ...pair, pred: { kind: 'labels', labels } }, resolveParams({ losses: CURVE_LOSSES }, true, 2));
  for (const series of s.series) assert.equal(series.values[5], direct.losses[series.loss], series.loss);
  // Threshold 1 predicts nothing: Dice ~1, Hausdorff infinite, NSD 0.
  const at = (loss: string, k: number) => s.series.find((x) => x.loss === loss)!.values[k];
  assert.ok(at('dice', 10) > 0.999);
  assert.equal(at('hausdorff', 10), Infinity);
  assert.equal(presentCurves([s])[0].series.find((x) => x.loss === 'hausdorff')!.values[10], 'Infinity');
  assert.equal(at('nsd', 10), 0);
  // Dice is best near the disc's radius (p ≈ 0.5).
  const dice = s.series.find((x) => x.loss === 'dice')!.values;
  const best = dice.indexOf(Math.min(...dice));
  assert.ok(Math.abs(s.x[best] - 0.5) <= 0.1, `best threshold ${s.x[best]}`);
});

test('morphology curves on label maps: x = 0 equals the result, per class for multi-class', async () => {
  const gt = new Int32Array(N);
  const pred = new Int32Array(N);
  const a = disc(5, 5, 3);
  const b = disc(11, 11, 3);
  const b2 = disc(11, 11, 2);
  for (let i = 0; i < N; i++) {
    gt[i] = a[i] ? 1 : b[i] ? 2 : 0;
    pred[i] = a[i] ? 1 : b2[i] ? 2 : 0;
  }
  gt[0] = -1; // ignored
  const pair: PreparedPair = { binary: false, classes: 3, shape: [H, W], size: N, spacing: [1, 1], pred: { kind: 'labels', labels: pred }, target: gt, ignoreIndex: 255 };
  // the evaluation's multi-class settings (three class weights) must not break the binary points
  const sets = await computeCurves(pair, { k: 2, losses: ['dice', 'hausdorff', 'cce'], evaluate: { classWeights: [1, 2, 3], focalAlpha: 0.5 } });
  assert.equal(sets.length, 2);
  assert.deepEqual(sets.map((s) => s.class), [1, 2]);
  const full = await evaluatePrepared(pair, resolveParams({}, false, 3));
  for (const s of sets) {
    assert.ok(isCurveSet(presentCurves([s])[0]), 'the presented curves validate against the protocol');
    assert.equal(s.mode, 'morphology');
    assert.deepEqual(s.x, [-2, -1, 0, 1, 2]);
    assert.deepEqual(s.series.map((x) => x.loss), ['dice', 'hausdorff', 'bce']);
    const entry = full.perClass.find((e) => e.class === s.class)!;
    assert.ok(Math.abs(s.series[0].values[2] - entry.dice) < 1e-12, 'dice at x = 0');
    assert.equal(s.series[1].values[2], entry.hausdorff, 'hausdorff at x = 0');
  }
  // Class 2 is predicted too small by one pixel: dilating by 1 is the best Dice.
  const dice2 = sets[1].series[0].values;
  assert.equal(dice2.indexOf(Math.min(...dice2)), 3);
});

test('abort and progress', async () => {
  const seen: number[] = [];
  await computeCurves(probPair(), { steps: 3, losses: ['dice'], onProgress: (d) => seen.push(d) });
  assert.deepEqual(seen, [1, 2, 3]);
  const ac = new AbortController();
  ac.abort(new Error('stop'));
  await assert.rejects(computeCurves(probPair(), { signal: ac.signal }), /stop/);
});
