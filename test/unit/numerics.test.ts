/** kernels/numerics.ts: clampProb writes EPS out as a literal for speed; these tie the two. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clampProb, EPS } from '../../kernels/numerics.js';

describe('clampProb', () => {
  it('clamps to [EPS, 1 − EPS] and passes everything between through', () => {
    assert.equal(clampProb(0), EPS);
    assert.equal(clampProb(-0), EPS);
    assert.equal(clampProb(EPS / 2), EPS);
    assert.equal(clampProb(1), 1 - EPS);
    assert.equal(clampProb(1 - EPS / 2), 1 - EPS);
    for (const v of [EPS, 1 - EPS, 0.5, 1e-3, 0.999]) assert.equal(clampProb(v), v);
    // the neighbours of the bounds: the literal and EPS are the same double
    assert.equal(clampProb(EPS * (1 - Number.EPSILON)), EPS);
    assert.equal(clampProb(EPS * (1 + Number.EPSILON)), EPS * (1 + Number.EPSILON));
    assert.ok(Number.isNaN(clampProb(Number.NaN)));
  });
});
