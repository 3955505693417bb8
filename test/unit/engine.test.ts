/**
 * The engine's worker pool and sessions (engine/pool.ts, dist/engineWorker.js) without VS Code:
 * results equal the CLI's, a pair is decoded once for its result, overlays and curves, a ground
 * truth shared by sessions is decoded once, user errors name the file, cancellation stops the
 * worker at once, a dead worker is replaced and its requests fail with a message. Needs
 * `npm run build` (npm test builds first).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EngineCancelled, EngineError, WorkerPool } from '../../engine/pool.js';
import { settingsToOptions } from '../../extension/settings.js';
import { isCurveSet, isEvaluationJson, isOverlayData } from '../../protocol/validate.js';
import { DEMO_PAIRS, writeDemoWorkspace } from '../fixtures/demoWorkspace.js';

const ROOT = join(import.meta.dirname, '..', '..');
const DIST = join(ROOT, 'dist');
const SCRIPT = join(DIST, 'engineWorker.js');
let workspace: string;
let work: string;

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

async function withPool<T>(size: number, run: (pool: WorkerPool) => Promise<T>): Promise<T> {
  const pool = new WorkerPool({ script: SCRIPT, size });
  try {
    return await run(pool);
  } finally {
    pool.dispose();
  }
}

const totalLoads = async (pool: WorkerPool) => (await pool.stats()).reduce((n, s) => n + s.loads, 0);

describe('engine worker pool', () => {
  before(() => {
    for (const f of [SCRIPT, join(DIST, 'cli.js')]) assert.ok(existsSync(f), `${f} exists (npm run build)`);
    work = mkdtempSync(join(tmpdir(), 'segscope-engine-'));
    workspace = writeDemoWorkspace(join(work, 'workspace'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  for (const name of ['binary2d', 'multiclass2d', 'volume3d']) {
    test(`${name}: a session's result equals the CLI's numbers`, async () => {
      const { pred, gt } = pair(name);
      const result = await withPool(1, (pool) => pool.openSession(pred, gt, defaults()).result());
      assert.ok(isEvaluationJson(result));
      const expected = cli(pred, gt);
      assert.deepEqual(Object.keys(result.losses).sort(), Object.keys(expected.losses).sort());
      for (const [id, v] of Object.entries(expected.losses)) {
        const got = result.losses[id as 'dice'];
        if (typeof v === 'number') assert.ok(Math.abs((got as number) - v) <= 1e-9 * Math.max(1, Math.abs(v)), `${id}: ${got} vs ${v}`);
        else assert.equal(got, v, id);
      }
    });
  }

  test('one session decodes its pair once for the result, every overlay and the curves', async () => {
    await withPool(2, async (pool) => {
      const b = pair('binary2d');
      const s = pool.openSession(b.pred, b.gt, defaults());
      assert.ok(isEvaluationJson(await s.result()));
      assert.ok(isOverlayData(await s.overlay({})), 'a valid 2D overlay');
      const sets = await s.curves();
      assert.ok(sets.length > 0 && sets.every(isCurveSet), 'valid curve sets');
      assert.equal(await totalLoads(pool), 2, 'two files, each read and decoded once');

      const v = pair('volume3d');
      const s3 = pool.openSession(v.pred, v.gt, defaults());
      await s3.result();
      const o = await s3.overlay({ axis: 1, index: 20, class: 2 });
      assert.ok(isOverlayData(o), 'a valid 3D overlay');
      assert.deepEqual([o.slice?.axis, o.slice?.index, o.class], [1, 20, 2]);
      await s3.overlay({ axis: 0, index: 3 });
      assert.equal(await totalLoads(pool), 4);
      s.close();
      s3.close();
    });
  });

  test('sessions of predictions against one ground truth decode it once', async () => {
    await withPool(2, async (pool) => {
      const { pred, gt } = pair('binary2d');
      const options = defaults();
      // the same prediction file three times stands for three models: three sessions, one ground truth
      const sessions = [0, 1, 2].map(() => pool.openSession(pred, gt, options));
      const results = await Promise.all(sessions.map((s) => s.result()));
      assert.equal(new Set(results.map((r) => r.losses.dice)).size, 1);
      const stats = await pool.stats();
      assert.equal(stats.reduce((n, s) => n + s.sessions, 0), 3);
      assert.equal(stats.filter((s) => s.sessions > 0).length, 1, 'the sessions of one ground truth share a worker');
      assert.equal(stats.reduce((n, s) => n + s.loads, 0), 2, 'the ground truth and the prediction decoded once each');
      for (const s of sessions) s.close();
    });
  });

  test('a mismatched pair is a user error naming the file and both shapes', async () => {
    const { pred, gt } = pair('mismatched');
    await withPool(1, (pool) =>
      assert.rejects(pool.openSession(pred, gt, defaults()).result(), (e: unknown) => {
        assert.ok(e instanceof EngineError);
        assert.equal(e.userError, true);
        assert.equal(e.file, pred);
        assert.match(e.message, /small_pred\.png/);
        assert.match(e.message, /\[64, 64\]/);
        assert.match(e.message, /\[80, 80\]/);
        return true;
      }),
    );
  });

  test('a missing file names the file, and maxFileSizeMB refuses a larger file', async () => {
    await withPool(1, async (pool) => {
      const missing = join(workspace, 'nope_pred.png');
      await assert.rejects(pool.evaluate(missing, pair('binary2d').gt, defaults()), (e: unknown) => e instanceof EngineError && /nope_pred\.png/.test(e.message));
      const { pred, gt } = pair('binary2d');
      await assert.rejects(pool.evaluate(pred, gt, settingsToOptions({ maxFileSizeMB: 0.01 }).options), (e: unknown) => e instanceof EngineError && /case01_pred\.npy/.test(e.message));
    });
  });

  test('cancel stops the worker at once; the session opens again in its replacement', async () => {
    await withPool(1, async (pool) => {
      const { pred, gt } = pair('volume3d');
      const s = pool.openSession(pred, gt, defaults());
      await s.result();
      // the curves of a volume evaluate every loss at many sweep points: long enough to stop midway
      const abort = new AbortController();
      const started = Date.now();
      const p = s.curves(abort.signal);
      setTimeout(() => abort.abort(), 50);
      await assert.rejects(p, (e: unknown) => e instanceof EngineCancelled);
      assert.ok(Date.now() - started < 2_000);
      await assert.rejects(s.result(AbortSignal.abort()), (e: unknown) => e instanceof EngineCancelled);
      const again = await s.result();
      assert.ok(isEvaluationJson(again), 'the session answers after its worker was replaced');
    });
  });

  test('a worker that dies fails its requests with a message and is replaced', async () => {
    await withPool(1, async (pool) => {
      const { pred, gt } = pair('volume3d');
      const pending = pool.evaluate(pred, gt, defaults());
      // stand in for a crash (an out-of-memory abort, a native fault): end the thread under the request
      const [thread] = (pool as unknown as { workers: { worker: { terminate(): Promise<number> } }[] }).workers;
      await thread.worker.terminate();
      await assert.rejects(pending, (e: unknown) => e instanceof EngineError && /evaluation worker exited/.test(e.message));
      const b = pair('binary2d');
      assert.ok(isEvaluationJson(await pool.evaluate(b.pred, b.gt, defaults())), 'the replacement answers');
    });
  });
});
