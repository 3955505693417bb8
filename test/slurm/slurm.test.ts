/**
 * Sharded evaluation on a real Slurm cluster (issue #10), `npm run test:slurm`: a single-node cluster
 * started here as /work/shared/recipes/slurm-single-node.md says (test/slurm/start-cluster.sh; the
 * packages are installed when missing), the shipped examples/slurm/submit.sh submitting the array job
 * of 4 tasks over a generated folder and the merge job after it, and the summary.json it produces
 * compared byte for byte with a single run's. When Slurm cannot start, the test fails with the
 * reason: it is never skipped. The daemons this test started are stopped by their process ids.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFolderPairs } from '../fixtures/folders.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const SEGSCOPE_CLI = `${process.execPath} ${CLI}`;
const CLEAN_ENV = { SLURM_ARRAY_TASK_ID: '', SLURM_ARRAY_TASK_MIN: '', SLURM_ARRAY_TASK_COUNT: '', JOB_COMPLETION_INDEX: '', SLURM_CPUS_PER_TASK: '' };
const SHARDS = 4;

/** The daemons this test started: name → pid. */
let started: Record<string, number> = {};
let jobs: string[] = [];

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(cmd, args, { encoding: 'utf8', timeout: 300_000, env: { ...process.env, ...CLEAN_ENV, ...env } });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Slurm, for real: the array job and the merge job of examples/slurm', () => {
  before(() => {
    const t0 = Date.now();
    const r = run('bash', [join(import.meta.dirname, 'start-cluster.sh')]);
    const last = r.stdout.trim().split('\n').pop() ?? '';
    if (last.startsWith('started')) {
      for (const item of last.slice('started'.length).trim().split(/\s+/).filter(Boolean)) {
        const [name, pid] = item.split('=');
        if (Number(pid) > 0) started[name] = Number(pid);
      }
    }
    assert.equal(r.status, 0, `Slurm could not start: ${r.stderr.trim() || r.stdout.trim()}`);
    process.stdout.write(`# single-node Slurm up in ${((Date.now() - t0) / 1000).toFixed(1)} s (started: ${Object.keys(started).join(', ') || 'none, already running'})\n`);
  });

  after(async () => {
    if (jobs.length) run('scancel', jobs);
    // the daemons this test started, by pid, the last started first
    for (const name of ['slurmd', 'slurmctld', 'munged']) {
      const pid = started[name];
      if (!pid) continue;
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        continue;
      }
      for (let i = 0; i < 100; i++) {
        try {
          process.kill(pid, 0);
        } catch {
          break;
        }
        await sleep(100);
      }
    }
    started = {};
  });

  it(`${SHARDS} array tasks and the dependent merge give the summary.json of one run, byte for byte`, { timeout: 600_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'segscope-slurm-'));
    const f = writeFolderPairs(join(dir, 'data'), { pairs: 40, size: 32, niftiEvery: 4, corruptEvery: 20, emptyEvery: 6, nestedEvery: 8 });

    // the single run
    const single = join(dir, 'single', 'all.jsonl');
    execFileSync('mkdir', ['-p', join(dir, 'single')]);
    const one = run(process.execPath, [CLI, 'evaluate', f.predDir, f.gtDir, '--out', single]);
    assert.equal(one.status, 1, `the corrupt cases fail: exit 1 (${one.stderr})`);
    const singleSummary = join(dir, 'single', 'summary.json');
    assert.equal(run(process.execPath, [CLI, 'merge', single, '--out', singleSummary]).status, 0);

    // the shipped scripts on the cluster
    const out = join(dir, 'slurm');
    const t0 = Date.now();
    const submit = run('bash', [join(ROOT, 'examples', 'slurm', 'submit.sh'), f.predDir, f.gtDir, out, String(SHARDS)], { SEGSCOPE_CLI, SEGSCOPE_CPUS: '1' });
    assert.equal(submit.status, 0, `submit.sh: ${submit.stderr}`);
    const [arrayJob, mergeJob] = submit.stdout.trim().split(/\s+/);
    assert.match(arrayJob, /^\d+$/);
    assert.match(mergeJob, /^\d+$/);
    jobs = [arrayJob, mergeJob];

    // wait (bounded) until neither job is queued or running
    const deadline = Date.now() + 300_000;
    for (;;) {
      const q = run('squeue', ['-h', '-j', `${arrayJob},${mergeJob}`, '-o', '%i %T']);
      if (q.status === 0 && q.stdout.trim() === '') break;
      assert.ok(Date.now() < deadline, `the jobs did not finish in 300 s:\n${q.stdout}${q.stderr}`);
      await sleep(500);
    }
    const seconds = (Date.now() - t0) / 1000;
    jobs = [];

    const logs = readdirSync(out).filter((n) => n.endsWith('.out')).sort();
    const logText = logs.map((n) => `--- ${n}\n${readFileSync(join(out, n), 'utf8')}`).join('\n');
    const tasks = logs.filter((n) => n.startsWith(`segscope-evaluate-${arrayJob}_`));
    assert.equal(tasks.length, SHARDS, `one log per array task:\n${logText}`);
    for (let k = 0; k < SHARDS; k++) {
      const log = readFileSync(join(out, `segscope-evaluate-${arrayJob}_${k}.out`), 'utf8');
      assert.match(log, new RegExp(`shard ${k}/${SHARDS} \\(from the Slurm array\\)`), log);
      assert.match(log, /on 1 worker \(SLURM_CPUS_PER_TASK\)/, log);
      assert.ok(existsSync(join(out, `part-${k}.jsonl`)));
    }
    const mergeLog = readFileSync(join(out, `segscope-merge-${mergeJob}.out`), 'utf8');
    assert.match(mergeLog, /every one of the 40 cases of the folders is present once/, mergeLog);
    const state = run('scontrol', ['show', 'job', mergeJob]).stdout;
    if (state.includes('JobState=')) {
      assert.match(state, /JobState=COMPLETED\b/, state);
      assert.match(state, /ExitCode=0:0\b/, state);
    }

    assert.ok(existsSync(join(out, 'summary.json')), `summary.json written:\n${logText}`);
    assert.ok(readFileSync(join(out, 'summary.json')).equals(readFileSync(singleSummary)), 'summary.json of the Slurm run = the single run\'s');
    const parts = [0, 1, 2, 3].map((k) => readFileSync(join(out, `part-${k}.jsonl`), 'utf8').trim().split('\n').filter(Boolean).length);
    process.stdout.write(`# Slurm: ${SHARDS} array tasks (${parts.join(' + ')} cases) and the merge job ran in ${seconds.toFixed(1)} s; summary.json byte-identical to the single run\n`);
  });
});
