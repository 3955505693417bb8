/**
 * Which shard a case belongs to (docs/spec/cli.md, Folders, `--shard K/N`): a stable hash of the
 * case key, so that a case stays in its shard whatever the other cases are, and the shard of this
 * run from the flags or the scheduler's environment (Slurm array, Kubernetes Indexed Job).
 */
import { createHash } from 'node:crypto';

export interface Shard {
  /** 0-based */
  index: number;
  count: number;
  /** where the shard came from, for the report */
  source: 'flag' | 'slurm' | 'kubernetes';
  /** Slurm: SLURM_ARRAY_TASK_MIN, the array id of shard 0 (for the `--array=` list of a rerun) */
  arrayTaskMin?: number;
}

/** A bad `--shard` / `--shards` value or scheduler environment (exit 2). */
export class ShardError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShardError';
  }
}

/**
 * The shard (0..count-1) of a case key: the first 48 bits of SHA-256 of its UTF-8 bytes, modulo
 * `count`. Stable across runs, machines and the rest of the case list.
 */
export function shardOfKey(key: string, count: number): number {
  if (!Number.isInteger(count) || count < 1) throw new ShardError(`the shard count must be a positive integer, got ${count}`);
  if (count === 1) return 0;
  const h = createHash('sha256').update(key, 'utf8').digest();
  return h.readUIntBE(0, 6) % count;
}

function integer(text: string | undefined): number | null {
  if (text === undefined || !/^\s*-?\d+\s*$/.test(text)) return null;
  return Number(text);
}

/** `K/N` (0-based K). */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new ShardError(`--shard must be K/N with 0 <= K < N (0-based), got '${text}'`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) throw new ShardError(`--shard must be K/N with 0 <= K < N (0-based), got '${text}'`);
  return { index, count, source: 'flag' };
}

/**
 * This run's shard: `--shard K/N`; else a Slurm array task (K = SLURM_ARRAY_TASK_ID −
 * SLURM_ARRAY_TASK_MIN, N = SLURM_ARRAY_TASK_COUNT); else a Kubernetes Indexed Job's
 * JOB_COMPLETION_INDEX with `--shards N`; else none (every case). `--shards N` without an index
 * is an error, and so is an index past N.
 */
export function resolveShard(
  { shard, shards }: { shard?: string; shards?: number },
  env: NodeJS.ProcessEnv = process.env,
): Shard | null {
  if (shard !== undefined) {
    if (shards !== undefined) throw new ShardError('--shard K/N and --shards N contradict each other: give one');
    return parseShard(shard);
  }
  const taskId = integer(env.SLURM_ARRAY_TASK_ID);
  if (taskId !== null && shards === undefined) {
    const min = integer(env.SLURM_ARRAY_TASK_MIN) ?? 0;
    const count = integer(env.SLURM_ARRAY_TASK_COUNT);
    if (count === null || count < 1) throw new ShardError(`SLURM_ARRAY_TASK_ID is set (${taskId}) but SLURM_ARRAY_TASK_COUNT is not a positive integer ('${env.SLURM_ARRAY_TASK_COUNT ?? ''}')`);
    const index = taskId - min;
    if (index < 0 || index >= count) {
      throw new ShardError(
        `the Slurm array task ${taskId} (min ${min}, count ${count}) is not one of ${count} consecutive shards: ` +
          'submit the array as a range starting at SLURM_ARRAY_TASK_MIN (e.g. --array=0-3), or pass --shard K/N',
      );
    }
    return { index, count, source: 'slurm', arrayTaskMin: min };
  }
  if (shards !== undefined) {
    if (!Number.isInteger(shards) || shards < 1) throw new ShardError(`--shards must be a positive integer, got ${shards}`);
    const index = integer(env.JOB_COMPLETION_INDEX);
    if (index === null) throw new ShardError('--shards N needs JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) to say which shard this is; elsewhere use --shard K/N');
    if (index < 0 || index >= shards) throw new ShardError(`JOB_COMPLETION_INDEX ${index} is not below --shards ${shards}`);
    return { index, count: shards, source: 'kubernetes' };
  }
  return null;
}

/** `K/N (from …)` for reports. */
export function describeShard(s: Shard | null): string {
  if (!s) return 'all cases (no shard)';
  const from = s.source === 'flag' ? '--shard' : s.source === 'slurm' ? 'the Slurm array' : 'JOB_COMPLETION_INDEX';
  return `shard ${s.index}/${s.count} (from ${from})`;
}

/** Slurm's `--array=` syntax for a set of array ids: `1,3-5,9`. */
export function arrayList(ids: Iterable<number>): string {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j === i ? String(sorted[i]) : j === i + 1 ? `${sorted[i]},${sorted[j]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
