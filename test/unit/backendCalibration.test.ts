/**
 * engine/backendCalibration.ts and its use by the worker pool: the measurement runs every backend
 * that loads here and chooses the fastest correct one; it is kept per machine in a file and taken
 * again when the machine or the file changes; the pool runs `auto` on the chosen backend and the
 * result says why.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { calibrateBackends, calibration, describeChoice, machineKey, readCalibration, type Calibration } from '../../engine/backendCalibration.js';
import { WorkerPool } from '../../engine/pool.js';
import { availableBackends } from '../../kernels/backends.js';
import { settingsToOptions } from '../../extension/settings.js';
import { DEMO_PAIRS, writeDemoWorkspace } from '../fixtures/demoWorkspace.js';

const ROOT = resolve(import.meta.dirname, '../..');
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'segscope-calibration-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const fake = (chosen: Calibration['chosen'], machine = machineKey()): Calibration => ({
  version: 1,
  machine,
  measuredAt: '2026-12-02T10:00:00.000Z',
  chosen,
  trials: [
    { backend: 'reference', ms: 30, correct: true },
    { backend: 'cpu', ms: 12, correct: true },
    { backend: 'webasm', ms: 8, correct: false, problem: 'wrong values (dice 0.5 against 0.4)' },
    { backend: 'headlessgl', problem: 'unavailable: no X display' },
  ],
});

describe('backend calibration', () => {
  it('measures every backend that loads here, checks its values, and chooses the fastest correct one', async () => {
    const c = await calibrateBackends(new Date('2026-12-02T12:00:00Z'));
    assert.equal(c.machine, machineKey());
    assert.equal(c.measuredAt, '2026-12-02T12:00:00.000Z');
    const available = await availableBackends();
    assert.deepEqual(c.trials.map((t) => t.backend), ['reference', 'cpu', 'webasm', 'headlessgl', 'webgpu']);
    for (const t of c.trials) {
      const loads = t.backend === 'reference' || available[t.backend as keyof typeof available].available;
      if (loads) {
        assert.ok(t.ms! > 0, `${t.backend} was timed`);
        // every gpu.js backend that loads here meets the golden tolerance (npm test's golden cases say so too)
        assert.equal(t.correct, true, `${t.backend}: ${t.problem}`);
      } else assert.match(t.problem!, /^unavailable: /, t.backend);
    }
    const fastest = c.trials.filter((t) => t.correct).reduce((a, b) => (b.ms! < a.ms! ? b : a));
    const referenceMs = c.trials[0].ms!;
    assert.equal(c.chosen, fastest.ms! * 1.1 < referenceMs ? fastest.backend : 'reference', 'the fastest correct, reference unless another is 10 % faster');
  });

  it('is kept in its file for this machine, and measured again for another machine, a bad file or none', async () => {
    const file = join(dir, 'nested', 'backend-calibration.json');
    let measured = 0;
    const measure = async () => {
      measured++;
      return fake('cpu');
    };
    // two at once: one measurement
    const [a, b] = await Promise.all([calibration(file, measure), calibration(file, measure)]);
    assert.equal(measured, 1);
    assert.deepEqual(a, b);
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), fake('cpu'), 'written to the file');
    assert.deepEqual(await calibration(file, measure), fake('cpu'));
    assert.equal(measured, 1, 'read back, not measured again');
    writeFileSync(file, JSON.stringify(fake('webasm', 'another machine')));
    assert.equal(readCalibration(file), undefined);
    assert.equal((await calibration(file, measure)).chosen, 'cpu');
    assert.equal(measured, 2, 'another machine: measured again');
    for (const bad of ['{', JSON.stringify({ ...fake('cpu'), chosen: 'fastest' }), JSON.stringify({ ...fake('cpu'), version: 2 })]) {
      writeFileSync(file, bad);
      assert.equal(readCalibration(file), undefined, bad);
    }
    await calibration(file, measure);
    assert.equal(measured, 3);
  });

  it('says what it chose, each time, what was wrong and what is not available', () => {
    assert.equal(
      describeChoice(fake('cpu')),
      'auto chose cpu: the fastest correct backend on this machine (measured 2026-12-02: webasm 8.0 ms (wrong values), cpu 12 ms, reference 30 ms; not available here: headlessgl); set segscope.backend to choose one',
    );
  });
});

describe('the worker pool with a calibration file', () => {
  const script = join(ROOT, 'dist', 'engineWorker.js');
  before(() => assert.ok(existsSync(script), 'dist/engineWorker.js (npm run build)'));

  it('runs auto on the measured backend and says why; a named backend and a pool without a file are left alone', async () => {
    const workspace = writeDemoWorkspace(join(dir, 'workspace'));
    const p = DEMO_PAIRS.find((x) => x.name === 'binary2d')!;
    const file = join(dir, 'pool-calibration.json');
    writeFileSync(file, JSON.stringify(fake('cpu')));
    const options = settingsToOptions({}).options;
    assert.equal(options.backend, 'auto', "the extension's default");
    const pool = new WorkerPool({ script, size: 1, calibrationFile: file });
    const plain = new WorkerPool({ script, size: 1 });
    try {
      const session = pool.openSession(join(workspace, p.pred), join(workspace, p.gt), options);
      const result = await session.result();
      assert.equal(result.backend, 'cpu');
      assert.equal(result.backendChoice, describeChoice(fake('cpu')));
      const named = await pool.evaluate(join(workspace, p.pred), join(workspace, p.gt), { ...options, backend: 'reference' });
      assert.equal(named.backend, 'reference');
      assert.match(named.backendChoice!, /^asked for by name/);
      const without = await plain.evaluate(join(workspace, p.pred), join(workspace, p.gt), options);
      assert.equal(without.backend, 'reference');
      assert.match(without.backendChoice!, /^auto chose reference: .*no measurement of its own machine/);
    } finally {
      pool.dispose();
      plain.dispose();
    }
  });
});
