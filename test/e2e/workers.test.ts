/**
 * The extension host's workers without VS Code: dist/evaluateWorker.js through
 * extension/workerClient.ts (results equal the CLI's, user errors name the file, cancel
 * terminates), and dist/detailsWorker.cjs (overlays, 3D slices, curves match the protocol).
 * Needs `npm run build`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DEMO_PAIRS, writeDemoWorkspace } from '../fixtures/demoWorkspace.js';
import { EvaluationCancelled, EvaluationError, runEvaluation, type CancelToken } from '../../extension/workerClient.js';
import { settingsToOptions } from '../../extension/settings.js';
import { isCurveSet, isOverlayData } from '../../webview/validate.js';
import { E2E_DIR, ROOT } from './codeServer.js';

const DIST = join(ROOT, 'dist');
const EVALUATE_WORKER = join(DIST, 'evaluateWorker.js');
const DETAILS_WORKER = join(DIST, 'detailsWorker.cjs');
const WORK = join(E2E_DIR, 'workers-run');
let workspace: string;

const pair = (name: string) => {
  const p = DEMO_PAIRS.find((x) => x.name === name)!;
  return { pred: join(workspace, p.pred), gt: join(workspace, p.gt) };
};

/** The options the extension passes with default settings. */
const defaults = () => settingsToOptions({}).options;

function cli(pred: string, gt: string): { losses: Record<string, number | string> } {
  const r = spawnSync(process.execPath, [join(DIST, 'cli.js'), 'evaluate', pred, gt, '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

class Token implements CancelToken {
  isCancellationRequested = false;
  private listeners: (() => void)[] = [];
  onCancellationRequested(listener: () => void) {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  }
  cancel() {
    this.isCancellationRequested = true;
    for (const l of this.listeners) l();
  }
}

/** One request to a fresh details worker. */
function details(requests: Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const w = new Worker(DETAILS_WORKER);
    const replies: Record<string, unknown>[] = [];
    w.on('message', (m: Record<string, unknown>) => {
      replies.push(m);
      if (replies.length === requests.length) {
        void w.terminate();
        resolve(replies);
      }
    });
    w.on('error', reject);
    requests.forEach((r, i) => w.postMessage({ id: i + 1, ...r }));
  });
}

describe('extension workers', () => {
  before(() => {
    for (const f of [EVALUATE_WORKER, DETAILS_WORKER, join(DIST, 'cli.js')]) assert.ok(existsSync(f), `${f} exists (npm run build)`);
    workspace = writeDemoWorkspace(join(WORK, 'workspace'));
  });
  after(() => rmSync(WORK, { recursive: true, force: true }));

  for (const name of ['binary2d', 'multiclass2d', 'volume3d']) {
    test(`${name}: the evaluation worker gives the CLI's numbers`, async () => {
      const { pred, gt } = pair(name);
      const result = await runEvaluation(EVALUATE_WORKER, pred, gt, defaults());
      const expected = cli(pred, gt);
      assert.deepEqual(Object.keys(result.losses).sort(), Object.keys(expected.losses).sort());
      for (const [id, v] of Object.entries(expected.losses)) {
        const got = result.losses[id as 'dice'];
        if (typeof v === 'number') assert.ok(Math.abs((got as number) - v) <= 1e-9 * Math.max(1, Math.abs(v)), `${id}: ${got} vs ${v}`);
        else assert.equal(got, v, id);
      }
    });
  }

  test('a mismatched pair is a user error naming the file and both shapes', async () => {
    const { pred, gt } = pair('mismatched');
    await assert.rejects(runEvaluation(EVALUATE_WORKER, pred, gt, defaults()), (e: unknown) => {
      assert.ok(e instanceof EvaluationError);
      assert.equal(e.file, pred);
      assert.match(e.message, /small_pred\.png/);
      assert.match(e.message, /\[64, 64\]/);
      assert.match(e.message, /\[80, 80\]/);
      return true;
    });
  });

  test('a missing file names the file', async () => {
    const missing = join(workspace, 'nope_pred.png');
    await assert.rejects(runEvaluation(EVALUATE_WORKER, missing, pair('binary2d').gt, defaults()), (e: unknown) => {
      assert.ok(e instanceof EvaluationError);
      assert.match(e.message, /nope_pred\.png/);
      return true;
    });
  });

  test('maxFileSizeMB refuses a larger file before reading it', async () => {
    const { pred, gt } = pair('binary2d');
    const options = settingsToOptions({ maxFileSizeMB: 0.01 }).options;
    await assert.rejects(runEvaluation(EVALUATE_WORKER, pred, gt, options), (e: unknown) => e instanceof EvaluationError && /case01_pred\.npy/.test(e.message));
  });

  test('cancel terminates the worker and rejects at once', async () => {
    const { pred, gt } = pair('volume3d');
    const token = new Token();
    const started = Date.now();
    const p = runEvaluation(EVALUATE_WORKER, pred, gt, defaults(), token);
    token.cancel();
    await assert.rejects(p, (e: unknown) => e instanceof EvaluationCancelled);
    assert.ok(Date.now() - started < 2_000);
    const already = new Token();
    already.cancel();
    await assert.rejects(runEvaluation(EVALUATE_WORKER, pred, gt, defaults(), already), (e: unknown) => e instanceof EvaluationCancelled);
  });

  test('the details worker answers overlays (2D), slices (3D) and curves that the panel accepts', async () => {
    const b = pair('binary2d');
    const [open2d, curves2d] = await details([{ type: 'open', predPath: b.pred, gtPath: b.gt, options: defaults() }, { type: 'curves' }]);
    assert.equal(open2d!.ok, true, JSON.stringify(open2d));
    assert.ok(isOverlayData(JSON.parse(JSON.stringify(open2d!.overlay))), 'a valid 2D overlay');
    assert.equal(curves2d!.ok, true, JSON.stringify(curves2d));
    const sets = JSON.parse(JSON.stringify(curves2d!.curves)) as unknown[];
    assert.ok(sets.length > 0 && sets.every(isCurveSet), 'valid curve sets');

    const v = pair('volume3d');
    const [open3d, slice] = await details([
      { type: 'open', predPath: v.pred, gtPath: v.gt, options: defaults() },
      { type: 'overlay', request: { axis: 1, index: 20, class: 2 } },
    ]);
    assert.equal(open3d!.ok, true, JSON.stringify(open3d));
    const o = JSON.parse(JSON.stringify(slice!.overlay));
    assert.ok(isOverlayData(o), 'a valid 3D overlay');
    assert.deepEqual([o.slice?.axis, o.slice?.index, o.class], [1, 20, 2]);

    const m = pair('mismatched');
    const [bad] = await details([{ type: 'open', predPath: m.pred, gtPath: m.gt, options: defaults() }]);
    assert.equal(bad!.ok, false);
    assert.match(String((bad!.error as { message: string }).message), /\[80, 80\]/);
  });
});
