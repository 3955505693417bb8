import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { MaskInputError, type DecodedMask } from '../../formats/types.js';
import { decodeNifti } from '../../formats/nifti.js';
import { decodeNpy } from '../../formats/npy.js';
import { checkNiftiGeometry, niftiGeometryDifferences } from '../../formats/geometry.js';
import { encodeNifti, encodeNpy, type NiftiEncodeOptions } from '../fixtures/encode.js';

const SHAPE = [4, 5, 6]; // [D, H, W]
const AFFINE = [
  [0.8, 0, 0, -10],
  [0, 0.8, 0, 20],
  [0, 0, 2.5, 30],
  [0, 0, 0, 1],
];

function nifti(path: string, opts: NiftiEncodeOptions = {}, shape = SHAPE): DecodedMask {
  return decodeNifti(encodeNifti(new Uint8Array(shape.reduce((a, b) => a * b)), shape, { spacing: [2.5, 0.8, 0.8], affine: AFFINE, ...opts }), path);
}

function withAffine(m: DecodedMask, affine: number[][], spacing = m.spacing): DecodedMask {
  return { ...m, affine, spacing };
}

function refused(pred: DecodedMask, gt: DecodedMask, pattern: RegExp): void {
  assert.throws(
    () => checkNiftiGeometry(pred, gt),
    (e: unknown) => {
      assert.ok(e instanceof MaskInputError);
      assert.equal(e.file, pred.path);
      assert.match(e.message, /does not share the voxel grid of gt\.nii/);
      assert.match(e.message, pattern);
      return true;
    },
  );
}

describe('NIfTI geometry check', () => {
  const gt = nifti('gt.nii');

  test('an identical pair passes', () => {
    const pred = nifti('pred.nii', { gzip: true });
    assert.deepEqual(niftiGeometryDifferences(pred, gt), []);
    checkNiftiGeometry(pred, gt);
  });

  test('float32 noise well inside the tolerance passes', () => {
    const a = AFFINE.map((r) => r.map((x) => x * (1 + 1e-7)));
    const pred = nifti('pred.nii', { affine: a, version: 2 });
    assert.deepEqual(niftiGeometryDifferences(pred, gt), []);
  });

  test('a flipped x axis is named with both affine columns', () => {
    const flipped = AFFINE.map((r, i) => (i === 0 ? [-0.8, 0, 0, -10 + 0.8 * 5] : r));
    const pred = nifti('pred.nii', { affine: flipped });
    const diffs = niftiGeometryDifferences(pred, gt);
    assert.ok(diffs.includes('x axis is flipped (pred affine column 0 = -0.8 vs gt 0.8)'), diffs.join(' | '));
    assert.ok(diffs.some((d) => /^origin differs by 4 mm/.test(d)), diffs.join(' | '));
    refused(pred, gt, /x axis is flipped/);
  });

  test('permuted axes are named', () => {
    const swapped = [
      [0, 0.8, 0, -10],
      [0.8, 0, 0, 20],
      [0, 0, 2.5, 30],
      [0, 0, 0, 1],
    ];
    const pred = nifti('pred.nii', { affine: swapped });
    const diffs = niftiGeometryDifferences(pred, gt);
    assert.equal(diffs.length, 1, diffs.join(' | '));
    assert.match(diffs[0], /^axes permuted: pred's x,y,z voxel axes run along gt's y,x,z axes/);
    refused(pred, gt, /axes permuted/);
  });

  test('different spacing is named in (x, y, z) order', () => {
    const pred = nifti('pred.nii', { spacing: [1, 1, 1], affine: undefined });
    const ref = nifti('gt.nii', { affine: undefined });
    const diffs = niftiGeometryDifferences(ref, pred);
    assert.ok(diffs.includes('spacing differs: pred 0.8x0.8x2.5 vs gt 1x1x1 (x,y,z)'), diffs.join(' | '));
    refused(pred, ref, /spacing differs: pred 1x1x1 vs gt 0.8x0.8x2.5/);
  });

  test('a shifted origin is named with its distance', () => {
    const moved = AFFINE.map((r, i) => (i === 2 ? [0, 0, 2.5, 42.5] : r));
    const pred = nifti('pred.nii', { affine: moved });
    assert.deepEqual(niftiGeometryDifferences(pred, gt), ['origin differs by 12.5 mm (pred (-10, 20, 42.5) vs gt (-10, 20, 30))']);
  });

  test('a small rotation is named with its angle', () => {
    const c = Math.cos(0.05);
    const s = Math.sin(0.05);
    const rotated = [
      [0.8 * c, -0.8 * s, 0, -10],
      [0.8 * s, 0.8 * c, 0, 20],
      [0, 0, 2.5, 30],
      [0, 0, 0, 1],
    ];
    const diffs = niftiGeometryDifferences(withAffine(gt, rotated), gt);
    assert.equal(diffs.length, 2, diffs.join(' | '));
    assert.match(diffs[0], /^x axis direction differs by 2\.86\d* degrees/);
    assert.match(diffs[1], /^y axis direction differs by 2\.86\d* degrees/);
  });

  test('a different grid is named', () => {
    const pred = nifti('pred.nii', {}, [3, 5, 6]);
    assert.deepEqual(niftiGeometryDifferences(pred, gt), ['grid differs: pred 6x5x3 vs gt 6x5x4 voxels (x,y,z)']);
  });

  test('a channel-first prediction is compared on its spatial axes', () => {
    const probs = nifti('pred.nii', {}, [3, ...SHAPE]);
    assert.deepEqual(probs.shape, [3, 4, 5, 6]);
    assert.deepEqual(niftiGeometryDifferences(probs, gt), []);
  });

  test('nothing to check when only one side is NIfTI', () => {
    const npy = decodeNpy(encodeNpy(new Uint8Array(120), SHAPE), 'pred.npy');
    assert.deepEqual(niftiGeometryDifferences(npy, gt), []);
    assert.deepEqual(niftiGeometryDifferences(gt, npy), []);
    checkNiftiGeometry(npy, gt);
  });
});
