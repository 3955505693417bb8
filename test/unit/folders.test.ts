/**
 * Folder mode's parts, one at a time (issue #10): pairing by relative path and by stem, `.nii.gz`,
 * two files of one case in one folder; shard assignment and the shard from the scheduler's
 * environment; the worker count (SLURM_CPUS_PER_TASK, the cgroup quota, the cores); the case log
 * (a torn last line, resume, the final order); the `--empty` rules on hand-made results; the CSV.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Aggregate, applyEmptyRule, arrayDiagonal, describeEmptyRule, EMPTY_RULES } from '../../engine/aggregate.js';
import { CaseLog, encodeCaseLine, loggedResult, optionsSha256, parseCaseLine, runFilePath, type LoggedResult } from '../../engine/caseLog.js';
import { caseCsvRows, CSV_COLUMNS } from '../../engine/csv.js';
import { casesOfShard, matchFolders } from '../../engine/folders.js';
import { createProgress, progressLine } from '../../engine/progress.js';
import { arrayList, parseShard, resolveShard, shardOfKey } from '../../engine/shards.js';
import { cgroupCpuLimit, defaultWorkers, parseCfsQuota, parseCpuMax, parseSlurmCpus } from '../../engine/workers.js';
import type { EvaluationJson } from '../../protocol/messages.js';
import { encodeNifti, encodeNpy, encodePng } from '../fixtures/encode.js';
import { writeFolderPairs } from '../fixtures/folders.js';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, SLURM_ARRAY_TASK_ID: '', JOB_COMPLETION_INDEX: '', SLURM_CPUS_PER_TASK: '', ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function touch(path: string, bytes: Uint8Array | string = 'x'): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, bytes);
}

describe('pairing two folders', () => {
  let root = '';
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'segscope-match-'));
    for (const f of ['a/b.nii.gz', 'a/c.png', 'flat.npy', 'deep/x/only.png', 'clash.png', 'clash.npy', 'notes.txt', '.hidden.png', 'dup/s.png', 'dup2/s.png', 'predonly.png']) touch(join(root, 'p', f));
    for (const f of ['a/b.png', 'a/c.nii', 'elsewhere/flat.nii.gz', 'only.nii.gz', 'clash.png', 'classes.json', 's.png', 'gtonly.png']) touch(join(root, 'g', f));
  });

  it('matches by relative path without the extension, .nii.gz as one extension, then by unique stem', () => {
    const m = matchFolders(join(root, 'p'), join(root, 'g'));
    const byKey = Object.fromEntries(m.cases.map((c) => [c.key, c]));
    assert.deepEqual(m.cases.map((c) => c.key), ['a/b', 'a/c', 'clash', 'elsewhere/flat', 'only']);
    assert.ok(byKey['a/b'].pred.endsWith('/p/a/b.nii.gz') && byKey['a/b'].gt.endsWith('/g/a/b.png'));
    assert.ok(byKey['a/c'].pred.endsWith('/p/a/c.png') && byKey['a/c'].gt.endsWith('/g/a/c.nii'));
    // by stem: the key is the ground truth's relative path
    assert.ok(byKey['elsewhere/flat'].pred.endsWith('/p/flat.npy'));
    assert.ok(byKey.only.pred.endsWith('/p/deep/x/only.png') && byKey.only.gt.endsWith('/g/only.nii.gz'));
    assert.equal(m.byStem, 2);
  });

  it('never picks one of two files of a case in one folder: the case is an error naming both, and a warning says so', () => {
    const m = matchFolders(join(root, 'p'), join(root, 'g'));
    const clash = m.cases.find((c) => c.key === 'clash')!;
    assert.match(clash.error ?? '', /two files of one case in the prediction folder: clash\.npy, clash\.png/);
    assert.ok(m.warnings.some((w) => w.includes('clash.npy') && w.includes('clash.png')), m.warnings.join('\n'));
  });

  it('lists the unmatched files (not fatal), an ambiguous stem among them, and leaves out dot files and non-masks', () => {
    const m = matchFolders(join(root, 'p'), join(root, 'g'));
    assert.deepEqual(m.unmatched.predictions, ['dup/s.png', 'dup2/s.png', 'predonly.png']);
    assert.deepEqual(m.unmatched.groundTruths, ['gtonly.png', 's.png']);
    assert.ok(m.warnings.some((w) => w.startsWith('stem s names several files')), m.warnings.join('\n'));
    assert.ok(!m.cases.some((c) => c.key.includes('hidden') || c.key.includes('notes')));
  });

  it('the CLI lists the clash as a failed case (exit 1) and the unmatched files, and still evaluates the rest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'segscope-clash-'));
    const labels = new Uint8Array(64).fill(0).map((_, i) => (i % 8 > 3 ? 1 : 0));
    for (const side of ['p', 'g']) touch(join(dir, side, 'ok.png'), encodePng(labels, [8, 8]));
    touch(join(dir, 'p', 'two.png'), encodePng(labels, [8, 8]));
    touch(join(dir, 'p', 'two.npy'), encodeNpy(labels, [8, 8]));
    touch(join(dir, 'g', 'two.png'), encodePng(labels, [8, 8]));
    touch(join(dir, 'p', 'lonely.png'), encodePng(labels, [8, 8]));
    const r = cli(['evaluate', join(dir, 'p'), join(dir, 'g'), '--losses', 'dice', '--backend', 'reference', '--out', join(dir, 'out.jsonl')]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /warning: .*two\.npy, two\.png/);
    assert.match(r.stdout, /Failed \(1\):\n {2}two: two files of one case in the prediction folder: two\.npy, two\.png/);
    assert.match(r.stdout, /warning: no ground truth for lonely\.png/);
    const lines = readFileSync(join(dir, 'out.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => [l.case, 'result' in l ? 'result' : 'error']), [['ok', 'result'], ['two', 'error']]);
    assert.equal(lines[1].predSha256, null);
  });
});

describe('shards', () => {
  const keys = Array.from({ length: 500 }, (_, i) => (i % 7 === 0 ? `sub/dir/case_${i}` : `case_${String(i).padStart(4, '0')}`));

  it('puts every case in exactly one shard, for N = 1…7, the same shard on every call and whatever the other cases', () => {
    for (let n = 1; n <= 7; n++) {
      const seen = new Map<string, number>();
      for (let k = 0; k < n; k++) for (const c of casesOfShard(keys.map((key) => ({ key })), { index: k, count: n, source: 'flag' })) {
        assert.ok(!seen.has(c.key), `${c.key} in two shards of ${n}`);
        seen.set(c.key, k);
      }
      assert.equal(seen.size, keys.length, `N = ${n}: every case in a shard`);
      for (const key of keys) assert.equal(shardOfKey(key, n), seen.get(key));
      // the same key alone, or among others, lands in the same shard
      assert.equal(casesOfShard([{ key: keys[3] }], { index: seen.get(keys[3])!, count: n, source: 'flag' }).length, 1);
      if (n > 1) {
        const sizes = Array.from({ length: n }, (_, k) => [...seen.values()].filter((v) => v === k).length);
        assert.ok(Math.min(...sizes) > keys.length / n / 2, `N = ${n}: shards roughly balanced (${sizes})`);
      }
    }
    // pinned values: a change of the hash would move cases between the shards of runs already started
    assert.deepEqual([shardOfKey('case_0000', 4), shardOfKey('case_0001', 4), shardOfKey('a/b', 7)], [1, 0, 2]);
    assert.equal(shardOfKey('anything', 1), 0);
  });

  it('parses --shard K/N and reads Slurm (array ids may start at 1) and JOB_COMPLETION_INDEX with --shards', () => {
    assert.deepEqual(parseShard('2/5'), { index: 2, count: 5, source: 'flag' });
    for (const bad of ['5/5', '-1/3', '1/0', 'a/b', '1']) assert.throws(() => parseShard(bad), /--shard must be K\/N/);
    assert.equal(resolveShard({}, {}), null);
    assert.deepEqual(resolveShard({}, { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '4' }), { index: 2, count: 4, source: 'slurm', arrayTaskMin: 1 });
    assert.deepEqual(resolveShard({}, { SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_COUNT: '2' }), { index: 0, count: 2, source: 'slurm', arrayTaskMin: 0 });
    assert.throws(() => resolveShard({}, { SLURM_ARRAY_TASK_ID: '6', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_COUNT: '4' }), /not one of 4 consecutive shards/);
    assert.deepEqual(resolveShard({ shards: 3 }, { JOB_COMPLETION_INDEX: '2' }), { index: 2, count: 3, source: 'kubernetes' });
    assert.throws(() => resolveShard({ shards: 3 }, {}), /needs JOB_COMPLETION_INDEX/);
    assert.throws(() => resolveShard({ shards: 3 }, { JOB_COMPLETION_INDEX: '3' }), /not below --shards 3/);
    assert.deepEqual(resolveShard({ shard: '1/2' }, { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '4' }), { index: 1, count: 2, source: 'flag' });
    assert.throws(() => resolveShard({ shard: '1/2', shards: 2 }, {}), /contradict/);
  });

  it('writes a Slurm --array= list with ranges', () => {
    assert.equal(arrayList([3, 1, 2, 7, 9, 10, 11, 12]), '1-3,7,9-12');
    assert.equal(arrayList([0, 1]), '0,1');
    assert.equal(arrayList([5]), '5');
  });
});

describe('worker count', () => {
  it('parses cgroup v2 cpu.max and v1 cfs quota texts', () => {
    assert.equal(parseCpuMax('max 100000\n'), null);
    assert.equal(parseCpuMax('200000 100000\n'), 2);
    assert.equal(parseCpuMax('150000 100000'), 2);
    assert.equal(parseCpuMax('50000 100000'), 1);
    assert.equal(parseCpuMax('400000'), 4);
    assert.equal(parseCpuMax('800000 200000'), 4);
    assert.equal(parseCpuMax(''), null);
    assert.equal(parseCpuMax('garbage'), null);
    assert.equal(parseCpuMax('0 100000'), null);
    assert.equal(parseCfsQuota('-1\n', '100000\n'), null);
    assert.equal(parseCfsQuota('300000\n', '100000\n'), 3);
    assert.equal(parseSlurmCpus('4'), 4);
    assert.equal(parseSlurmCpus(''), null);
    assert.equal(parseSlurmCpus('0'), null);
    assert.equal(parseSlurmCpus('2(x3)'), null);
  });

  it('finds the tightest quota of the process cgroup and its ancestors (v2 and v1)', () => {
    const fake = (files: Record<string, string>) => (p: string) => files[p] ?? null;
    assert.equal(cgroupCpuLimit(fake({ '/proc/self/cgroup': '0::/kubepods/pod1/c1\n', '/sys/fs/cgroup/kubepods/pod1/c1/cpu.max': 'max 100000', '/sys/fs/cgroup/kubepods/pod1/cpu.max': '300000 100000', '/sys/fs/cgroup/kubepods/cpu.max': '800000 100000' })), 3);
    assert.equal(cgroupCpuLimit(fake({ '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/cpu.max': '250000 100000' })), 3);
    assert.equal(cgroupCpuLimit(fake({ '/proc/self/cgroup': '0::/user.slice\n' })), null);
    assert.equal(cgroupCpuLimit(fake({ '/proc/self/cgroup': '4:cpu,cpuacct:/docker/abc\n3:memory:/docker/abc\n', '/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us': '200000', '/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us': '100000' })), 2);
    // this machine: whatever it says, a positive integer or none
    const here = cgroupCpuLimit();
    assert.ok(here === null || (Number.isInteger(here) && here >= 1));
  });

  it('SLURM_CPUS_PER_TASK first, then the cgroup quota (never above the cores), then the cores', () => {
    assert.deepEqual(defaultWorkers({ SLURM_CPUS_PER_TASK: '3' }, { cores: 16, cgroup: () => 2 }), { workers: 3, from: 'SLURM_CPUS_PER_TASK' });
    assert.deepEqual(defaultWorkers({}, { cores: 16, cgroup: () => 2 }), { workers: 2, from: 'cgroup cpu quota' });
    assert.deepEqual(defaultWorkers({}, { cores: 4, cgroup: () => 8 }), { workers: 4, from: 'cgroup cpu quota' });
    assert.deepEqual(defaultWorkers({ SLURM_CPUS_PER_TASK: 'x' }, { cores: 6, cgroup: () => null }), { workers: 6, from: 'cores' });
  });

  it('the CLI reports the count it used and where it came from', () => {
    const dir = mkdtempSync(join(tmpdir(), 'segscope-workers-'));
    const f = writeFolderPairs(dir, { pairs: 3, size: 16 });
    const r = cli(['evaluate', f.predDir, f.gtDir, '--losses', 'dice', '--backend', 'reference'], { SLURM_CPUS_PER_TASK: '2' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /on 2 workers \(SLURM_CPUS_PER_TASK\)/);
  });
});

// ---------------------------------------------------------------------------------------------
// Hand-made results for the case log, the empty rules and the CSV

function result(o: { losses: Record<string, number>; perClass?: Record<string, number>[]; metrics?: { dice: number; iou: number; precision: number; recall: number; tp: number; fp: number; fn: number }[]; shape?: number[]; spacing?: number[] }): LoggedResult {
  const enc = (v: number) => (Number.isFinite(v) ? v : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity');
  const encAll = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, k === 'class' ? v : enc(v)]));
  const metrics = o.metrics ?? [];
  const fgMean = (k: 'dice' | 'iou' | 'precision' | 'recall') => {
    const vals = metrics.slice(1).map((m) => m[k]).filter((v) => !Number.isNaN(v));
    return vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : NaN;
  };
  const doc = {
    prediction: { path: '/p.png', shape: o.shape ?? [10, 10], kind: 'labels' },
    target: { path: '/g.png', shape: o.shape ?? [10, 10] },
    binary: false, classes: 3, spacing: o.spacing ?? [1, 1],
    losses: encAll(o.losses),
    perClass: (o.perClass ?? []).map(encAll),
    metrics: {
      pixelAccuracy: 1,
      perClass: metrics.map((m, c) => ({ class: c, ...encAll(m) })),
      meanForeground: { dice: enc(fgMean('dice')), iou: enc(fgMean('iou')), precision: enc(fgMean('precision')), recall: enc(fgMean('recall')) },
    },
    warnings: [], backend: 'reference', timingsMs: { load: 1 },
  } as unknown as EvaluationJson;
  return loggedResult(doc);
}

describe('the case log', () => {
  const line = (k: string, v: number) => ({ case: k, predSha256: 'a'.repeat(64), gtSha256: 'b'.repeat(64), optionsSha256: 'c'.repeat(64), result: result({ losses: { dice: v } }) });

  it('writes the contract fields in order, no timings, and reads them back', () => {
    const text = encodeCaseLine(line('x', 0.5));
    assert.deepEqual(Object.keys(JSON.parse(text)), ['case', 'predSha256', 'gtSha256', 'optionsSha256', 'result']);
    assert.ok(!text.includes('timingsMs'));
    assert.equal(parseCaseLine(text)?.case, 'x');
    assert.deepEqual(Object.keys(JSON.parse(encodeCaseLine({ case: 'y', predSha256: null, gtSha256: null, optionsSha256: 'c'.repeat(64), error: 'bad' }))), ['case', 'predSha256', 'gtSha256', 'optionsSha256', 'error']);
    assert.equal(parseCaseLine('{"case":"x","predSha256":"a"'), null);
    assert.equal(parseCaseLine('{"case":"x","predSha256":null,"gtSha256":null,"optionsSha256":"c","result":{},"error":"both"}'), null);
    assert.equal(optionsSha256({ b: 1, a: [1, { d: 2, c: undefined }] }), optionsSha256({ a: [1, { d: 2 }], b: 1 }));
  });

  it('cuts a torn last line, keeps whole ones, lets a later line supersede, and ends in the given order', () => {
    const dir = mkdtempSync(join(tmpdir(), 'segscope-log-'));
    const path = join(dir, 'cases.jsonl');
    writeFileSync(path, `${encodeCaseLine(line('b', 0.2))}\n${encodeCaseLine(line('a', 0.1))}\nnot json at all\n${encodeCaseLine(line('c', 0.3)).slice(0, 40)}`);
    const log = CaseLog.open(path);
    assert.equal(log.stats.linesRead, 3);
    assert.ok(log.stats.tornBytes === 40);
    assert.equal(readFileSync(path, 'utf8').endsWith('not json at all\n'), true, 'the torn line was cut at the last newline');
    assert.ok(log.has('a', 'a'.repeat(64), 'b'.repeat(64), 'c'.repeat(64)));
    assert.ok(!log.has('a', 'a'.repeat(64), 'b'.repeat(64), 'd'.repeat(64)), 'other options: not resumed');
    assert.ok(!log.has('c', 'a'.repeat(64), 'b'.repeat(64), 'c'.repeat(64)));
    log.append(line('c', 0.3));
    log.append(line('b', 0.25));
    const seen: string[] = [];
    log.finish(['a', 'b', 'c'], (k) => seen.push(k));
    assert.deepEqual(seen, ['a', 'b', 'c']);
    const lines = readFileSync(path, 'utf8').split('\n');
    assert.equal(lines.length, 4);
    assert.deepEqual(lines.slice(0, 3).map((l) => JSON.parse(l).result.losses.dice), [0.1, 0.25, 0.3]);
    assert.ok(!existsSync(`${path}.tmp`));
  });

  it('does not resume a failed case: its error line is evaluated again', () => {
    const dir = mkdtempSync(join(tmpdir(), 'segscope-log-'));
    const path = join(dir, 'cases.jsonl');
    writeFileSync(path, `${encodeCaseLine({ case: 'a', predSha256: 'a'.repeat(64), gtSha256: 'b'.repeat(64), optionsSha256: 'c'.repeat(64), error: 'worker died' })}\n`);
    const log = CaseLog.open(path);
    assert.ok(!log.has('a', 'a'.repeat(64), 'b'.repeat(64), 'c'.repeat(64)));
    log.close();
  });

  it('a run resumes after a torn line and ends with the clean run\'s bytes; the run file says it is complete', () => {
    const dir = mkdtempSync(join(tmpdir(), 'segscope-resume-'));
    const f = writeFolderPairs(dir, { pairs: 12, size: 16, corruptEvery: 6 });
    const clean = join(dir, 'clean.jsonl');
    const args = ['--losses', 'dice,hd95', '--backend', 'reference'];
    assert.equal(cli(['evaluate', f.predDir, f.gtDir, '--out', clean, ...args]).code, 1);
    const text = readFileSync(clean, 'utf8');
    const lines = text.split('\n');
    // a partial run: the first 5 lines, in another order, and half of the 6th
    const partial = join(dir, 'partial.jsonl');
    writeFileSync(partial, [lines[3], lines[0], lines[4], lines[1], lines[2]].join('\n') + '\n' + lines[5].slice(0, lines[5].length >> 1));
    const r = cli(['evaluate', f.predDir, f.gtDir, '--out', partial, ...args]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /resumed from/);
    assert.equal(readFileSync(partial, 'utf8'), text);
    const run = JSON.parse(readFileSync(runFilePath(partial), 'utf8'));
    assert.equal(run.complete, true);
    assert.equal(run.cases, 12);
    // the summary line counts the cases resumed: 5 lines were whole, one of them (maybe) an error, which is redone
    const resumed = Number(/(\d+) resumed/.exec(r.stdout)![1]);
    const wholeResults = [lines[0], lines[1], lines[2], lines[3], lines[4]].filter((l) => JSON.parse(l).result).length;
    assert.equal(resumed, wholeResults);
    // a third run evaluates nothing
    const again = cli(['evaluate', f.predDir, f.gtDir, '--out', partial, ...args]);
    assert.match(again.stdout, /^0 evaluated, 10 resumed/m);
    assert.equal(readFileSync(partial, 'utf8'), text);
    // other options: every case again
    const other = cli(['evaluate', f.predDir, f.gtDir, '--out', partial, '--losses', 'dice', '--backend', 'reference']);
    assert.match(other.stdout, /^10 evaluated, 0 resumed/m);
  });
});

describe('--empty rules', () => {
  // three cases, class 2 empty in the ground truth of case b and in both masks of case c
  const a = result({ losses: { dice: 0.2, hd95: 3, nsd: 0.8, cce: 0.5 }, perClass: [{ class: 1, dice: 0.1, hd95: 2, nsd: 0.9, cce: 0.4 }, { class: 2, dice: 0.3, hd95: 4, nsd: 0.7, cce: 0.6 }], metrics: [{ dice: 1, iou: 1, precision: 1, recall: 1, tp: 50, fp: 0, fn: 0 }, { dice: 0.9, iou: 0.8, precision: 0.9, recall: 0.9, tp: 9, fp: 1, fn: 1 }, { dice: 0.7, iou: 0.5, precision: 0.7, recall: 0.7, tp: 7, fp: 3, fn: 3 }] });
  const b = result({ losses: { dice: 0.5, hd95: Infinity, nsd: 0.4, cce: 0.5 }, perClass: [{ class: 1, dice: 0.1, hd95: 2, nsd: 0.8, cce: 0.4 }, { class: 2, dice: 1, hd95: Infinity, nsd: 0, cce: NaN }], metrics: [{ dice: 1, iou: 1, precision: 1, recall: 1, tp: 50, fp: 0, fn: 0 }, { dice: 0.9, iou: 0.8, precision: 0.9, recall: 0.9, tp: 9, fp: 1, fn: 1 }, { dice: 0, iou: 0, precision: 0, recall: NaN, tp: 0, fp: 4, fn: 0 }], shape: [30, 40], spacing: [1, 2] });
  const c = result({ losses: { dice: 0.05, hd95: 1, nsd: 0.95, cce: 0.5 }, perClass: [{ class: 1, dice: 0.1, hd95: 2, nsd: 0.9, cce: 0.4 }, { class: 2, dice: 0, hd95: 0, nsd: 1, cce: NaN }], metrics: [{ dice: 1, iou: 1, precision: 1, recall: 1, tp: 50, fp: 0, fn: 0 }, { dice: 0.9, iou: 0.8, precision: 0.9, recall: 0.9, tp: 9, fp: 1, fn: 1 }, { dice: NaN, iou: NaN, precision: NaN, recall: NaN, tp: 0, fp: 0, fn: 0 }] });
  const aggregate = (rule: (typeof EMPTY_RULES)[number]) => {
    const agg = new Aggregate({ rule });
    agg.addResult('a', a);
    agg.addResult('b', b);
    agg.addResult('c', c);
    return agg;
  };
  const classMean = (agg: Aggregate, c: number, id: string) => agg.classLossMeans(c).find(([k]) => k === id)![1];
  const metricMean = (agg: Aggregate, c: number, id: string) => agg.classMetricMeans(c).find(([k]) => k === id)![1];
  const close = (x: number, y: number) => assert.ok(Math.abs(x - y) < 1e-12, `${x} vs ${y}`);

  it('skip: NaN left out (counted), +∞ kept (the mean is +∞), finite values of empty classes kept', () => {
    const agg = aggregate('skip');
    const cce = classMean(agg, 2, 'cce');
    close(cce.value, 0.6);
    assert.deepEqual([cce.n, cce.touched], [1, 2]);
    const hd = classMean(agg, 2, 'hd95');
    assert.equal(hd.value, Infinity);
    assert.deepEqual([hd.n, hd.touched, hd.infinite], [3, 0, 1]);
    close(classMean(agg, 2, 'dice').value, (0.3 + 1 + 0) / 3);
    const recall = metricMean(agg, 2, 'Recall');
    close(recall.value, 0.7);
    assert.deepEqual([recall.n, recall.touched], [1, 2]);
  });

  it('zero and one: every undefined value counts as that number', () => {
    for (const [rule, x] of [['zero', 0], ['one', 1]] as const) {
      const agg = aggregate(rule);
      close(classMean(agg, 2, 'cce').value, (0.6 + 2 * x) / 3);
      close(classMean(agg, 2, 'hd95').value, (4 + x + 0) / 3);
      assert.equal(classMean(agg, 2, 'hd95').touched, 1);
      close(metricMean(agg, 2, 'Dice').value, (0.7 + 0 + x) / 3);
    }
  });

  it('worst: the array diagonal for distances, 1 for [0,1] losses, 0 for NSD and scores; no worst for cross entropies (left out)', () => {
    const agg = aggregate('worst');
    const diag = arrayDiagonal(b);
    close(diag, Math.hypot(30, 80));
    close(classMean(agg, 2, 'hd95').value, (4 + diag + 0) / 3);
    const caseHd = agg.caseMeanList().find((m) => m.measure === 'hd95')!.mean;
    close(caseHd.value, (3 + diag + 1) / 3);
    assert.equal(caseHd.touched, 1);
    const cce = classMean(agg, 2, 'cce');
    assert.deepEqual([cce.n, cce.touched], [1, 2]);
    close(metricMean(agg, 2, 'Recall').value, 0.7 / 3);
    close(metricMean(agg, 2, 'Dice').value, (0.7 + 0 + 0) / 3);
    assert.deepEqual(applyEmptyRule(NaN, 'worst', { kind: 'loss', id: 'dice' }, 10), { value: 1, touched: true });
    assert.deepEqual(applyEmptyRule(NaN, 'worst', { kind: 'loss', id: 'nsd' }, 10), { value: 0, touched: true });
    assert.deepEqual(applyEmptyRule(0.5, 'worst', { kind: 'loss', id: 'nsd' }, 10), { value: 0.5, touched: false });
  });

  it('the foreground mean averages the class means of classes >= 1, and the worst cases come in order', () => {
    const agg = aggregate('zero');
    const fg = Object.fromEntries(agg.foregroundMeans((k) => agg.classLossMeans(k)));
    close(fg.dice.value, (0.1 + (0.3 + 1 + 0) / 3) / 2);
    assert.deepEqual(agg.worst().cases.map((w) => w.case), ['b', 'a', 'c']);
    for (const rule of EMPTY_RULES) assert.match(describeEmptyRule(rule), new RegExp(`^--empty ${rule}: `));
  });

  it('every output names the rule: the table, --json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'segscope-empty-'));
    const f = writeFolderPairs(dir, { pairs: 4, size: 16, emptyEvery: 2 });
    const r = cli(['evaluate', f.predDir, f.gtDir, '--losses', 'dice,hd95,cce', '--backend', 'reference', '--empty', 'worst']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Empty classes: --empty worst: /);
    assert.match(r.stdout, /│ hd95 +│ lower +│ +[\d.]+ │ +4 │ +\d+ -> worst │/);
    const j = cli(['evaluate', f.predDir, f.gtDir, '--losses', 'dice', '--backend', 'reference', '--json', '--empty', 'one']);
    const doc = JSON.parse(j.stdout);
    assert.equal(doc.empty.rule, 'one');
    assert.ok(doc.means.dice.n === 4 && 'emptyRuleCases' in doc.means.dice);
    const bad = cli(['evaluate', f.predDir, f.gtDir, '--empty', 'never']);
    assert.equal(bad.code, 2);
  });
});

describe('CSV', () => {
  it('one row per case × class and one `all` row, every loss and metric a column, a failed case one row with its error', () => {
    const r = result({ losses: { dice: 0.5, hd95: Infinity }, perClass: [{ class: 1, dice: 0.25, hd95: Infinity }], metrics: [{ dice: 1, iou: 1, precision: 1, recall: 1, tp: 5, fp: 0, fn: 0 }, { dice: 0.5, iou: NaN, precision: 0.5, recall: 0.5, tp: 1, fp: 1, fn: 1 }] });
    const rows = caseCsvRows('a,"b"', { result: r });
    assert.equal(rows.length, 3);
    const col = (row: string, name: string) => row.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)[CSV_COLUMNS.indexOf(name as never)];
    assert.equal(col(rows[0], 'case'), '"a,""b"""');
    assert.equal(col(rows[0], 'class'), '0');
    assert.equal(col(rows[0], 'dice'), '');
    assert.equal(col(rows[1], 'dice'), '0.25');
    assert.equal(col(rows[1], 'hd95'), 'Infinity');
    assert.equal(col(rows[1], 'metrics.iou'), 'NaN');
    assert.equal(col(rows[1], 'tp'), '1');
    assert.equal(col(rows[2], 'class'), 'all');
    assert.equal(col(rows[2], 'dice'), '0.5');
    assert.deepEqual(caseCsvRows('z', { error: 'broken, badly' }), [`z${','.repeat(CSV_COLUMNS.length - 1)}"broken, badly"`]);
  });

  it('the CLI writes it in case order, with every case and class', () => {
    const dir = mkdtempSync(join(tmpdir(), 'segscope-csv-'));
    const f = writeFolderPairs(dir, { pairs: 5, size: 16, niftiEvery: 2, corruptEvery: 5 });
    const csv = join(dir, 'cases.csv');
    const r = cli(['evaluate', f.predDir, f.gtDir, '--losses', 'dice,iou', '--backend', 'reference', '--csv', csv]);
    assert.equal(r.code, 1, r.stderr);
    const rows = readFileSync(csv, 'utf8').trim().split('\n');
    assert.equal(rows[0], CSV_COLUMNS.join(','));
    const keys = rows.slice(1).map((l) => l.split(',')[0]);
    assert.deepEqual([...new Set(keys)], f.cases);
    // 4 evaluated cases × (3 classes + all) + 1 failed
    assert.equal(rows.length - 1, 4 * 4 + 1);
    assert.ok(rows.some((l) => l.startsWith(`${f.corrupt[0]},,`) && l.includes('truncated')));
  });
});

describe('folder options on two files', () => {
  it('are refused (exit 2), and the Slurm shard of a bad array task is an error naming the variables', () => {
    const dir = mkdtempSync(join(tmpdir(), 'segscope-files-'));
    const p = join(dir, 'p.nii');
    writeFileSync(p, encodeNifti(new Uint8Array(8), [2, 2, 2]));
    const r = cli(['evaluate', p, p, '--out', join(dir, 'x.jsonl')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--out applies to two folders/);
    const f = writeFolderPairs(dir, { pairs: 2, size: 8 });
    const s = cli(['evaluate', f.predDir, f.gtDir], { SLURM_ARRAY_TASK_ID: '9', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_COUNT: '4' });
    assert.equal(s.code, 2);
    assert.match(s.stderr, /Slurm array task 9/);
  });
});

describe('progress', () => {
  it('off a terminal: a line every interval with the counts and the rate, one at the end, none when nothing started', async () => {
    const written: string[] = [];
    const stream = { write: (s: string) => written.push(s), isTTY: false } as unknown as NodeJS.WriteStream;
    const p = createProgress(stream, { intervalMs: 30, tty: false });
    p.update({ done: 5, total: 20, failed: 1, resumed: 2 });
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(written.length >= 2, `lines every 30 ms (${written.length})`);
    assert.match(written[0], /^segscope: 5\/20 cases \(25\.0%\), 1 failed, 2 resumed, [\d.]+ cases\/s, ETA \S+\n$/);
    p.stop({ done: 20, total: 20, failed: 1, resumed: 2 });
    assert.match(written[written.length - 1], /20\/20 cases \(100\.0%\)/);
    const count = written.length;
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(written.length, count, 'stopped');
    const silent: string[] = [];
    createProgress({ write: (s: string) => silent.push(s) } as unknown as NodeJS.WriteStream, { tty: false }).stop();
    assert.deepEqual(silent, []);
    assert.match(progressLine({ done: 0, total: 0, failed: 0, resumed: 0 }, 1), /0\/0 cases \(100\.0%\)/);
  });
});
