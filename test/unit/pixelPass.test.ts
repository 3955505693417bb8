/**
 * The fused per-pixel pass (kernels/pixelPass.ts) against the float64 oracle
 * (kernels/reference/pixelSums.ts): every field the requested sum groups name, and the hard
 * counts always, equal the oracle's to the bit, on binary probabilities and logits and on
 * multi-class probability planes, with ignored pixels, exact 0/1/0.5 values and every focal γ kind.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BLOCK } from '../../kernels/blocks.js';
import { computePixelSumsFused } from '../../kernels/pixelPass.js';
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

function check(pair: PreparedPair, gamma: number, groups: SumGroup[], what: string): void {
  const fused = computePixelSumsFused(pair, gamma, new Set(groups));
  const oracle = computePixelSumsReference(pair, gamma);
  const fields = [...HARD_FIELDS, ...groups.flatMap((g) => (pair.binary && g === 'oneVsRest' ? [] : GROUP_FIELDS[g]))];
  // a binary pair's BCE is its cross entropy
  if (pair.binary && groups.includes('logs')) fields.push('bce');
  bitwiseEqual(fused, oracle, fields, what);
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
