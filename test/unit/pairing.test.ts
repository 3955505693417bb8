import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  caseKey,
  findPartner,
  isMaskFile,
  maskExtension,
  npyHeaderIsFloat,
  orderPair,
  roleOf,
  words,
} from '../../extension/pairing.js';

test('words split names at separators, camelCase and digits', () => {
  assert.deepEqual(words('case01_predMask-v2'), ['case', '01', 'pred', 'mask', 'v', '2']);
  assert.deepEqual(words('labelsTr'), ['labels', 'tr']);
  assert.deepEqual(words('GTLabel'), ['gt', 'label']);
});

test('mask extensions include .nii.gz as one', () => {
  assert.equal(maskExtension('/a/b/liver.nii.gz'), '.nii.gz');
  assert.equal(maskExtension('C:\\x\\a.NPY'), '.npy');
  assert.equal(maskExtension('a.gz'), undefined);
  assert.ok(isMaskFile('x.png') && isMaskFile('x.nii') && !isMaskFile('x.txt'));
});

test('roles from file names', () => {
  for (const p of ['case01_pred.png', 'prediction.npy', 'output_3.nii.gz', 'y_pred.npy', 'seg_probs.npy', 'logits.npy'])
    assert.equal(roleOf(p), 'pred', p);
  for (const p of ['case01_gt.png', 'label.png', 'mask.nii.gz', 'target.npy', 'annotation_7.png', 'ground_truth.png', 'y_true.npy', 'GroundTruth.nii'])
    assert.equal(roleOf(p), 'gt', p);
  assert.equal(roleOf('case01.png'), undefined);
  assert.equal(roleOf('image.png'), undefined);
});

test('roles from folders, nearest folder first', () => {
  assert.equal(roleOf('/data/predictions/case01.png'), 'pred');
  assert.equal(roleOf('/data/labelsTr/case01.nii.gz'), 'gt');
  assert.equal(roleOf('/data/gt/case01.png'), 'gt');
  assert.equal(roleOf('C:\\data\\outputs\\case01.png'), 'pred');
  // the name outweighs the folder
  assert.equal(roleOf('/data/masks/case01_pred.png'), 'pred');
  // the nearer folder outweighs a farther one
  assert.equal(roleOf('/labels/run3/predictions/case01.png'), 'pred');
});

test('orderPair puts the prediction first whatever the selection order', () => {
  for (const [a, b] of [
    ['/w/case_gt.png', '/w/case_pred.png'],
    ['/w/case_pred.png', '/w/case_gt.png'],
  ]) {
    const o = orderPair(a, b);
    assert.equal(o.pred, '/w/case_pred.png');
    assert.equal(o.gt, '/w/case_gt.png');
    assert.ok(o.confident);
    assert.match(o.reason, /pred/);
  }
  const f = orderPair('/w/gt/case.png', '/w/pred/case.png');
  assert.equal(f.pred, '/w/pred/case.png');
  const m = orderPair('/w/mask.png', '/w/output.png');
  assert.equal(m.pred, '/w/output.png');
});

test('a probability map (.npy float) is the prediction next to a label map', () => {
  const o = orderPair('/w/a.png', '/w/b.npy', { float: false }, { float: true });
  assert.equal(o.pred, '/w/b.npy');
  assert.ok(o.confident);
  assert.match(o.reason, /floating-point/);
  // names still win over content
  const n = orderPair('/w/x_gt.npy', '/w/x_pred.npy', { float: true }, { float: false });
  assert.equal(n.pred, '/w/x_pred.npy');
});

test('orderPair keeps the given order when nothing tells the files apart', () => {
  const o = orderPair('/w/a.png', '/w/b.png');
  assert.deepEqual([o.pred, o.gt, o.confident], ['/w/a.png', '/w/b.png', false]);
});

test('caseKey drops role words', () => {
  assert.equal(caseKey('/w/case01_pred.png'), 'case_01');
  assert.equal(caseKey('/w/gt/case01.nii.gz'), 'case_01');
  assert.equal(caseKey('/w/y_true.npy'), '');
  assert.equal(caseKey('/w/liver_ground_truth.nii'), 'liver');
});

test('findPartner: name suffixes in one folder', () => {
  const files = ['/w/a_pred.png', '/w/a_gt.png', '/w/b_pred.png', '/w/b_gt.png', '/w/readme.txt'];
  assert.equal(findPartner('/w/a_pred.png', files).unique, '/w/a_gt.png');
  assert.equal(findPartner('/w/b_gt.png', files).unique, '/w/b_pred.png');
});

test('findPartner: sibling pred/gt folders, any mask format', () => {
  const files = ['/w/pred/case1.npy', '/w/pred/case2.npy', '/w/labels/case1.png', '/w/labels/case2.png'];
  assert.equal(findPartner('/w/pred/case2.npy', files).unique, '/w/labels/case2.png');
  assert.equal(findPartner('/w/labels/case1.png', files).unique, '/w/pred/case1.npy');
});

test('findPartner: never pairs two predictions', () => {
  const files = ['/w/a_pred.png', '/w/a_output.png'];
  const r = findPartner('/w/a_pred.png', files);
  assert.equal(r.unique, undefined);
  assert.equal(r.candidates.length, 0);
});

test('findPartner: ambiguous candidates go to a quick pick, best first', () => {
  const files = ['/w/x/case_pred.png', '/w/x/case_gt.png', '/w/x/case_label.png'];
  const r = findPartner('/w/x/case_pred.png', files);
  assert.equal(r.unique, undefined);
  assert.deepEqual(r.candidates.map((c) => c.path).sort(), ['/w/x/case_gt.png', '/w/x/case_label.png']);
});

test('findPartner: no evidence, no unique partner', () => {
  const r = findPartner('/w/a.png', ['/w/a.png', '/w/b.png', '/w/c.png']);
  assert.equal(r.unique, undefined);
});

test('findPartner: y_pred / y_true beside each other', () => {
  const r = findPartner('/w/run/y_pred.npy', ['/w/run/y_pred.npy', '/w/run/y_true.npy', '/w/other/z.png']);
  assert.equal(r.unique, '/w/run/y_true.npy');
});

function npyHeader(descr: string): Uint8Array {
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (4, 4), }`;
  const pad = 64 - ((10 + dict.length + 1) % 64);
  const header = dict + ' '.repeat(pad) + '\n';
  const bytes = new Uint8Array(10 + header.length);
  bytes.set([0x93, ...Buffer.from('NUMPY'), 1, 0, header.length & 255, header.length >> 8]);
  bytes.set(Buffer.from(header, 'latin1'), 10);
  return bytes;
}

test('npyHeaderIsFloat reads the dtype', () => {
  assert.equal(npyHeaderIsFloat(npyHeader('<f4')), true);
  assert.equal(npyHeaderIsFloat(npyHeader('<f8')), true);
  assert.equal(npyHeaderIsFloat(npyHeader('|u1')), false);
  assert.equal(npyHeaderIsFloat(npyHeader('<i8')), false);
  assert.equal(npyHeaderIsFloat(npyHeader('|b1')), false);
  assert.equal(npyHeaderIsFloat(new Uint8Array([1, 2, 3])), undefined);
});
