/**
 * The shipped examples of dataset scale (examples/): the Kubernetes manifest parsed and checked
 * (an Indexed Job whose pods take their shard from JOB_COMPLETION_INDEX with --shards = completions,
 * and a merge Job), then its shell commands run here as the pods would run them (with /data a
 * temporary folder), merged into the summary.json of one run; the Slurm scripts checked by bash -n
 * and run once by hand with a Slurm task's environment (test/slurm runs them on a real cluster).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { writeFolderPairs, type FolderFixture } from '../fixtures/folders.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const SEGSCOPE_CLI = `${process.execPath} ${CLI}`;
const CLEAN_ENV = { SLURM_ARRAY_TASK_ID: '', SLURM_ARRAY_TASK_MIN: '', SLURM_ARRAY_TASK_COUNT: '', JOB_COMPLETION_INDEX: '', SLURM_CPUS_PER_TASK: '' };
const MANIFEST = join(ROOT, 'examples', 'k8s', 'evaluate-indexed-job.yaml');

interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string }[];
  resources?: { limits?: { cpu?: string } };
}
interface JobDoc {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    completionMode?: string;
    completions?: number;
    parallelism?: number;
    template: { spec: { restartPolicy: string; containers: Container[]; initContainers?: Container[]; volumes?: unknown[] } };
  };
}

function sh(script: string, env: NodeJS.ProcessEnv) {
  return spawnSync('sh', ['-c', script], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...CLEAN_ENV, ...env } });
}

function cli(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...CLEAN_ENV } });
}

describe('examples/k8s: the Indexed Job and the merge Job', () => {
  let docs: JobDoc[] = [];
  before(() => {
    const parsed = parseAllDocuments(readFileSync(MANIFEST, 'utf8'));
    for (const d of parsed) assert.deepEqual(d.errors, [], 'the manifest parses');
    docs = parsed.map((d) => d.toJS() as JobDoc);
  });

  it('an Indexed Job of N completions (all in parallel) whose pods run shard JOB_COMPLETION_INDEX of --shards N, then a merge Job', () => {
    assert.equal(docs.length, 2);
    const [evaluate, merge] = docs;
    for (const d of docs) {
      assert.equal(d.apiVersion, 'batch/v1');
      assert.equal(d.kind, 'Job');
      assert.ok(['Never', 'OnFailure'].includes(d.spec.template.spec.restartPolicy));
    }
    assert.equal(evaluate.spec.completionMode, 'Indexed');
    assert.ok(Number.isInteger(evaluate.spec.completions) && evaluate.spec.completions! > 1);
    assert.equal(evaluate.spec.parallelism, evaluate.spec.completions);
    const c = evaluate.spec.template.spec.containers[0];
    const script = [...(c.command ?? []), ...(c.args ?? [])].join(' ');
    assert.match(script, /\$\{SEGSCOPE_CLI:-segscope\} evaluate /);
    assert.match(script, /--shards "\$SHARDS"/);
    assert.equal(c.env?.find((e) => e.name === 'SHARDS')?.value, String(evaluate.spec.completions), '--shards N = completions');
    assert.match(script, /--out "\/data\/out\/part-\$\{JOB_COMPLETION_INDEX\}\.jsonl"/);
    assert.ok(c.resources?.limits?.cpu, 'a CPU limit: the cgroup quota sizes the worker pool');

    assert.equal(merge.metadata.name, 'segscope-merge');
    assert.equal(merge.spec.completionMode, undefined);
    const m = merge.spec.template.spec.containers[0];
    const mergeScript = [...(m.command ?? []), ...(m.args ?? [])].join(' ');
    assert.match(mergeScript, /merge \/data\/out\/part-\*\.jsonl --expect \/data\/pred \/data\/gt --out \/data\/out\/summary\.json/);
    const wait = merge.spec.template.spec.initContainers?.[0];
    assert.ok(wait, 'the merge waits for the shards');
    assert.equal(wait!.env?.find((e) => e.name === 'SHARDS')?.value, String(evaluate.spec.completions));
  });

  it("its commands, run as the pods run them, give the summary.json of one run", () => {
    const dir = mkdtempSync(join(tmpdir(), 'segscope-k8s-'));
    const data = join(dir, 'data');
    const f: FolderFixture = writeFolderPairs(data, { pairs: 20, size: 16, niftiEvery: 5, corruptEvery: 10 });
    const [evaluate, merge] = docs;
    const local = (s: string) => s.replaceAll('/data', data);
    const shards = evaluate.spec.completions!;
    const env = (c: Container) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? '']));
    const c = evaluate.spec.template.spec.containers[0];
    for (let k = 0; k < shards; k++) {
      const r = sh(local(c.args!.join(' ')), { ...env(c), JOB_COMPLETION_INDEX: String(k), SEGSCOPE_CLI });
      assert.equal(r.status, 0, `pod ${k}: a run with failed cases is still a completed pod (${r.stderr})`);
    }
    assert.equal(readdirSync(join(data, 'out')).filter((n) => n.endsWith('.jsonl')).length, shards);
    const wait = merge.spec.template.spec.initContainers![0];
    const w = spawnSync('timeout', ['20', 'sh', '-c', local(wait.args!.join(' '))], { encoding: 'utf8', env: { ...process.env, ...env(wait) } });
    assert.equal(w.status, 0, `the init container sees ${shards} complete shards (${w.stderr})`);
    const m = merge.spec.template.spec.containers[0];
    const r = sh(local(m.args!.join(' ')), { SEGSCOPE_CLI });
    assert.equal(r.status, 0, r.stdout + r.stderr);

    mkdirSync(join(dir, 'one'));
    const single = join(dir, 'one', 'all.jsonl');
    cli(['evaluate', f.predDir, f.gtDir, '--out', single]);
    const summary = join(dir, 'one', 'summary.json');
    assert.equal(cli(['merge', single, '--out', summary]).status, 0);
    assert.ok(readFileSync(summary).equals(readFileSync(join(data, 'out', 'summary.json'))), 'byte-identical summary.json');
  });
});

describe('examples/slurm', () => {
  const SLURM = join(ROOT, 'examples', 'slurm');

  it('the scripts parse, find the CLI as ${SEGSCOPE_CLI:-segscope}, write part-$SLURM_ARRAY_TASK_ID.jsonl and merge after the array', () => {
    for (const name of ['evaluate-array.sbatch', 'merge.sbatch', 'submit.sh']) {
      const r = spawnSync('bash', ['-n', join(SLURM, name)], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${name}: ${r.stderr}`);
    }
    const array = readFileSync(join(SLURM, 'evaluate-array.sbatch'), 'utf8');
    assert.match(array, /^#SBATCH --array=/m);
    assert.match(array, /\$\{SEGSCOPE_CLI:-segscope\} evaluate "\$PRED_DIR" "\$GT_DIR" --out "\$OUT_DIR\/part-\$\{SLURM_ARRAY_TASK_ID\}\.jsonl"/);
    assert.doesNotMatch(array, /--shard/, 'the shard comes from the Slurm environment');
    const merge = readFileSync(join(SLURM, 'merge.sbatch'), 'utf8');
    assert.match(merge, /\$\{SEGSCOPE_CLI:-segscope\} merge "\$OUT_DIR"\/part-\*\.jsonl --expect "\$PRED_DIR" "\$GT_DIR" --out "\$OUT_DIR\/summary\.json"/);
    const submit = readFileSync(join(SLURM, 'submit.sh'), 'utf8');
    assert.match(submit, /--dependency="afterany:\$array"/);
  });

  it('run by hand with a Slurm task environment (ids from 1), the tasks and the merge give one run\'s summary.json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'segscope-sbatch-'));
    const f = writeFolderPairs(join(dir, 'data'), { pairs: 12, size: 16, niftiEvery: 4 });
    const out = join(dir, 'out');
    for (let id = 1; id <= 3; id++) {
      const r = spawnSync('bash', [join(SLURM, 'evaluate-array.sbatch'), f.predDir, f.gtDir, out, '--losses', 'dice,hd95'], {
        encoding: 'utf8', env: { ...process.env, ...CLEAN_ENV, SEGSCOPE_CLI, SLURM_ARRAY_TASK_ID: String(id), SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '3', SLURM_CPUS_PER_TASK: '1' },
      });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`shard ${id - 1}/3 \\(from the Slurm array\\)`));
    }
    const m = spawnSync('bash', [join(SLURM, 'merge.sbatch'), f.predDir, f.gtDir, out], { encoding: 'utf8', env: { ...process.env, ...CLEAN_ENV, SEGSCOPE_CLI } });
    assert.equal(m.status, 0, m.stdout + m.stderr);
    const single = join(dir, 'all.jsonl');
    cli(['evaluate', f.predDir, f.gtDir, '--out', single, '--losses', 'dice,hd95']);
    cli(['merge', single, '--out', join(dir, 'summary.json')]);
    assert.ok(readFileSync(join(dir, 'summary.json')).equals(readFileSync(join(out, 'summary.json'))));
  });

  it('examples/README.md has a paragraph on each', () => {
    const readme = readFileSync(join(ROOT, 'examples', 'README.md'), 'utf8');
    for (const name of ['slurm/evaluate-array.sbatch', 'slurm/merge.sbatch', 'slurm/submit.sh', 'k8s/evaluate-indexed-job.yaml']) assert.ok(readme.includes(name), name);
  });
});
