import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backendFor } from '../../kernels/backendFor.js';
import { evaluate } from '../../kernels/evaluate.js';
import type { NdArray } from '../../formats/types.js';
import type { EvaluateOptions, EvaluationResult } from '../../kernels/types.js';
import { agrees } from '../helpers/golden.js';
import { backendsUnderTest } from '../helpers/backends.js';

const SIDE = 1024;

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/** Blobs of classes 1..C-1 over background, and a noisy softmax prediction that mostly agrees. */
function scene(classes: number, seed: number): { labels: Uint8Array; probs: Float32Array } {
  const rand = rng(seed);
  const n = SIDE * SIDE;
  const labels = new Uint8Array(n);
  for (let k = 0; k < 12; k++) {
    const c = 1 + Math.floor(rand() * (classes - 1));
    const cy = rand() * SIDE, cx = rand() * SIDE, r = 20 + rand() * 120;
    for (let y = Math.max(0, Math.floor(cy - r)); y < Math.min(SIDE, cy + r); y++)
      for (let x = Math.max(0, Math.floor(cx - r)); x < Math.min(SIDE, cx + r); x++)
        if ((y - cy) ** 2 + (x - cx) ** 2 <= r * r) labels[y * SIDE + x] = c;
  }
  const probs = new Float32Array(classes * n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    const logits = new Array<number>(classes);
    for (let c = 0; c < classes; c++) {
      logits[c] = (c === labels[(i + SIDE * 3) % n] ? 2.5 : 0) + 2 * rand();
      sum += Math.exp(logits[c]);
    }
    for (let c = 0; c < classes; c++) probs[c * n + i] = Math.exp(logits[c]) / sum;
  }
  return { labels, probs };
}

function compare(got: EvaluationResult, want: EvaluationResult): string[] {
  const problems: string[] = [];
  const same = (a: number, b: number) => (Number.isFinite(a) || Number.isFinite(b) ? agrees(a, b) : Object.is(a, b));
  for (const [id, value] of Object.entries(want.losses)) if (!same(got.losses[id as keyof typeof got.losses]!, value!)) problems.push(`${id}: ${got.losses[id as keyof typeof got.losses]} vs ${value}`);
  for (const entry of want.perClass) {
    const mine = got.perClass.find((e) => e.class === entry.class)!;
    for (const [key, value] of Object.entries(entry)) if (key !== 'class' && !same(mine[key], value)) problems.push(`class ${entry.class} ${key}: ${mine[key]} vs ${value}`);
  }
  got.metrics.perClass.forEach((e, c) => {
    for (const key of ['tp', 'fp', 'fn'] as const) if (e[key] !== want.metrics.perClass[c][key]) problems.push(`metrics class ${c} ${key}`);
  });
  return problems;
}

describe('float32 backends agree with the float64 reference on 1024x1024 inputs (golden tolerance)', async () => {
  const three = scene(3, 11);
  const n = SIDE * SIDE;
  const binaryProb: NdArray = { data: three.probs.slice(n, 2 * n).map((p, i) => (p + three.probs[2 * n + i])), shape: [SIDE, SIDE], integer: false, dtype: 'float32' };
  const binaryGt: NdArray = { data: three.labels.map((v) => (v > 0 ? 1 : 0)), shape: [SIDE, SIDE], integer: true, dtype: 'uint8' };
  const multiProb: NdArray = { data: three.probs, shape: [3, SIDE, SIDE], integer: false, dtype: 'float32' };
  const multiGt: NdArray = { data: three.labels, shape: [SIDE, SIDE], integer: true, dtype: 'uint8' };
  const cases: [string, NdArray, NdArray, EvaluateOptions][] = [
    ['binary probabilities', binaryProb, binaryGt, {}],
    ['3-class softmax', multiProb, multiGt, {}],
  ];
  const expected = new Map<string, EvaluationResult>();
  for (const [name, pred, gt, options] of cases) expected.set(name, await evaluate(pred, gt, options));

  for (const { name: backend, skip } of (await backendsUnderTest()).filter((b) => b.name !== 'reference')) {
    for (const [name, pred, gt, options] of cases) {
      it(`${backend} · ${name}`, { skip }, async () => {
        const got = await evaluate(pred, gt, options, {}, await backendFor(backend));
        assert.equal(got.backend, backend);
        assert.deepEqual(compare(got, expected.get(name)!), []);
      });
    }
  }
});
