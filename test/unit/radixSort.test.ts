import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RADIX_SORT_MIN_LENGTH, sortNonNegativeFloat64 } from '../../kernels/radixSort.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/** Element-wise identity, by bit pattern, so +0 / -0 and NaN are told apart too. */
function assertSameBits(actual: Float64Array, expected: Float64Array, label: string) {
  assert.equal(actual.length, expected.length, `${label}: length`);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, 2 * actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, 2 * expected.length);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== e[i]) assert.fail(`${label}: element ${i >> 1} is ${actual[i >> 1]}, the built-in sort gives ${expected[i >> 1]}`);
  }
}

/** Sorts a copy with the radix sort (with and without a scratch buffer) and with the built-in sort. */
function check(values: Float64Array, label: string) {
  const expected = values.slice().sort();
  const a = values.slice();
  assert.equal(sortNonNegativeFloat64(a), a, `${label}: returns its argument`);
  assertSameBits(a, expected, `${label} (own scratch)`);
  const b = values.slice();
  const scratch = new Float64Array(values.length + 3);
  assert.equal(sortNonNegativeFloat64(b, scratch), b);
  assertSameBits(b, expected, `${label} (given scratch)`);
}

const fill = (n: number, f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => f(i));

describe('sortNonNegativeFloat64', () => {
  it('sorts random arrays of many sizes exactly as the built-in sort', () => {
    const rand = rng(1);
    const sizes = [0, 1, 2, 255, 256, RADIX_SORT_MIN_LENGTH - 1, RADIX_SORT_MIN_LENGTH, RADIX_SORT_MIN_LENGTH + 1, 1000, 10_000, 300_000];
    for (const n of sizes) {
      check(fill(n, () => rand()), `uniform n=${n}`);
      check(fill(n, () => rand() * rand()), `product n=${n}`);
    }
  });

  it('keeps ties, zeros and values spanning every exponent in order', () => {
    const rand = rng(2);
    const special = [0, 5e-324, 1e-323, 2.2250738585072014e-308, 2.225073858507201e-308, Number.MIN_VALUE * 12345, 1e-300, 1, 1 + Number.EPSILON, 1e300, Number.MAX_VALUE];
    for (const n of [300, 5000, 100_000]) {
      check(fill(n, () => Math.floor(rand() * 7) / 4), `few distinct values n=${n}`);
      check(fill(n, () => (rand() < 0.3 ? 0 : rand())), `many zeros n=${n}`);
      check(fill(n, () => 10 ** (rand() * 600 - 300)), `1e-300..1e300 n=${n}`);
      check(fill(n, () => rand() * 1e-310), `subnormals n=${n}`);
      check(fill(n, () => special[Math.floor(rand() * special.length)] * (rand() < 0.5 ? 1 : rand())), `special values n=${n}`);
    }
    check(new Float64Array(4096), 'all zeros');
    check(fill(4096, () => 5e-324), 'all the smallest subnormal');
    check(fill(4096, (i) => 4096 - i), 'descending integers');
    check(fill(4096, (i) => i), 'already sorted');
  });

  it('sorts values in one narrow range, where most passes are skipped', () => {
    const rand = rng(3);
    const n = 50_000;
    check(fill(n, () => 1 + rand() * 2 ** -30), 'one exponent, top mantissa bits constant');
    check(fill(n, () => Math.fround(0.5 + rand() / 2)), 'float32 values in [0.5, 1): low 29 bits zero');
    check(fill(n, () => 1 - Math.fround(rand())), '1 - float32 probability');
    check(fill(n, () => 1024 + Math.floor(rand() * 16)), 'small integers');
    // Differs in exactly one digit: only one pass runs, so the result ends in the scratch buffer.
    check(fill(n, () => 1 + Math.floor(rand() * 2048) * 2 ** -52), 'only the lowest digit varies');
    check(fill(n, () => 1 + Math.floor(rand() * 2048) * 2 ** -41), 'only the second digit varies');
  });

  it('sorts a subarray in place and leaves the rest of its buffer alone', () => {
    const rand = rng(4);
    const whole = fill(12_000, () => rand());
    const before = whole.slice();
    const part = whole.subarray(1000, 11_000);
    const expected = part.slice().sort();
    sortNonNegativeFloat64(part, new Float64Array(20_000).subarray(7, 10_007));
    assertSameBits(part, expected, 'subarray');
    assertSameBits(whole.subarray(0, 1000), before.subarray(0, 1000), 'before the subarray');
    assertSameBits(whole.subarray(11_000), before.subarray(11_000), 'after the subarray');
  });

  it('falls back to the built-in sort, still exact, when a value is negative, -0, infinite or NaN', () => {
    const rand = rng(5);
    for (const odd of [-0, -1, -5e-324, Infinity, NaN]) {
      const values = fill(2000, () => rand());
      values[Math.floor(rand() * 2000)] = odd;
      values[1999] = odd;
      check(values, `with ${Object.is(odd, -0) ? '-0' : odd}`);
    }
  });

  it('refuses a scratch buffer that is too short or overlaps the values', () => {
    const values = fill(1000, (i) => (i * 7919) % 1000);
    assert.throws(() => sortNonNegativeFloat64(values.slice(), new Float64Array(999)), RangeError);
    const shared = new Float64Array(3000);
    shared.set(values);
    assert.throws(() => sortNonNegativeFloat64(shared.subarray(0, 1000), shared.subarray(500, 1500)), RangeError);
    const ok = shared.subarray(0, 1000);
    sortNonNegativeFloat64(ok, shared.subarray(1000, 2000));
    assertSameBits(ok, values.slice().sort(), 'adjacent scratch');
  });

  it('agrees with the built-in sort on arbitrary non-negative doubles (property)', () => {
    const nonNegative = fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }).map((x) => (x === 0 ? 0 : x));
    fc.assert(
      fc.property(fc.array(nonNegative, { minLength: RADIX_SORT_MIN_LENGTH, maxLength: 3000 }), fc.integer({ min: 0, max: 2000 }), (xs, extra) => {
        // Repeat some values, so ties are common.
        const values = Float64Array.from({ length: xs.length + extra }, (_, i) => xs[i % xs.length]);
        const expected = values.slice().sort();
        sortNonNegativeFloat64(values);
        assertSameBits(values, expected, 'property');
      }),
      { numRuns: 60 },
    );
  });
});
