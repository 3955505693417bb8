/**
 * Dataset scale (issue #10), end to end through the CLI:
 *  - the union of shards equals one run: 60 pairs (2D PNG and 3D NIfTI, a few corrupt, empty classes,
 *    a subfolder) in one run and as 4 shards (the shard from --shard, from a Slurm array whose ids
 *    start at 1, from JOB_COMPLETION_INDEX with --shards), merged: summary.json byte-identical;
 *  - merge --expect names the cases of a missing shard and the --array= list to rerun (exit 1);
 *  - kill -9: a 200-pair run killed with SIGKILL once a third of its lines are written, rerun with
 *    the same --out, ends with the bytes of a clean run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFolderPairs, type FolderFixture } from '../fixtures/folders.js';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');
// no scheduler variables, and no X display: `auto` then resolves to cpu in every worker of every run (under
// xvfb-run one worker thread may get headlessgl and the others fall back to cpu, and each line records its backend)
const CLEAN_ENV = { SLURM_ARRAY_TASK_ID: '', SLURM_ARRAY_TASK_MIN: '', SLURM_ARRAY_TASK_COUNT: '', JOB_COMPLETION_INDEX: '', SLURM_CPUS_PER_TASK: '', DISPLAY: '' };

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...CLEAN_ENV, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const lineCount = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').length - 1 : 0);

describe('the union of shards equals one run', () => {
  let dir = '';
  let f: FolderFixture;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'segscope-shards-'));
    f = writeFolderPairs(join(dir, 'data'), { pairs: 60, size: 32, niftiEvery: 3, corruptEvery: 15, emptyEvery: 5, nestedEvery: 10 });
    assert.equal(f.corrupt.length, 4);
  });

  it('4 shards merged give the summary.json of one run, byte for byte', () => {
    const single = join(dir, 'single.jsonl');
    const one = cli(['evaluate', f.predDir, f.gtDir, '--out', single]);
    assert.equal(one.code, 1, `some cases are corrupt: exit 1 (${one.stderr})`);
    assert.match(one.stdout, /^56 evaluated, 0 resumed from .*, 4 failed/m);
    assert.equal(lineCount(single), 60);

    const part = (k: number) => join(dir, `part-${k}.jsonl`);
    const runs = [
      cli(['evaluate', f.predDir, f.gtDir, '--out', part(0), '--shard', '0/4']),
      // a Slurm array submitted as --array=1-4: task id 2 is shard 1
      cli(['evaluate', f.predDir, f.gtDir, '--out', part(1)], { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '4', SLURM_CPUS_PER_TASK: '1' }),
      // a Kubernetes Indexed Job
      cli(['evaluate', f.predDir, f.gtDir, '--out', part(2), '--shards', '4'], { JOB_COMPLETION_INDEX: '2' }),
      cli(['evaluate', f.predDir, f.gtDir, '--out', part(3), '--shard', '3/4']),
    ];
    runs.forEach((r, k) => {
      assert.ok(r.code === 0 || r.code === 1, `shard ${k}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`shard ${k}/4 \\(from ${['--shard', 'the Slurm array', 'JOB_COMPLETION_INDEX', '--shard'][k]}\\)`));
    });
    assert.match(runs[1].stdout, /on 1 worker \(SLURM_CPUS_PER_TASK\)/);
    const counts = [0, 1, 2, 3].map((k) => lineCount(part(k)));
    assert.equal(counts.reduce((a, b) => a + b, 0), 60, `every case in one shard (${counts})`);
    // the parts' lines are the single run's lines
    const partLines = [0, 1, 2, 3].flatMap((k) => readFileSync(part(k), 'utf8').trim().split('\n'));
    const byKey = (l: string) => JSON.parse(l).case as string;
    assert.deepEqual(partLines.sort((a, b) => (byKey(a) < byKey(b) ? -1 : 1)), readFileSync(single, 'utf8').trim().split('\n'));

    const summaryOne = join(dir, 'summary-one.json');
    const summaryShards = join(dir, 'summary-shards.json');
    const m1 = cli(['merge', single, '--out', summaryOne]);
    assert.equal(m1.code, 0, m1.stderr);
    const m4 = cli(['merge', part(3), part(1), part(0), part(2), '--out', summaryShards, '--expect', f.predDir, f.gtDir]);
    assert.equal(m4.code, 0, m4.stderr);
    assert.match(m4.stdout, /every one of the 60 cases of the folders is present once/);
    assert.ok(readFileSync(summaryOne).equals(readFileSync(summaryShards)), 'summary.json byte-identical');

    const doc = JSON.parse(readFileSync(summaryOne, 'utf8'));
    assert.deepEqual(Object.keys(doc), ['definitions', 'cases', 'foreground_mean', 'mean', 'loss_foreground_mean', 'loss_mean', 'case_mean', 'empty_rule_cases', 'failed', 'metric_per_case']);
    assert.deepEqual(doc.cases, { total: 60, evaluated: 56, failed: 4 });
    assert.deepEqual(doc.failed.map((x: { case: string }) => x.case), f.corrupt);
    assert.deepEqual(doc.metric_per_case.map((x: { case: string }) => x.case), f.cases.filter((c) => !f.corrupt.includes(c)));
    const first = doc.metric_per_case[0];
    assert.deepEqual(Object.keys(first), ['case', 'prediction_file', 'reference_file', 'metrics', 'losses', 'case_losses', 'case_metrics']);
    assert.deepEqual(Object.keys(first.metrics), ['0', '1', '2']);
    assert.deepEqual(Object.keys(first.metrics['1']), ['Dice', 'IoU', 'Precision', 'Recall', 'TP', 'FP', 'FN', 'n_pred', 'n_ref']);
    assert.ok(first.reference_file.startsWith(f.gtDir) && first.prediction_file.startsWith(f.predDir));
    assert.equal(Object.keys(doc.case_mean).length, 18 + 4, 'every loss and the four metrics');
    assert.equal(doc.definitions.empty.rule, 'skip');
    assert.equal(doc.definitions.options.backend, 'auto');
    assert.match(doc.definitions.optionsSha256, /^[0-9a-f]{64}$/);
    assert.ok(!/"timingsMs"|"seconds"|"host/.test(readFileSync(summaryOne, 'utf8')));
    // empty classes (every 5th case has class 2 empty): skip left NaNs out, and says how many
    assert.ok(doc.empty_rule_cases.mean['2'].Recall > 0);
  });

  it('merge --expect names the cases of a missing shard and the --array= list to rerun (exit 1)', () => {
    const part = (k: number) => join(dir, `part-${k}.jsonl`);
    const out = join(dir, 'summary-missing.json');
    // parts 0, 2, 3 come from --shard / JOB_COMPLETION_INDEX: array ids are the shard indexes
    const r = cli(['merge', part(0), part(2), part(3), '--out', out, '--expect', f.predDir, f.gtDir]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, new RegExp(`missing ${lineCount(part(1))} of 60 cases: `));
    assert.match(r.stdout, /rerun the shards: sbatch --array=1 /);
    assert.match(r.stderr, /cases are missing/);
    assert.ok(existsSync(out), 'the summary of what is there is still written');
    // --shards overrides the run files' count
    const r8 = cli(['merge', part(0), '--out', out, '--expect', f.predDir, f.gtDir, '--shards', '4']);
    assert.match(r8.stdout, /sbatch --array=1-3 /);
  });
});

describe('kill -9 and rerun', () => {
  it('a 200-pair run killed with SIGKILL a third of the way and rerun ends with exactly the clean run\'s file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'segscope-kill-'));
    const f = writeFolderPairs(join(dir, 'data'), { pairs: 200, size: 64, corruptEvery: 50 });
    const clean = join(dir, 'clean.jsonl');
    const c = cli(['evaluate', f.predDir, f.gtDir, '--out', clean]);
    assert.equal(c.code, 1, c.stderr);
    assert.equal(lineCount(clean), 200);

    let killedAt = -1;
    let out = '';
    for (let attempt = 0; attempt < 3 && killedAt < 0; attempt++) {
      out = join(dir, `killed-${attempt}.jsonl`);
      const child = spawn(process.execPath, [CLI, 'evaluate', f.predDir, f.gtDir, '--out', out], { stdio: 'ignore', env: { ...process.env, ...CLEAN_ENV } });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      let lastSize = -1;
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          if (child.exitCode !== null || child.signalCode !== null) {
            clearInterval(timer);
            resolve();
            return;
          }
          const size = existsSync(out) ? statSync(out).size : 0;
          if (size === lastSize) return;
          lastSize = size;
          const n = lineCount(out);
          if (n >= 200 / 3) {
            child.kill('SIGKILL');
            killedAt = n;
            clearInterval(timer);
            resolve();
          }
        }, 2);
      });
      await exited;
      if (killedAt >= 0 && lineCount(out) >= 200) killedAt = -1; // it finished before the kill landed: again
    }
    assert.ok(killedAt >= 0, 'the run was killed before it finished');
    const left = lineCount(out);
    assert.ok(left >= 67 && left < 200, `the killed run left ${left} whole lines`);
    assert.ok(!readFileSync(out).equals(readFileSync(clean)), 'the killed file is not the final one yet');

    const rerun = cli(['evaluate', f.predDir, f.gtDir, '--out', out]);
    assert.equal(rerun.code, 1, rerun.stderr);
    const resumed = Number(/(\d+) resumed/.exec(rerun.stdout)![1]);
    assert.ok(resumed >= 60, `the rerun resumed ${resumed} cases`);
    assert.ok(readFileSync(out).equals(readFileSync(clean)), 'byte for byte the clean run\'s file');
    process.stdout.write(`# kill -9 after ${killedAt} of 200 lines; the rerun resumed ${resumed} cases and ended with the clean run's bytes\n`);
    rmSync(dir, { recursive: true, force: true });
  });
});
