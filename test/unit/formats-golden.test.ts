import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadMaskFile } from '../../engine/loadMaskFile.js';
import { checkNiftiGeometry } from '../../formats/geometry.js';

// The repository's copy of the golden cases (tests run from the repository root), else the shared one.
const GOLDEN = [resolve('test/golden'), '/work/shared/golden'].find((d) => existsSync(join(d, 'README.md')))!;

/** float64 sums of each golden input, computed independently with numpy (and a separate PNG reader). */
const SUMS: Record<string, number> = {
  'bin_focal_off/pred.npy': 449.29655257926356,
  'bin_gt_png01/gt.png': 1162,
  'bin_hard_png/gt.png': 259080,
  'bin_hard_png/pred.png': 249900,
  'bin_logits_64/pred.npy': -19336.289526640438,
  'mc3_ignore255/gt.npy': 72194,
  'mc4_hard_labels_npy/pred.npy': 3590,
  'mc4_logits/gt.npy': 1877,
  'mc4_logits/pred.npy': -68721.41382046184,
  'mc4_png_labels/gt.png': 4214,
  'voc_palette/gt.png': 179794,
  'voc_palette/pred.png': 18386,
  'nii3d_binary/gt.nii.gz': 1885,
  'nii3d_binary/pred.nii.gz': 2027.8290456473896,
  'nii3d_labels/gt.nii.gz': 6370,
  'nii3d_labels/pred.nii.gz': 6261,
};

/** The distinct values of the label-map PNGs (VOC palette indices, not colours; 255 is void). */
const VALUES: Record<string, number[]> = {
  'bin_gt_png01/gt.png': [0, 1],
  'bin_hard_png/gt.png': [0, 255],
  'mc4_png_labels/gt.png': [0, 1, 2, 3],
  'voc_palette/gt.png': [0, 8, 15, 255],
  'voc_palette/pred.png': [0, 8, 15],
};

const cases = readdirSync(GOLDEN, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

describe('golden inputs', () => {
  test('the golden cases are there', () => assert.ok(cases.length >= 30, `${cases.length} cases in ${GOLDEN}`));

  for (const name of cases) {
    test(name, async () => {
      const dir = join(GOLDEN, name);
      const files = readdirSync(dir);
      const spec = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8'));
      const load = (stem: string) => loadMaskFile(join(dir, files.find((f) => f.startsWith(`${stem}.`))!));
      const pred = await load('pred');
      const gt = await load('gt');
      assert.deepEqual(pred.shape, spec.expected.prediction.shape, 'prediction shape');
      assert.deepEqual(gt.shape, spec.expected.target.shape, 'target shape');
      if (name.startsWith('nii3d_')) {
        assert.deepEqual(pred.spacing, spec.expected.spacing, 'prediction spacing');
        assert.deepEqual(gt.spacing, spec.expected.spacing, 'target spacing');
        checkNiftiGeometry(pred, gt);
      }
      for (const m of [pred, gt]) {
        const key = `${name}/${m.path.slice(dir.length + 1)}`;
        assert.equal(m.integer, !(m.data instanceof Float32Array || m.data instanceof Float64Array), key);
        if (key in SUMS) {
          let sum = 0;
          for (let i = 0; i < m.data.length; i++) sum += m.data[i];
          assert.ok(Math.abs(sum - SUMS[key]) <= 1e-9 * Math.abs(SUMS[key]), `${key}: sum ${sum} vs ${SUMS[key]}`);
        }
        if (key in VALUES) assert.deepEqual([...new Set(m.data)].sort((a, b) => a - b), VALUES[key], key);
      }
    });
  }
});
