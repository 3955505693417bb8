/**
 * Memory at dataset scale (issue #10): 5,000 pairs of 256×256 label-map PNGs, every loss, in one
 * folder run with --out and --csv, stay under 300 MB peak RSS (main thread and worker threads: one
 * process). The peak is the child's own `process.resourceUsage().maxRSS`, written at exit by a
 * preloaded module. The 5,000 pairs are hard links to one pair (written in a moment; what is
 * measured is the run's memory, which must not grow with the cases).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { writeLinkedPairs } from '../fixtures/folders.js';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');
const LIMIT_MB = 300;
const PAIRS = 5000;

it(`${PAIRS} pairs of 256x256 in one run stay under ${LIMIT_MB} MB peak RSS`, { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'segscope-memory-'));
  const f = writeLinkedPairs(join(dir, 'data'), PAIRS, { size: 256 });
  const rssFile = join(dir, 'maxrss');
  const preload = `data:text/javascript,import{writeFileSync}from"node:fs";process.on("exit",()=>writeFileSync(${JSON.stringify(rssFile)},String(process.resourceUsage().maxRSS)))`;
  const out = join(dir, 'cases.jsonl');
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--import', preload, CLI, 'evaluate', f.predDir, f.gtDir, '--out', out, '--csv', join(dir, 'cases.csv')], {
    encoding: 'utf8', timeout: 280_000, env: { ...process.env, SLURM_ARRAY_TASK_ID: '', JOB_COMPLETION_INDEX: '', SLURM_CPUS_PER_TASK: '', DISPLAY: '' }, // no GL contexts: label maps need no per-pixel backend
  });
  const seconds = (Date.now() - t0) / 1000;
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^${PAIRS} evaluated, 0 resumed`, 'm'));
  assert.equal(readFileSync(out, 'utf8').split('\n').length - 1, PAIRS);
  const maxRssMb = Number(readFileSync(rssFile, 'utf8')) / 1024;
  process.stdout.write(`# ${PAIRS} pairs of 256x256, every loss: peak RSS ${maxRssMb.toFixed(0)} MB, ${seconds.toFixed(1)} s (${(PAIRS / seconds).toFixed(0)} pairs/s)\n`);
  assert.ok(maxRssMb < LIMIT_MB, `peak RSS ${maxRssMb.toFixed(0)} MB`);
  rmSync(dir, { recursive: true, force: true });
});
