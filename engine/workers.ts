/**
 * How many worker threads folder mode starts by default (docs/spec/cli.md, `--workers`):
 * SLURM_CPUS_PER_TASK, else the cgroup's CPU quota (a container or a systemd slice), else the cores
 * node sees. Slurm with `TaskPlugin=task/none` confines nothing, and a container's quota does not
 * change what `os.availableParallelism()` reports, so both must be read here.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { posix } from 'node:path';

/**
 * The CPUs a cgroup v2 `cpu.max` text allows ("QUOTA PERIOD", or "max PERIOD" for no limit):
 * ⌈quota / period⌉, at least 1; null for no limit or a text that is not that.
 */
export function parseCpuMax(text: string): number | null {
  const m = /^\s*(max|\d+)(?:\s+(\d+))?\s*$/.exec(text);
  if (!m || m[1] === 'max') return null;
  const quota = Number(m[1]);
  const period = m[2] === undefined ? 100_000 : Number(m[2]);
  if (!(quota > 0) || !(period > 0)) return null;
  return Math.max(1, Math.ceil(quota / period));
}

/** cgroup v1: `cpu.cfs_quota_us` (-1 for none) over `cpu.cfs_period_us`. */
export function parseCfsQuota(quotaText: string, periodText: string): number | null {
  const quota = Number(quotaText.trim());
  const period = Number(periodText.trim());
  if (!Number.isFinite(quota) || !Number.isFinite(period) || quota <= 0 || period <= 0) return null;
  return Math.max(1, Math.ceil(quota / period));
}

/** SLURM_CPUS_PER_TASK as a positive integer, else null. */
export function parseSlurmCpus(text: string | undefined): number | null {
  if (text === undefined || !/^\s*\d+\s*$/.test(text)) return null;
  const n = Number(text);
  return n >= 1 ? n : null;
}

type Reader = (path: string) => string | null;

const readText: Reader = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
};

/**
 * The tightest CPU quota of this process's cgroup and its ancestors (v2 `cpu.max`, or v1
 * `cpu.cfs_quota_us`), from `/proc/self/cgroup`; null when there is none or it cannot be read.
 */
export function cgroupCpuLimit(read: Reader = readText, root = '/sys/fs/cgroup'): number | null {
  const self = read('/proc/self/cgroup');
  const limits: number[] = [];
  const consider = (n: number | null) => {
    if (n !== null) limits.push(n);
  };
  const ancestors = (path: string): string[] => {
    const out: string[] = [];
    let p = posix.normalize(`/${path}`);
    for (;;) {
      out.push(p);
      if (p === '/') break;
      p = posix.dirname(p);
    }
    return out;
  };
  for (const line of (self ?? '').split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    const [, hierarchy, controllers, path] = m;
    if (hierarchy === '0' && controllers === '') {
      for (const dir of ancestors(path)) {
        const text = read(posix.join(root, dir, 'cpu.max'));
        if (text !== null) consider(parseCpuMax(text));
      }
    } else if (controllers.split(',').includes('cpu')) {
      for (const mount of [posix.join(root, controllers), posix.join(root, 'cpu'), posix.join(root, 'cpu,cpuacct')]) {
        for (const dir of ancestors(path)) {
          const quota = read(posix.join(mount, dir, 'cpu.cfs_quota_us'));
          const period = read(posix.join(mount, dir, 'cpu.cfs_period_us'));
          if (quota !== null && period !== null) consider(parseCfsQuota(quota, period));
        }
      }
    }
  }
  // a container whose namespace shows its own cgroup as the root
  if (limits.length === 0 && self === null) {
    const text = read(posix.join(root, 'cpu.max'));
    if (text !== null) consider(parseCpuMax(text));
  }
  return limits.length ? Math.min(...limits) : null;
}

export interface WorkerCount {
  workers: number;
  /** why that many, for the report */
  from: 'flag' | 'SLURM_CPUS_PER_TASK' | 'cgroup cpu quota' | 'cores';
}

/**
 * The default worker count: `SLURM_CPUS_PER_TASK`, else the cgroup CPU quota (never more than the
 * cores), else the cores.
 */
export function defaultWorkers(
  env: NodeJS.ProcessEnv = process.env,
  { cores = availableParallelism(), cgroup = cgroupCpuLimit }: { cores?: number; cgroup?: () => number | null } = {},
): WorkerCount {
  const slurm = parseSlurmCpus(env.SLURM_CPUS_PER_TASK);
  if (slurm !== null) return { workers: slurm, from: 'SLURM_CPUS_PER_TASK' };
  const quota = cgroup();
  if (quota !== null) return { workers: Math.max(1, Math.min(quota, cores)), from: 'cgroup cpu quota' };
  return { workers: Math.max(1, cores), from: 'cores' };
}
