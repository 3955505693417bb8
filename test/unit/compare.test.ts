import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { comparisonCsv, comparisonDocument, disagreements, naturalCompare, rank, stepOf } from '../../engine/compare.js';
import { describeDisagreement, measureHigherIsBetter } from '../../protocol/comparison.js';
import { compareFiles } from '../../engine/compareFiles.js';
import { evaluateFiles } from '../../engine/session.js';
import { presentResult } from '../../engine/present.js';
import { LOSS_IDS, LOSSES } from '../../kernels/registry.js';
import type { EvaluationJson, RankedMeasure } from '../../protocol/messages.js';
import { writeComparisonFixtures } from '../fixtures/comparison.js';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');

test('steps from file names, natural order', () => {
  assert.equal(stepOf('runs/a/epoch_2.png'), 2);
  assert.equal(stepOf('epoch_10.nii.gz'), 10);
  assert.equal(stepOf('step-1000.npy'), 1000);
  assert.equal(stepOf('ckpt10.png'), 10);
  assert.equal(stepOf('model2_epoch_7_pred.png'), 7, 'the number after the step word, not the first number');
  assert.equal(stepOf('pred_0042.png'), 42, 'no step word: the last number');
  assert.equal(stepOf('run3/prediction.png'), null, 'no number in the file name (folders are not read)');
  assert.equal(stepOf('best.nii.gz'), null);
  const names = ['epoch_10.png', 'epoch_2.png', 'epoch_1.png', 'epoch_20.png'];
  assert.deepEqual([...names].sort(naturalCompare), ['epoch_1.png', 'epoch_2.png', 'epoch_10.png', 'epoch_20.png']);
});

test('ranks: 1 is best, ties share the lower rank, NaN last, direction honoured', () => {
  assert.deepEqual(rank([0.3, 0.1, 0.3, 0.2], false), [3, 1, 3, 2]);
  assert.deepEqual(rank([0.3, 0.1, 0.3, 0.2], true), [1, 4, 1, 3]);
  assert.deepEqual(rank([Infinity, 2, NaN], false), [2, 1, 3]);
  assert.deepEqual(rank([NaN, NaN], true), [1, 1]);
});

test('direction per measure comes from the registry', () => {
  for (const id of LOSS_IDS) assert.equal(measureHigherIsBetter(id), LOSSES[id].better === 'higher', id);
  assert.equal(measureHigherIsBetter('nsd'), true);
  assert.equal(measureHigherIsBetter('dice'), false);
  assert.equal(measureHigherIsBetter('metrics.dice'), true);
  assert.equal(measureHigherIsBetter('metrics.iou'), true);
});

test('the disagreement list names the measures each side wins', () => {
  const values = { dice: [0.1, 0.2, 0.3], hd95: [5, 2, 9], nsd: [0.9, 0.8, 0.1] } as Record<RankedMeasure, number[]>;
  const d = disagreements(values, 3);
  // 0 vs 1: 0 wins dice and nsd, 1 wins hd95; 0 vs 2: 0 wins all; 1 vs 2: 1 wins all
  assert.deepEqual(d, [{ a: 0, b: 1, better_a: ['dice', 'nsd'], better_b: ['hd95'] }]);
  assert.equal(describeDisagreement(d[0], ['A', 'B']), 'A beats B on dice, nsd; B beats A on hd95');
  assert.deepEqual(disagreements({ dice: [0.1, NaN], hd95: [3, 1] } as Record<RankedMeasure, number[]>, 2), [], 'NaN takes no side');
});

describe('compare on files', () => {
  let fx: ReturnType<typeof writeComparisonFixtures>;
  before(() => {
    fx = writeComparisonFixtures(mkdtempSync(join(tmpdir(), 'segscope-compare-')));
  });

  test('the constructed trio: A has the better Dice, B the better HD95', async () => {
    const doc = await compareFiles(fx.gt, fx.trio, { backend: 'reference' });
    assert.equal(doc.predictions.length, 3);
    const [a, b] = doc.predictions.map((p) => p.result);
    assert.ok((a.losses.dice as number) < (b.losses.dice as number), 'A: lower Dice loss');
    assert.ok((a.losses.hd95 as number) > (b.losses.hd95 as number), 'A: higher HD95');
    assert.deepEqual(doc.ranks.dice, [1, 2, 3]);
    assert.equal(doc.ranks.hd95![0], 3);
    const ab = doc.disagreements.find((d) => d.a === 0 && d.b === 1);
    assert.ok(ab, JSON.stringify(doc.disagreements));
    assert.ok(ab.better_a.includes('dice') && ab.better_a.includes('metrics.dice'));
    assert.ok(ab.better_b.includes('hd95'));
    assert.deepEqual(doc.higherIsBetter, ['nsd', 'metrics.dice', 'metrics.iou']);
    // each prediction's result is exactly its own evaluate document
    for (const [i, path] of fx.trio.entries()) {
      const alone = presentResult(await evaluateFiles(path, fx.gt, { backend: 'reference' }));
      assert.deepEqual(doc.predictions[i].result.losses, alone.losses);
    }
  });

  test('CSV: one row per measure, values and ranks per prediction', async () => {
    const doc = await compareFiles(fx.gt, fx.trio, { backend: 'reference', losses: ['dice', 'hd95'] });
    const lines = comparisonCsv(doc).trim().split('\n');
    assert.deepEqual(lines[0].split(','), ['measure', 'better', ...fx.trio, ...fx.trio.map((p) => `rank ${p}`)]);
    assert.deepEqual(lines.slice(1).map((l) => l.split(',')[0]), ['dice', 'hd95', 'metrics.dice', 'metrics.iou']);
    const dice = lines[1].split(',');
    assert.equal(dice[1], 'lower');
    assert.equal(Number(dice[2]), doc.predictions[0].result.losses.dice);
    assert.deepEqual(dice.slice(5), ['1', '2', '3']);
  });

  test('segscope compare: --json equals the document, the table marks the best, steps are read', () => {
    const json = spawnSync(process.execPath, [CLI, 'compare', fx.gt, ...fx.epochs, '--json', '--backend', 'reference'], { encoding: 'utf8' });
    assert.equal(json.status, 0, json.stderr);
    const doc = JSON.parse(json.stdout) as ReturnType<typeof comparisonDocument>;
    assert.deepEqual(doc.predictions.map((p) => p.step), [1, 2, 5, 10, 20]);
    assert.deepEqual(doc.ranks.dice, [5, 4, 3, 2, 1], 'the later epochs are better');
    assert.ok((doc.predictions[4].result.losses.dice as number) < 1e-3, 'epoch 20 is the ground truth');
    const table = spawnSync(process.execPath, [CLI, 'compare', fx.gt, ...fx.trio, '--losses', 'dice,hd95'], { encoding: 'utf8' });
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, /model_a/);
    assert.match(table.stdout, /\* best/);
    assert.match(table.stdout, /model_a beats model_b on dice.*; model_b beats model_a on hd95/);
    const bad = spawnSync(process.execPath, [CLI, 'compare', fx.gt, fx.trio[0], join(tmpdir(), 'missing_pred.png')], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /missing_pred\.png: file not found/);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
  });
});

// keep the types honest: a document's predictions carry full evaluate documents
void ((d: ReturnType<typeof comparisonDocument>): EvaluationJson => d.predictions[0].result);
