/**
 * kernels/helperThread.ts as it ships: the helper runs its tasks from their functions' source, so
 * this bundles the kernels as build.mjs does (esbuild, one ESM file) and runs the bundle in a
 * fresh process: the per-pixel pass and the distance transform must use the helper there and
 * give the one-thread results to the bit, and a task that fails on the helper must still be done.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';

const ROOT = resolve(import.meta.dirname, '../..');

const ENTRY = `
import { configureKernelThreads, helperPartCount, helperTask, runSplit } from ${JSON.stringify(join(ROOT, 'kernels/helperThread.ts'))};
import { computePixelSumsFused, PART_MIN } from ${JSON.stringify(join(ROOT, 'kernels/pixelPass.ts'))};
import { squaredDistanceToOtherSide, distanceField } from ${JSON.stringify(join(ROOT, 'kernels/otherSideDistance.ts'))};
const N = PART_MIN + 1000;
let seed = 5;
const rand = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
const target = Int32Array.from({ length: N }, () => (rand() < 0.3 ? 1 : 0));
const values = Float32Array.from({ length: N }, () => rand());
const pair = { binary: true, classes: 2, shape: [512, N / 512], size: N, spacing: [1, 1], pred: { kind: 'binary', values, logits: false }, target, ignoreIndex: -1 };
const C = 3;
const planes = Float32Array.from({ length: C * N }, () => rand());
const labels = Int32Array.from(target, () => Math.floor(rand() * C));
const multi = { ...pair, binary: false, classes: C, pred: { kind: 'channels', values: planes, logits: false }, target: labels };
const groups = new Set(['overlap', 'logs', 'focal', 'oneVsRest']);
const mask = Uint8Array.from(target);
const shape = [512, N / 512];
const helped = { pass: 0, distance: 0 };
const counted = (key, f) => { const before = helperPartCount(); const r = f(); helped[key] += helperPartCount() - before; return r; };
const runAll = () => [
  counted('pass', () => computePixelSumsFused(pair, 2, groups)),
  counted('pass', () => computePixelSumsFused(multi, 2, groups)),
  counted('distance', () => Array.from(squaredDistanceToOtherSide(mask, shape, [1, 1], distanceField(N)))),
];
const text = (v) => JSON.stringify(v, (k, x) => (ArrayBuffer.isView(x) ? Array.from(x) : x));
configureKernelThreads(1);
const one = text(runAll());
configureKernelThreads(2, 1);
const two = text(runAll());
// a task whose source does not run on the helper: its parts are done here
function brokenEntry(args, from, to) { notDefinedAnywhere(); }
const broken = helperTask('test.broken', brokenEntry, []);
const ran = [];
runSplit(broken, {}, 4, (from, to) => ran.push([from, to]));
console.log(JSON.stringify({ same: one === two, helped, ran }));
`;

describe('the helper thread in a bundle', () => {
  it('runs the per-pixel pass and the distance passes, equal to one thread to the bit; a failing task is done here', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'segscope-helper-'));
    try {
      writeFileSync(join(dir, 'entry.ts'), ENTRY);
      await esbuild.build({ entryPoints: [join(dir, 'entry.ts')], outfile: join(dir, 'bundle.mjs'), bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'silent' });
      const out = JSON.parse(execFileSync(process.execPath, [join(dir, 'bundle.mjs')], { encoding: 'utf8', timeout: 120_000 }).trim().split('\n').pop()!);
      assert.equal(out.same, true, 'two threads give the one-thread sums and distances');
      assert.equal(out.helped.pass, 2, 'the first part of each per-pixel pass ran on the helper');
      assert.ok(out.helped.distance > 0, 'half the lines of the distance passes ran on the helper');
      assert.deepEqual(out.ran, [[2, 4], [0, 2]], 'the broken task: its own half, then the helper half here');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
