import assert from 'node:assert/strict';
import { test } from 'node:test';
import { presentOverlay } from '../../engine/present.js';
import { contours, OverlayComputer, worstPoint, type OverlayRequest } from '../../kernels/overlay.js';
import { evaluatePrepared } from '../../kernels/evaluate.js';
import { resolveParams } from '../../kernels/params.js';
import type { PreparedPair } from '../../kernels/types.js';

/** The overlay a view receives: the kernel's exact plane through the presenter. */
const computeOverlay = (pair: PreparedPair, request: OverlayRequest = {}, maxSide?: number) => presentOverlay(new OverlayComputer(pair).slice(request), maxSide);
import { isOverlayData } from '../../protocol/validate.js';

/** A binary label-map pair from two 0/1 grids given as strings ('#' = 1). */
function pairFrom(pred: string[], gt: string[], spacing = [1, 1]): PreparedPair {
  const h = gt.length;
  const w = gt[0].length;
  const lab = (rows: string[]) => Int32Array.from(rows.join(''), (ch) => (ch === '#' ? 1 : ch === 'x' ? -1 : 0));
  return {
    binary: true, classes: 2, shape: [h, w], size: h * w, spacing,
    pred: { kind: 'labels', labels: lab(pred).map((v) => Math.max(v, 0)) },
    target: lab(gt), ignoreIndex: null,
  };
}

function box(h: number, w: number, y0: number, y1: number, x0: number, x1: number): string[] {
  return Array.from({ length: h }, (_, y) => Array.from({ length: w }, (_, x) => (y >= y0 && y < y1 && x >= x0 && x < x1 ? '#' : '.')).join(''));
}

test('overlay of a shifted square: φ, errors, counts, contours and the Hausdorff point', async () => {
  const gt = box(12, 14, 3, 8, 3, 8);
  const pred = box(12, 14, 3, 8, 5, 10); // shifted right by 2
  const pair = pairFrom(pred, gt);
  const o = computeOverlay(pair);
  assert.ok(isOverlayData(o), 'validates against the protocol');
  assert.equal(o.class, 1);
  assert.deepEqual(o.classes, [1]);
  assert.equal(o.slice, undefined);
  assert.deepEqual([o.height, o.width], [12, 14]);
  assert.deepEqual(o.grid, { rows: 12, cols: 14, stride: 1 });
  // φ: 0 on the GT's boundary pixels, negative deeper inside, distance to G outside.
  assert.equal(o.sdf![3][3], 0);
  assert.equal(o.sdf![5][5], -2);
  assert.equal(o.sdf![5][9], 2);
  assert.equal(o.sdf![0][0], 4.243); // √18, rounded to 0.001
  assert.deepEqual(o.sdfRange, [Math.min(...o.sdf!.flat()), Math.max(...o.sdf!.flat())]);
  // FP: columns 8,9 of rows 3..7; FN: columns 3,4.
  assert.equal(o.fpCount, 10);
  assert.equal(o.fnCount, 10);
  assert.equal(o.errors[4][8], 1);
  assert.equal(o.errors[4][3], 2);
  assert.equal(o.errors[4][6], null);
  assert.equal(o.errors[0][0], null);
  // One closed contour each, at half-pixel offsets around the square.
  assert.equal(o.predContour.length, 1);
  assert.equal(o.gtContour.length, 1);
  const xs = o.gtContour[0].map((p) => p[0]);
  const ys = o.gtContour[0].map((p) => p[1]);
  assert.deepEqual([Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)], [2.5, 7.5, 2.5, 7.5]);
  assert.deepEqual(o.gtContour[0][0], o.gtContour[0].at(-1));
  // The worst point realises the engine's Hausdorff distance.
  const r = await evaluatePrepared(pair, resolveParams({ losses: ['hausdorff'] }, true, 2));
  assert.ok(o.worst);
  assert.equal(o.worst.distance, r.losses.hausdorff);
  assert.equal(o.worst.distance, 2);
  assert.ok(o.worst.inSlice);
  const d = Math.hypot(o.worst.at[0] - o.worst.nearest[0], o.worst.at[1] - o.worst.nearest[1]);
  assert.equal(d, o.worst.distance);
});

test('worst point picks the farther direction and respects spacing', () => {
  // GT: a square; prediction: the square plus a stray pixel far away → pred→gt is the worst.
  const gt = box(10, 20, 2, 6, 2, 6);
  const pred = gt.map((row, y) => (y === 4 ? row.slice(0, 17) + '#' + row.slice(18) : row));
  const pair = pairFrom(pred, gt, [2, 0.5]);
  const n = pair.size;
  const w = worstPoint(Uint8Array.from(pair.pred.kind === 'labels' ? pair.pred.labels : [], (v) => v), Uint8Array.from(pair.target, (t) => (t === 1 ? 1 : 0)), pair.shape, pair.spacing);
  assert.ok(w && n > 0);
  assert.equal(w.on, 'prediction');
  assert.deepEqual(w.at, [4, 17]);
  assert.deepEqual(w.nearest, [4, 5]);
  assert.equal(w.distance, 12 * 0.5);
  // And from the ground truth's side when the prediction misses a part.
  const w2 = worstPoint(Uint8Array.from(pair.target, (t) => (t === 1 ? 1 : 0)), Uint8Array.from((pair.pred as { labels: Int32Array }).labels), pair.shape, pair.spacing);
  assert.equal(w2!.on, 'groundTruth');
  assert.equal(w2!.distance, 6);
});

test('empty masks: no worst point, no φ', () => {
  const empty = box(6, 6, 0, 0, 0, 0);
  const sq = box(6, 6, 1, 4, 1, 4);
  const o = computeOverlay(pairFrom(sq, empty));
  assert.equal(o.sdf, null);
  assert.deepEqual(o.sdfRange, [0, 0]);
  assert.equal(o.worst, null);
  assert.equal(o.fpCount, 9);
  assert.equal(o.gtContour.length, 0);
  assert.ok(isOverlayData(o));
});

test('ignored pixels are neither FP nor FN', () => {
  const gt = ['xx....', 'xx.##.', '...##.', '......'];
  const pred = ['##....', '##....', '...##.', '...##.'];
  const o = computeOverlay(pairFrom(pred, gt));
  assert.equal(o.fpCount, 2); // (3,3), (3,4); the predicted pixels under the ignored block do not count
  assert.equal(o.fnCount, 2); // (1,3), (1,4)
  assert.equal(o.errors[0][0], null);
});

test('downsampling keeps the grid at most maxSide per side and contours in full-resolution units', () => {
  const gt = box(100, 60, 20, 80, 10, 50);
  const pred = box(100, 60, 25, 85, 10, 50);
  const o = computeOverlay(pairFrom(pred, gt), {}, 32);
  assert.equal(o.grid.stride, 4);
  assert.deepEqual([o.grid.rows, o.grid.cols], [25, 15]);
  assert.equal(o.sdf!.length, 25);
  assert.equal(o.sdf![0].length, 15);
  assert.equal(o.fpCount, 5 * 40);
  assert.equal(o.fnCount, 5 * 40);
  const ys = o.gtContour.flat().map((p) => p[1]);
  assert.ok(Math.min(...ys) >= 15 && Math.max(...ys) <= 85);
  assert.ok(isOverlayData(o));
});

test('3D: whole-volume distances, slices on every axis, default slice in the middle of the ground truth', () => {
  const [D, H, W] = [6, 8, 9];
  const size = D * H * W;
  const gt = new Int32Array(size);
  const pred = new Int32Array(size);
  for (let z = 0; z < D; z++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const i = (z * H + y) * W + x;
    if (z >= 1 && z < 4 && y >= 2 && y < 6 && x >= 2 && x < 6) gt[i] = 1;
    if (z >= 1 && z < 5 && y >= 2 && y < 6 && x >= 2 && x < 6) pred[i] = 1;
  }
  const pair: PreparedPair = {
    binary: true, classes: 2, shape: [D, H, W], size, spacing: [2, 1, 1],
    pred: { kind: 'labels', labels: pred }, target: gt, ignoreIndex: null,
  };
  const kernel = new OverlayComputer(pair);
  const oc = { overlay: (request: OverlayRequest = {}) => presentOverlay(kernel.slice(request)) };
  const o = oc.overlay();
  assert.ok(isOverlayData(o));
  assert.equal(o.worst!.on, 'prediction');
  assert.equal(o.worst!.distance, 2); // one slice of spacing 2 too many
  assert.deepEqual(o.slice, { axis: 0, index: 2, counts: [D, H, W] }); // G spans z = 1..3
  assert.equal(o.worst!.at[0], 4); // the extra predicted slice
  assert.equal(o.worst!.inSlice, false);
  assert.equal(oc.overlay({ axis: 0, index: 4 }).worst!.inSlice, true);
  const o1 = oc.overlay({ axis: 1, index: 3 });
  assert.deepEqual([o1.height, o1.width], [D, W]);
  assert.deepEqual(o1.spacing, [2, 1]);
  // φ along the slice axis uses the 3D distance with spacing: z = 5 is 2 slices above G's top (z = 3).
  assert.equal(o1.sdf![5][3], 4);
  assert.equal(o1.fpCount, 4); // z = 4, x = 2..5
  const o2 = oc.overlay({ axis: 2, index: 0 });
  assert.equal(o2.worst!.inSlice, false);
  assert.equal(o2.sdf![1][2], 2); // z = 1, y = 2, x = 0: two pixels from x = 2
  assert.throws(() => oc.overlay({ axis: 0, index: D }));
});

test('multi-class: class choice and argmax masks', () => {
  const C = 3;
  const [H, W] = [5, 6];
  const N = H * W;
  const target = new Int32Array(N);
  const probs = new Float64Array(C * N);
  for (let i = 0; i < N; i++) {
    const x = i % W;
    target[i] = x < 2 ? 0 : x < 4 ? 1 : 2;
    const predicted = x < 3 ? 0 : x < 4 ? 1 : 2; // class 1 too narrow
    for (let c = 0; c < C; c++) probs[c * N + i] = c === predicted ? 0.8 : 0.1;
  }
  const pair: PreparedPair = { binary: false, classes: C, shape: [H, W], size: N, spacing: [1, 1], pred: { kind: 'channels', values: probs, logits: false }, target, ignoreIndex: 255 };
  const kernel = new OverlayComputer(pair);
  const oc = { overlay: (request: OverlayRequest = {}) => presentOverlay(kernel.slice(request)) };
  assert.deepEqual(oc.overlay().classes, [1, 2]);
  assert.equal(oc.overlay().class, 1);
  const o1 = oc.overlay({ class: 1 });
  assert.equal(o1.fnCount, H);
  assert.equal(o1.fpCount, 0);
  const o2 = oc.overlay({ class: 2 });
  assert.equal(o2.fnCount + o2.fpCount, 0);
  assert.throws(() => oc.overlay({ class: 0 }));
});

test('contours: separate blobs, holes, diagonal pixels stay apart', () => {
  const m = Uint8Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  const lines = contours(m, 3, 3);
  assert.equal(lines.length, 3); // three diagonal pixels: three contours
  for (const l of lines) assert.deepEqual(l[0], l.at(-1));
  const ring = Uint8Array.from([1, 1, 1, 1, 0, 1, 1, 1, 1]);
  assert.equal(contours(ring, 3, 3).length, 2);
  assert.deepEqual(contours(new Uint8Array(4), 2, 2), []);
});
