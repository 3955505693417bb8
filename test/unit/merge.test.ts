/**
 * `segscope merge` (issue #10): duplicates counted once, parts of other options refused (exit 2),
 * torn and foreign lines left out, --expect with stale lines (a file changed since its shard ran),
 * the Slurm array ids of the shards to rerun when the array started at 1, parts without a run file,
 * the spec version in `definitions`.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runFilePath } from '../../engine/caseLog.js';
import { shardOfKey } from '../../engine/shards.js';
import { LOSSES_SPEC_SHA256, SEGSCOPE_VERSION } from '../../engine/summary.js';
import { encodePng } from '../fixtures/encode.js';
import { writeFolderPairs, type FolderFixture } from '../fixtures/folders.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const CLEAN_ENV = { SLURM_ARRAY_TASK_ID: '', SLURM_ARRAY_TASK_MIN: '', SLURM_ARRAY_TASK_COUNT: '', JOB_COMPLETION_INDEX: '', SLURM_CPUS_PER_TASK: '' };
const FAST = ['--losses', 'dice,iou,hd95', '--backend', 'reference'];

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...CLEAN_ENV, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('segscope merge', () => {
  let dir = '';
  let f: FolderFixture;
  const part = (k: number) => join(dir, `part-${k + 1}.jsonl`);
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'segscope-merge-'));
    f = writeFolderPairs(join(dir, 'data'), { pairs: 16, size: 16, niftiEvery: 4 });
    // a Slurm array submitted as --array=1-3
    for (let k = 0; k < 3; k++) {
      const r = cli(['evaluate', f.predDir, f.gtDir, '--out', part(k), ...FAST], { SLURM_ARRAY_TASK_ID: String(k + 1), SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '3' });
      assert.equal(r.code, 0, r.stderr);
    }
  });

  it('names the spec it follows: the SHA-256 of docs/spec/losses.md and the package version', () => {
    assert.equal(createHash('sha256').update(readFileSync(join(ROOT, 'docs', 'spec', 'losses.md'))).digest('hex'), LOSSES_SPEC_SHA256, 'docs/spec/losses.md changed: update LOSSES_SPEC_SHA256 in engine/summary.ts');
    assert.equal(SEGSCOPE_VERSION, JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    const out = join(dir, 's.json');
    assert.equal(cli(['merge', part(0), part(1), part(2), '--out', out]).code, 0);
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    assert.deepEqual(doc.definitions.spec, { losses: 'docs/spec/losses.md', sha256: LOSSES_SPEC_SHA256 });
    assert.deepEqual(doc.definitions.options.losses, ['dice', 'iou', 'hd95']);
    assert.equal(doc.cases.total, 16);
  });

  it('counts a case found twice once, and leaves out torn and foreign lines', () => {
    const dup = join(dir, 'dup.jsonl');
    copyFileSync(part(0), dup);
    copyFileSync(runFilePath(part(0)), runFilePath(dup));
    appendFileSync(dup, `${readFileSync(part(1), 'utf8').split('\n')[0]}\n{"not":"a case"}\n{"case":"torn","predSha`);
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    const r = cli(['merge', part(0), part(1), part(2), dup, '--out', a]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /cases found more than once, counted once/);
    assert.match(r.stdout, /1 line is not a case line/);
    assert.match(r.stdout, /dup\.jsonl ends with a torn line/);
    assert.equal(cli(['merge', part(0), part(1), part(2), '--out', b]).code, 0);
    assert.ok(readFileSync(a).equals(readFileSync(b)), 'duplicates change nothing');
  });

  it('refuses parts evaluated with different options (exit 2)', () => {
    const other = join(dir, 'other.jsonl');
    assert.equal(cli(['evaluate', f.predDir, f.gtDir, '--out', other, '--losses', 'dice', '--backend', 'reference']).code, 0);
    const r = cli(['merge', part(0), other, '--out', join(dir, 'x.json')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /evaluated with different options/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  });

  it('--expect: a file changed since its shard ran makes its case stale, counted missing, with the Slurm array id of its shard', () => {
    const changed = join(dir, 'changed');
    const g = writeFolderPairs(changed, { pairs: 16, size: 16, niftiEvery: 4 });
    const parts = [0, 1, 2].map((k) => join(changed, `part-${k + 1}.jsonl`));
    for (let k = 0; k < 3; k++) cli(['evaluate', g.predDir, g.gtDir, '--out', parts[k], ...FAST], { SLURM_ARRAY_TASK_ID: String(k + 1), SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '3' });
    const key = 'case_0005';
    writeFileSync(join(g.predDir, `${key}.png`), encodePng(new Uint8Array(256).fill(1), [16, 16]));
    const r = cli(['merge', ...parts, '--out', join(changed, 's.json'), '--expect', g.predDir, g.gtDir]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, new RegExp(`1 case has lines for other file contents \\(stale\\), counted as missing: ${key}`));
    assert.match(r.stdout, new RegExp(`missing 1 of 16 cases: ${key}`));
    assert.match(r.stdout, new RegExp(`sbatch --array=${shardOfKey(key, 3) + 1} `), 'the array id = shard + SLURM_ARRAY_TASK_MIN');
    // rerunning that task, as the message says, completes the run
    const task = shardOfKey(key, 3) + 1;
    cli(['evaluate', g.predDir, g.gtDir, '--out', parts[task - 1], ...FAST], { SLURM_ARRAY_TASK_ID: String(task), SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '3' });
    // --expect given first: the folders after it, then the parts
    const ok = cli(['merge', '--expect', g.predDir, g.gtDir, ...parts, '--out', join(changed, 's.json')]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /every one of the 16 cases/);
    // a case added to the folders after the run: missing; a case of the parts no longer in the folders: left out, named
    rmSync(join(g.predDir, 'case_0001.png'));
    rmSync(join(g.gtDir, 'case_0001.png'));
    const gone = cli(['merge', ...parts, '--out', join(changed, 's.json'), '--expect', g.predDir, g.gtDir]);
    assert.equal(gone.code, 0);
    assert.match(gone.stdout, /1 case is not in the folders, left out: case_0001/);
    assert.equal(JSON.parse(readFileSync(join(changed, 's.json'), 'utf8')).cases.total, 15);
  });

  it('merges parts without their run files (definitions.options null, said so)', () => {
    const bare = join(dir, 'bare.jsonl');
    copyFileSync(part(0), bare);
    const out = join(dir, 'bare.json');
    const r = cli(['merge', bare, '--out', out, '--empty', 'worst']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /no run file beside/);
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(doc.definitions.options, null);
    assert.equal(doc.definitions.empty.rule, 'worst');
    const none = cli(['merge', '--out', out]);
    assert.equal(none.code, 2);
    const missingFile = cli(['merge', join(dir, 'nope.jsonl'), '--out', out]);
    assert.equal(missingFile.code, 2);
    assert.match(missingFile.stderr, /nope\.jsonl/);
  });
});
