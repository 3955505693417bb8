/**
 * gpu.js pixel sums against the float64 reference, on every backend available in this run.
 * headlessgl needs a display: run under `xvfb-run -a`. A backend that is unavailable is skipped
 * with its reason, unless SEGSCOPE_REQUIRE_BACKENDS (e.g. "cpu,webasm,headlessgl") lists it:
 * then it must be available and its tests run (and fail if it is not).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rng } from '../fixtures/random.js';
import { availableBackends, GPU_BACKENDS, resolveBackend, type GpuBackend } from '../../kernels/backends.js';
import { backendFor } from '../../kernels/backendFor.js';
import { computePixelSumsGpu, disposeGpu } from '../../kernels/gpu/index.js';
import { computePixelSumsReference } from '../../kernels/reference/pixelSums.js';
import type { PixelSums, PreparedPair } from '../../kernels/types.js';

const status = await availableBackends();
const required = (process.env.SEGSCOPE_REQUIRE_BACKENDS ?? '')
  .split(',').map((name) => name.trim()).filter(Boolean);

after(() => disposeGpu());

// ---- deterministic random data ----

function gaussian(rnd: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
}

/** Targets in 0..C-1 with about `ignored` of them -1. */
function targets(rnd: () => number, size: number, classes: number, ignored = 0.1): Int32Array {
  const target = new Int32Array(size);
  for (let i = 0; i < size; i++) target[i] = rnd() < ignored ? -1 : Math.min(classes - 1, Math.floor(rnd() * classes));
  return target;
}

function pairOf(shape: number[], classes: number, binary: boolean, pred: PreparedPair['pred'], target: Int32Array): PreparedPair {
  const size = shape.reduce((a, b) => a * b, 1);
  return { binary, classes, shape, size, spacing: shape.map(() => 1), pred, target, ignoreIndex: binary ? null : 255 };
}

/** Foreground probabilities with the hard cases: exact 0, 1 and 0.5, and values within 1e-9 of 0 and 1. */
function binaryProbabilities(seed: number, h: number, w: number, float64 = false): PreparedPair {
  const rnd = rng(seed);
  const size = h * w;
  const target = targets(rnd, size, 2);
  const values = float64 ? new Float64Array(size) : new Float32Array(size);
  for (let i = 0; i < size; i++) {
    const r = rnd();
    const kind = rnd();
    values[i] = kind < 0.02 ? 0 : kind < 0.04 ? 1 : kind < 0.05 ? 0.5
      : kind < 0.15 ? r * 1e-6 : kind < 0.25 ? 1 - r * 1e-6 : kind < 0.3 ? 1 - 10 ** (-3 - 6 * r) : r;
  }
  return pairOf([h, w], 2, true, { kind: 'binary', values, logits: false }, target);
}

function binaryLogits(seed: number, h: number, w: number): PreparedPair {
  const rnd = rng(seed);
  const size = h * w;
  const target = targets(rnd, size, 2);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    const kind = rnd();
    values[i] = kind < 0.05 ? (rnd() < 0.5 ? -1 : 1) * (30 + 80 * rnd()) : kind < 0.08 ? 0 : 6 * gaussian(rnd);
  }
  return pairOf([h, w], 2, true, { kind: 'binary', values, logits: true }, target);
}

/** Softmax-like probabilities (float64), some pixels nearly one-hot, the target class favoured. */
function channelProbabilities(seed: number, classes: number, h: number, w: number): PreparedPair {
  const rnd = rng(seed);
  const size = h * w;
  const target = targets(rnd, size, classes);
  const values = new Float64Array(classes * size);
  for (let i = 0; i < size; i++) {
    const sharp = rnd() < 0.2;
    let total = 0;
    for (let c = 0; c < classes; c++) {
      const v = sharp ? (c === target[i] ? 1 : 1e-9 * rnd()) : rnd() ** 3 + (c === target[i] ? 0.5 : 0);
      values[c * size + i] = v;
      total += v;
    }
    for (let c = 0; c < classes; c++) values[c * size + i] /= total;
  }
  return pairOf([h, w], classes, false, { kind: 'channels', values, logits: false }, target);
}

/** Logits with a boost for the target class, some confident pixels, and some exact ties. */
function channelLogits(seed: number, classes: number, h: number, w: number, float64 = false): PreparedPair {
  const rnd = rng(seed);
  const size = h * w;
  const target = targets(rnd, size, classes);
  const values = float64 ? new Float64Array(classes * size) : new Float32Array(classes * size);
  for (let i = 0; i < size; i++) {
    const kind = rnd();
    for (let c = 0; c < classes; c++) {
      const boost = c === target[i] ? (kind < 0.2 ? 25 : 2) : 0;
      values[c * size + i] = kind > 0.97 ? 1.5 : 3 * gaussian(rnd) + boost;
    }
  }
  return pairOf([h, w], classes, false, { kind: 'channels', values, logits: true }, target);
}

/** A label map mostly agreeing with the target, with -1 and out-of-range labels. */
function labelMap(seed: number, classes: number, h: number, w: number, binary = false): PreparedPair {
  const rnd = rng(seed);
  const size = h * w;
  const target = targets(rnd, size, classes);
  const labels = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    const kind = rnd();
    labels[i] = kind < 0.6 ? Math.max(target[i], 0) : kind < 0.95 ? Math.floor(rnd() * classes) : kind < 0.98 ? -1 : classes;
  }
  return pairOf([h, w], classes, binary, { kind: 'labels', labels }, target);
}

// ---- comparison ----

const FLOAT_FIELDS = ['sumP', 'tp', 'bce', 'ce', 'focal'] as const;
const COUNT_FIELDS = ['count', 'hardTp', 'hardFp', 'hardFn'] as const;

/** Every float field within max(1e-4 relative, 1e-6 absolute), every count exact; returns the worst relative error. */
function assertAgrees(got: PixelSums, want: PixelSums): number {
  assert.equal(got.n, want.n, 'n');
  assert.equal(got.correct, want.correct, 'correct');
  let worst = 0;
  for (const field of COUNT_FIELDS) {
    assert.deepEqual(Array.from(got[field]), Array.from(want[field]), field);
  }
  for (const field of FLOAT_FIELDS) {
    assert.equal(got[field].length, want[field].length, `${field} length`);
    for (let c = 0; c < want[field].length; c++) {
      const g = got[field][c];
      const w = want[field][c];
      const scale = Math.max(Math.abs(g), Math.abs(w));
      const tolerance = Math.max(1e-4 * scale, 1e-6);
      assert.ok(Math.abs(g - w) <= tolerance, `${field}[${c}]: got ${g}, want ${w} (tolerance ${tolerance})`);
      if (scale > 1e-6) worst = Math.max(worst, Math.abs(g - w) / scale);
    }
  }
  return worst;
}

interface Case {
  name: string;
  make: () => PreparedPair;
  gamma?: number;
}

const CASES: Case[] = [
  { name: 'binary probabilities 97x83 (exact 0/1/0.5, near 0 and 1), ignored pixels', make: () => binaryProbabilities(1, 97, 83) },
  { name: 'binary probabilities float64 near 1, focal gamma 0', make: () => binaryProbabilities(2, 64, 64, true), gamma: 0 },
  { name: 'binary probabilities, focal gamma 1.5', make: () => binaryProbabilities(3, 64, 50), gamma: 1.5 },
  { name: 'binary logits 64x64 (|z| up to 110)', make: () => binaryLogits(4, 64, 64) },
  { name: 'binary logits, focal gamma 0.5', make: () => binaryLogits(5, 40, 70), gamma: 0.5 },
  { name: 'multi-class probabilities C=3', make: () => channelProbabilities(6, 3, 64, 64) },
  { name: 'multi-class probabilities C=19', make: () => channelProbabilities(7, 19, 48, 40) },
  { name: 'multi-class probabilities C=64 over two chunks (384x384)', make: () => channelProbabilities(8, 64, 384, 384) },
  { name: 'multi-class logits C=3 with ties', make: () => channelLogits(9, 3, 64, 64) },
  { name: 'multi-class logits C=19 float64, focal gamma 3', make: () => channelLogits(10, 19, 40, 48, true), gamma: 3 },
  { name: 'multi-class logits C=2', make: () => channelLogits(11, 2, 30, 30) },
  { name: 'label maps C=5 with -1 and out-of-range labels', make: () => labelMap(12, 5, 64, 64) },
  { name: 'label maps C=5, focal gamma 0', make: () => labelMap(13, 5, 33, 31), gamma: 0 },
  { name: 'binary label maps', make: () => labelMap(14, 2, 50, 50, true) },
  { name: 'all pixels ignored', make: () => { const p = binaryProbabilities(15, 16, 16); p.target.fill(-1); return p; } },
  { name: '1024x1024 multi-class logits C=3', make: () => channelLogits(16, 3, 1024, 1024) },
  { name: '1024x1024 multi-class probabilities C=19 (two chunks)', make: () => channelProbabilities(19, 19, 1024, 1024) },
  { name: '2048x2048 binary probabilities', make: () => binaryProbabilities(17, 2048, 2048) },
];

test('backends required by SEGSCOPE_REQUIRE_BACKENDS are available', () => {
  for (const name of required) {
    assert.ok((GPU_BACKENDS as readonly string[]).includes(name), `SEGSCOPE_REQUIRE_BACKENDS names unknown backend '${name}'`);
    const s = status[name as GpuBackend];
    assert.ok(s.available, `required backend ${name} is not available: ${s.reason}`);
  }
});

for (const backend of GPU_BACKENDS) {
  const s = status[backend];
  const skip = !s.available && !required.includes(backend) ? `${backend} unavailable: ${s.reason}` : false;
  describe(`gpu.js backend ${backend}`, { skip }, () => {
    for (const c of CASES) {
      test(`${backend}: ${c.name}`, async (t) => {
        const pair = c.make();
        const gamma = c.gamma ?? 2;
        const want = computePixelSumsReference(pair, gamma);
        const start = performance.now();
        const got = await computePixelSumsGpu(pair, gamma, backend);
        const ms = performance.now() - start;
        const worst = assertAgrees(got, want);
        t.diagnostic(`${backend} ${c.name}: ${ms.toFixed(0)} ms, worst relative error ${worst.toExponential(1)}`);
      });
    }
  });
}

test("auto resolves to the reference backend, the fastest here (kernels/backends.ts), and loads no gpu.js for it", async () => {
  assert.deepEqual(await resolveBackend('auto'), { backend: 'reference' });
  assert.equal((await backendFor('auto')).name, 'reference');
});

test('reference resolves to itself; available backends resolve to themselves', async () => {
  assert.deepEqual(await resolveBackend('reference'), { backend: 'reference' });
  for (const backend of GPU_BACKENDS) {
    if (status[backend].available) assert.deepEqual(await resolveBackend(backend), { backend });
  }
});

test('an unavailable backend gives an error naming it and the reason', { skip: status.webgpu.available ? 'webgpu works here' : false }, async () => {
  const reason = status.webgpu.reason ?? '';
  assert.ok(reason.length > 0, 'webgpu has a reason');
  await assert.rejects(resolveBackend('webgpu'), (error: Error) => {
    assert.match(error.message, /webgpu/);
    assert.ok(error.message.includes(reason), error.message);
    return true;
  });
  await assert.rejects(computePixelSumsGpu(binaryProbabilities(18, 8, 8), 2, 'webgpu'), /webgpu/);
});

test('cpu and webasm report availability without a reason; unavailable ones give one', () => {
  assert.deepEqual(status.cpu, { available: true });
  for (const backend of GPU_BACKENDS) {
    if (!status[backend].available) assert.ok(status[backend].reason, `${backend} has a reason`);
  }
});
