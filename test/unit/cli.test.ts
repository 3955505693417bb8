import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeNifti, encodeNpy, encodePng } from '../fixtures/encode.js';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');
let dir = '';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function file(name: string, bytes: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** A user error: exit 2 and one line on stderr naming the file and the problem, never a stack trace. */
function assertUserError(r: ReturnType<typeof cli>, ...mustMention: (string | RegExp)[]) {
  assert.equal(r.code, 2, `exit status (stderr: ${r.stderr})`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  for (const m of mustMention) {
    if (typeof m === 'string') assert.ok(r.stderr.includes(m), `stderr mentions ${m}: ${r.stderr}`);
    else assert.match(r.stderr, m);
  }
}

const H = 8, W = 10;
const blob = () => {
  const t = new Uint8Array(H * W);
  for (let y = 2; y < 6; y++) for (let x = 3; x < 8; x++) t[y * W + x] = 1;
  return t;
};

describe('segscope evaluate: good input', () => {
  before(() => { dir = mkdtempSync(join(tmpdir(), 'segscope-cli-')); });

  it('prints tables by default and a JSON document with --json', () => {
    const gt = file('gt.png', encodePng(blob().map((v) => v * 255), [H, W]));
    const pred = file('pred.npy', encodeNpy(Float32Array.from(blob(), (v) => (v ? 0.8 : 0.1)), [H, W]));
    const table = cli('evaluate', pred, gt);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /dice\s*│?\s*Dice loss/);
    assert.match(table.stdout, /Hard-mask metrics/);
    const json = cli('evaluate', pred, gt, '--json', '--losses', 'dice,hausdorff', '--backend', 'reference');
    assert.equal(json.code, 0, json.stderr);
    const doc = JSON.parse(json.stdout);
    assert.deepEqual(Object.keys(doc.losses), ['dice', 'hausdorff']);
    assert.equal(doc.binary, true);
    assert.equal(doc.losses.hausdorff, 0);
    assert.ok(Math.abs(doc.losses.dice - (1 - (2 * 0.8 * 20 + 1e-5) / (0.8 * 20 + 0.1 * 60 + 20 + 1e-5))) < 1e-6);
  });

  it('warns about a 0/255 map beside a 0/1 map, under the table too', () => {
    const gt = file('gt255.png', encodePng(blob().map((v) => v * 255), [H, W]));
    const pred = file('pred01.png', encodePng(blob(), [H, W]));
    const r = cli('evaluate', pred, gt);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /warning: .*0\/255 map beside a 0\/1 map/);
    const doc = JSON.parse(cli('evaluate', pred, gt, '--json').stdout);
    assert.ok(doc.warnings.some((w: string) => w.includes('0/255 map beside a 0/1 map')));
  });
});

describe('segscope evaluate: bad input exits 2 with one line naming the file and the problem', () => {
  let gt = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'segscope-cli-'));
    gt = file('gt.npy', encodeNpy(blob(), [H, W]));
  });

  it('truncated file', () => {
    const full = encodeNpy(new Float32Array(H * W).fill(0.5), [H, W]);
    const pred = file('truncated.npy', full.subarray(0, full.length - 40));
    assertUserError(cli('evaluate', pred, gt), 'truncated.npy', /truncated/i);
  });

  it('header that lies about its size (NIfTI dims larger than the data)', () => {
    const bytes = encodeNifti(new Float32Array(H * W).fill(0.5), [H, W]);
    const view = new DataView(bytes.buffer);
    view.setInt16(42, W * 4, true); // dim[1]: four times the real width
    const pred = file('lying.nii', bytes);
    assertUserError(cli('evaluate', pred, gt), 'lying.nii', /truncated|bytes/i);
  });

  it('unsupported dtype', () => {
    const bytes = encodeNpy(new Float32Array(H * W * 2), [H, W], { dtype: '<f4' });
    const text = new TextDecoder().decode(bytes.subarray(10, 80)).replace("'<f4'", "'<c8'");
    bytes.set(new TextEncoder().encode(text), 10);
    const pred = file('complex.npy', bytes);
    assertUserError(cli('evaluate', pred, gt), 'complex.npy', /unsupported dtype/i);
  });

  it('dimensions over the limit, refused before allocating', () => {
    const bytes = encodeNpy(new Float32Array(4), [2, 2]);
    const text = new TextDecoder().decode(bytes.subarray(10, 80)).replace('(2, 2)', '(200000, 200000)');
    bytes.set(new TextEncoder().encode(text), 10);
    const pred = file('huge-dims.npy', bytes);
    const r = cli('evaluate', pred, gt);
    assertUserError(r, 'huge-dims.npy', /limit/i);
  });

  it('file larger than --max-file-mb, refused before reading', () => {
    const pred = file('big.npy', encodeNpy(new Float32Array(64 * 1024).fill(0.5), [256, 256]));
    assertUserError(cli('evaluate', pred, gt, '--max-file-mb', '0.1'), 'big.npy', /MiB|MB|larger|exceeds|limit/i);
  });

  it('NaN in the prediction', () => {
    const p = new Float32Array(H * W).fill(0.3);
    p[17] = NaN;
    assertUserError(cli('evaluate', file('nan.npy', encodeNpy(p, [H, W])), gt), 'nan.npy', 'NaN', 'index 17');
  });

  it('Inf in a logit prediction', () => {
    const p = new Float32Array(H * W).fill(-2);
    p[3] = Infinity;
    assertUserError(cli('evaluate', file('inf.npy', encodeNpy(p, [H, W])), gt, '--from-logits'), 'inf.npy', 'Infinity');
  });

  it('label outside [0, classes) that is not the ignore index', () => {
    const labels = blob();
    labels[5] = 7;
    const badGt = file('labels7.npy', encodeNpy(labels, [H, W]));
    const pred = file('prob3.npy', encodeNpy(new Float32Array(3 * H * W).fill(1 / 3), [3, H, W]));
    assertUserError(cli('evaluate', pred, badGt), 'labels7.npy', 'label 7', '[0, 3)');
  });

  it('shape mismatch names both shapes', () => {
    const pred = file('small.npy', encodeNpy(new Float32Array(4 * 4).fill(0.5), [4, 4]));
    assertUserError(cli('evaluate', pred, gt), 'small.npy', '[4, 4]', `[${H}, ${W}]`);
  });

  it('unknown format', () => {
    assertUserError(cli('evaluate', file('mask.txt', 'hello'), gt), 'mask.txt', /unknown format/i);
  });

  it('corrupt PNG', () => {
    const png = encodePng(blob(), [H, W]);
    png.fill(7, 40, 60);
    assertUserError(cli('evaluate', file('corrupt.png', png), gt), 'corrupt.png');
  });

  it('missing file', () => {
    assertUserError(cli('evaluate', join(dir, 'nope.npy'), gt), 'nope.npy');
  });

  it('unknown option and unknown loss', () => {
    const pred = file('ok.npy', encodeNpy(new Float32Array(H * W).fill(0.5), [H, W]));
    assertUserError(cli('evaluate', pred, gt, '--bogus'), '--bogus');
    assertUserError(cli('evaluate', pred, gt, '--losses', 'dice,nope'), 'nope');
  });

  it('a one-channel prediction against a multi-label ground truth', () => {
    const labels = blob();
    labels[0] = 2;
    const pred = file('one.npy', encodeNpy(new Float32Array(H * W).fill(0.5), [H, W]));
    assertUserError(cli('evaluate', pred, file('three.npy', encodeNpy(labels, [H, W]))), 'three.npy', /binary ground truth/);
  });

  it('NIfTI pairs with a flipped axis, permuted axes or other spacing are refused, naming the difference', () => {
    const D = 3;
    const vol = new Uint8Array(D * H * W);
    vol[40] = 1;
    const spacing = [2.5, 0.8, 0.8];
    const base = [[0.8, 0, 0, 0], [0, 0.8, 0, 0], [0, 0, 2.5, 0], [0, 0, 0, 1]];
    const gtNii = file('gt.nii.gz', encodeNifti(vol, [D, H, W], { spacing, affine: base, gzip: true }));
    const flipped = base.map((row) => row.slice());
    flipped[0][0] = -0.8;
    const flippedNii = file('flipped.nii.gz', encodeNifti(vol, [D, H, W], { spacing, affine: flipped, gzip: true }));
    assertUserError(cli('evaluate', flippedNii, gtNii), 'flipped.nii.gz', /flip/i);
    const permuted = [[0, 0.8, 0, 0], [0.8, 0, 0, 0], [0, 0, 2.5, 0], [0, 0, 0, 1]];
    const permutedNii = file('permuted.nii.gz', encodeNifti(vol, [D, H, W], { spacing, affine: permuted, gzip: true }));
    assertUserError(cli('evaluate', permutedNii, gtNii), 'permuted.nii.gz', /permut|swap/i);
    const other = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
    const otherNii = file('spacing.nii.gz', encodeNifti(vol, [D, H, W], { spacing: [1, 1, 1], affine: other, gzip: true }));
    assertUserError(cli('evaluate', otherNii, gtNii), 'spacing.nii.gz', /spacing/i);
  });

  it('an unavailable backend is a clear error', () => {
    const pred = file('ok2.npy', encodeNpy(new Float32Array(H * W).fill(0.5), [H, W]));
    assertUserError(cli('evaluate', pred, gt, '--backend', 'webgpu'), 'webgpu');
  });
});
