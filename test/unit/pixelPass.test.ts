/**
 * The fused per-pixel pass (kernels/pixelPass.ts) against the float64 oracle
 * (kernels/reference/pixelSums.ts): every field the requested sum groups name, and the hard
 * counts always, equal the oracle's to the bit, on binary probabilities and logits and on
 * multi-class probability planes, with ignored pixels, exact 0/1/0.5 values and every focal γ kind.
 * An array of two parts (partBounds) equals the oracle's sum over each part, added in part order;
 * run on two threads it equals the one-thread pass to the bit.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BLOCK } from '../../kernels/blocks.js';
import { configureKernelThreads, helperPartCount } from '../../kernels/helperThread.js';
import { computePixelSumsFused, PART_MIN, partBounds } from '../../kernels/pixelPass.js';
import { computePixelSumsReference } from '../../kernels/reference/pixelSums.js';
import { sumGroupsOf, LOSS_IDS, type SumGroup } from '../../kernels/registry.js';
import type { PixelSums, PreparedPair } from '../../kernels/types.js';
import { rng } from '../fixtures/random.js';

const GROUP_FIELDS: Record<SumGroup, (keyof PixelSums)[]> = {
  overlap: ['sumP', 'tp'],
  logs: ['ce'],
  oneVsRest: ['bce'],
  focal: ['focal'],
};
const HARD_FIELDS: (keyof PixelSums)[] = ['n', 'count', 'hardTp', 'hardFp', 'hardFn', 'correct'];

function bitwiseEqual(actual: PixelSums, expected: PixelSums, fields: (keyof PixelSums)[], what: string): void {
  for (const f of fields) {
    const a = actual[f], e = expected[f];
    if (typeof a === 'number') {
      assert.ok(Object.is(a, e), `${what}: ${f} ${a} vs the oracle's ${e}`);
      continue;
    }
    const av = Array.from(a as Float64Array), ev = Array.from(e as Float64Array);
    assert.equal(av.length, ev.length, `${what}: ${f} length`);
    av.forEach((x, c) => assert.ok(Object.is(x, ev[c]), `${what}: ${f}[${c}] ${x} vs the oracle's ${ev[c]}`));
  }
}

/** Values drawn so that exact 0, 1, the 0.5 threshold and ties between channels occur. */
const value = fc.oneof(fc.constantFrom(0, 1, 0.5, 0.25), fc.double({ min: 0, max: 1, noNaN: true }));
const logit = fc.oneof(fc.constantFrom(0, -40, 40), fc.double({ min: -30, max: 30, noNaN: true }));
const gammaArb = fc.constantFrom(0, 0.5, 1, 2, 3.7);
const groupsArb = fc.subarray(['overlap', 'logs', 'oneVsRest', 'focal'] as SumGroup[]);

/** The pixels [from, to) of a pair as a pair of their own. */
function slicePair(pair: PreparedPair, from: number, to: number): PreparedPair {
  const n = to - from;
  const { pred } = pair;
  let sliced: PreparedPair['pred'];
  if (pred.kind === 'binary') sliced = { ...pred, values: pred.values.slice(from, to) };
  else if (pred.kind === 'channels') {
    const values = new (pred.values.constructor as Float64ArrayConstructor)(pair.classes * n);
    for (let c = 0; c < pair.classes; c++) values.set(pred.values.subarray(c * pair.size + from, c * pair.size + to), c * n);
    sliced = { ...pred, values };
  } else throw new Error('label maps do not reach the fused pass');
  return { ...pair, shape: [n], size: n, pred: sliced, target: pair.target.slice(from, to) };
}

/** The oracle's sums over each part of partBounds, added in part order (the hard counts: the whole's). */
function oracleByParts(pair: PreparedPair, gamma: number): PixelSums {
  const bounds = partBounds(pair.size);
  const whole = computePixelSumsReference(pair, gamma);
  if (bounds.length === 2) return whole;
  const parts = bounds.slice(1).map((to, k) => computePixelSumsReference(slicePair(pair, bounds[k], to), gamma));
  for (const f of ['sumP', 'tp', 'ce', 'bce', 'focal'] as const) {
    whole[f].set(parts[0][f]);
    for (const part of parts.slice(1)) part[f].forEach((v, c) => (whole[f][c] += v));
  }
  return whole;
}

function check(pair: PreparedPair, gamma: number, groups: SumGroup[], what: string): PixelSums {
  const fused = computePixelSumsFused(pair, gamma, new Set(groups));
  const oracle = oracleByParts(pair, gamma);
  const fields = [...HARD_FIELDS, ...groups.flatMap((g) => (pair.binary && g === 'oneVsRest' ? [] : GROUP_FIELDS[g]))];
  // a binary pair's BCE is its cross entropy
  if (pair.binary && groups.includes('logs')) fields.push('bce');
  bitwiseEqual(fused, oracle, fields, what);
  return fused;
}

describe('the fused per-pixel pass equals the float64 oracle to the bit', () => {
  it('binary probabilities and logits, with ignored pixels', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ y: fc.constantFrom(-1, 0, 1, 1), p: value, z: logit }), { minLength: 1, maxLength: 300 }),
        gammaArb,
        groupsArb,
        fc.boolean(),
        (pixels, gamma, groups, float32) => {
          const N = pixels.length;
          const target = Int32Array.from(pixels, (p) => p.y);
          for (const logits of [false, true]) {
            const raw = pixels.map((p) => (logits ? p.z : p.p));
            const values = float32 ? Float32Array.from(raw) : Float64Array.from(raw);
            const pair: PreparedPair = { binary: true, classes: 2, shape: [N], size: N, spacing: [1], pred: { kind: 'binary', values, logits }, target, ignoreIndex: -1 };
            check(pair, gamma, groups, `binary ${logits ? 'logits' : 'probabilities'} γ=${gamma} [${groups}]`);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('multi-class probability planes, with ignored pixels and ties', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 7 }).chain((C) =>
          fc.record({
            C: fc.constant(C),
            target: fc.array(fc.integer({ min: -1, max: C - 1 }), { minLength: 1, maxLength: 120 }),
            seed: fc.array(value, { minLength: C * 120, maxLength: C * 120 }),
          }),
        ),
        gammaArb,
        groupsArb,
        fc.boolean(),
        ({ C, target: t, seed }, gamma, groups, float32) => {
          const N = t.length;
          const raw = seed.slice(0, C * N);
          const values = float32 ? Float32Array.from(raw) : Float64Array.from(raw);
          const pair: PreparedPair = { binary: false, classes: C, shape: [N], size: N, spacing: [1], pred: { kind: 'channels', values, logits: false }, target: Int32Array.from(t), ignoreIndex: -1 };
          check(pair, gamma, groups, `${C} classes γ=${gamma} [${groups}]`);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('across block boundaries: arrays of several blocks (kernels/blocks.ts) sum as one loop does', () => {
    const random = rng(7);
    const N = 2 * BLOCK + 12345;
    const target = Int32Array.from({ length: N }, () => (random() < 0.02 ? -1 : random() < 0.3 ? 1 : 0));
    const all: SumGroup[] = ['overlap', 'logs', 'oneVsRest', 'focal'];
    for (const logits of [false, true]) {
      const values = Float32Array.from({ length: N }, () => (logits ? 8 * (random() - 0.5) : random()));
      check({ binary: true, classes: 2, shape: [N], size: N, spacing: [1], pred: { kind: 'binary', values, logits }, target, ignoreIndex: -1 }, 2, all, `binary, ${N} pixels`);
    }
    const C = 3;
    const labels = Int32Array.from(target, (y) => (y < 0 ? -1 : Math.floor(random() * C)));
    const planes = Float64Array.from({ length: C * N }, () => random());
    check({ binary: false, classes: C, shape: [N], size: N, spacing: [1], pred: { kind: 'channels', values: planes, logits: false }, target: labels, ignoreIndex: -1 }, 2, all, `${C} classes, ${N} pixels`);
  });

  it('arrays of two parts: each part sums as the oracle does over it, on one thread and on two', () => {
    const random = rng(11);
    const all: SumGroup[] = ['overlap', 'logs', 'oneVsRest', 'focal'];
    const cases: [string, PreparedPair][] = [];
    for (const N of [PART_MIN, PART_MIN + 3 * BLOCK + 4321]) {
      const target = Int32Array.from({ length: N }, () => (random() < 0.02 ? -1 : random() < 0.3 ? 1 : 0));
      for (const logits of [false, true]) {
        const values = Float32Array.from({ length: N }, () => (logits ? 8 * (random() - 0.5) : random()));
        cases.push([`binary ${logits ? 'logits' : 'probabilities'}, ${N} pixels`, { binary: true, classes: 2, shape: [N], size: N, spacing: [1], pred: { kind: 'binary', values, logits }, target, ignoreIndex: -1 }]);
      }
      const C = 3;
      const labels = Int32Array.from(target, (y) => (y < 0 ? -1 : Math.floor(random() * C)));
      const planes = Float32Array.from({ length: C * N }, () => random());
      cases.push([`${C} classes, ${N} pixels`, { binary: false, classes: C, shape: [N], size: N, spacing: [1], pred: { kind: 'channels', values: planes, logits: false }, target: labels, ignoreIndex: -1 }]);
    }
    const before = configureKernelThreads(1);
    try {
      for (const [what, pair] of cases) {
        assert.equal(partBounds(pair.size).length, 3, `${what}: two parts`);
        for (const groups of [all, ['overlap'], ['logs'], ['focal'], []] as SumGroup[][]) {
          configureKernelThreads(1);
          const one = check(pair, 2, groups, `${what} [${groups}], one thread`);
          configureKernelThreads(2, 1);
          const helped = helperPartCount();
          const two = check(pair, 2, groups, `${what} [${groups}], two threads`);
          // only the passes with logs go to the helper (kernels/pixelPass.ts runParts)
          const withLogs = groups.some((g) => g !== 'overlap');
          assert.equal(helperPartCount(), helped + (withLogs ? 1 : 0), `${what} [${groups}]: the helper thread summed the first part`);
          bitwiseEqual(two, one, Object.keys(one) as (keyof PixelSums)[], `${what} [${groups}], two threads against one`);
        }
      }
    } finally {
      configureKernelThreads(before.threads, before.minSize);
    }
  });

  it('every loss names the sums it reads: the overlap losses Σp, the cross entropies their logs, focal its own', () => {
    const groups = (id: (typeof LOSS_IDS)[number]) => [...sumGroupsOf([id])].sort();
    assert.deepEqual(groups('dice'), ['overlap']);
    assert.deepEqual(groups('cce'), ['logs']);
    assert.deepEqual(groups('bce'), ['logs', 'oneVsRest']);
    assert.deepEqual(groups('bce_dice'), ['logs', 'overlap']);
    assert.deepEqual(groups('focal'), ['focal']);
    for (const id of ['hausdorff', 'hd95', 'assd', 'nsd', 'boundary', 'surface', 'hausdorff_dt', 'lovasz'] as const) assert.deepEqual(groups(id), [], id);
  });
});
