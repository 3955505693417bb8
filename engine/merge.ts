/**
 * `segscope merge PART.jsonl… --out summary.json [--expect PRED_DIR GT_DIR]` (docs/spec/cli.md):
 * the case logs of the shards of a run into one summary.json (engine/summary.ts).
 *
 * Lines are indexed (part, offset, length, hashes), never held; a case found more than once is
 * counted once: a result is preferred to an error, then the later part on the command line (and the
 * later line). Parts evaluated with different options are refused. With `--expect`, the folders are
 * paired as `evaluate` pairs them and their files hashed: a case is present when a line has its
 * current hashes (a line with other hashes is stale: the case counts as missing); missing cases are
 * named with the shards to rerun as a Slurm `--array=` list, and cases of the parts that the
 * folders do not have are left out of the summary (named).
 */
import * as fs from 'node:fs';
import { MaskInputError } from '../formats/types.js';
import type { EmptyRule } from './aggregate.js';
import { fileSha256, parseCaseLine, readRunFile, scanLines, type CaseLine, type RunFile } from './caseLog.js';
import { compareKeys, matchFolders } from './folders.js';
import { arrayList, shardOfKey } from './shards.js';
import { writeSummary } from './summary.js';

interface Located {
  part: number;
  offset: number;
  length: number;
  predSha256: string | null;
  gtSha256: string | null;
  optionsSha256: string;
  ok: boolean;
}

export interface MergeOptions {
  out: string;
  expect?: { predDir: string; gtDir: string };
  /** the empty rule (default: the parts' run files when they agree, else skip) */
  empty?: EmptyRule;
  /** the shard count for the rerun list (default: the parts' run files) */
  shards?: number;
}

export interface MergeReport {
  parts: string[];
  /** complete lines read */
  lines: number;
  /** complete lines that are not case lines (foreign, corrupt) */
  badLines: number;
  /** parts that end with a torn line (a run killed while writing, or a file still being written) */
  torn: string[];
  /** cases found more than once (counted once) */
  duplicates: number;
  /** of those, cases whose lines disagree (other hashes, or a result and an error) */
  conflicts: string[];
  /** cases in summary.json */
  cases: number;
  evaluated: number;
  failed: number;
  rule: EmptyRule;
  ruleFrom: 'flag' | 'run files' | 'default';
  optionsSha256: string | null;
  /** parts without a run file beside them */
  withoutRunFile: string[];
  /** --expect only */
  expected?: {
    cases: number;
    missing: string[];
    stale: string[];
    extra: string[];
    shards: number | null;
    /**
     * the shards to rerun (0-based) and the Slurm `--array=` list of their array ids (shard +
     * SLURM_ARRAY_TASK_MIN when the parts came from a Slurm array, else the shard indexes)
     */
    rerun: { shards: number[]; array: string; slurm: boolean } | null;
  };
}

function openPart(path: string): number {
  try {
    return fs.openSync(path, 'r');
  } catch (e) {
    throw new MaskInputError(path, `cannot read the case log (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

const same = (a: Located, b: Located) => a.ok === b.ok && a.predSha256 === b.predSha256 && a.gtSha256 === b.gtSha256 && a.optionsSha256 === b.optionsSha256;

/** Merges case logs into summary.json; the report says what was found (exit 1 when --expect finds cases missing). */
export async function mergeCaseLogs(parts: string[], options: MergeOptions): Promise<MergeReport> {
  if (parts.length === 0) throw new MaskInputError('', 'merge needs at least one case log (PART.jsonl)');
  const fds = parts.map(openPart);
  try {
    /** every line of each case (most cases: one) */
    const found = new Map<string, Located[]>();
    let lines = 0;
    let badLines = 0;
    const torn: string[] = [];
    const optionHashes = new Set<string>();
    fds.forEach((fd, part) => {
      const end = scanLines(fd, (text, offset, length) => {
        lines++;
        const l = parseCaseLine(text);
        if (!l) {
          badLines++;
          return;
        }
        const loc: Located = { part, offset, length, predSha256: l.predSha256, gtSha256: l.gtSha256, optionsSha256: l.optionsSha256, ok: l.result !== undefined };
        optionHashes.add(l.optionsSha256);
        const list = found.get(l.case);
        if (list) list.push(loc);
        else found.set(l.case, [loc]);
      });
      if (fs.fstatSync(fd).size > end) torn.push(parts[part]);
    });
    if (optionHashes.size > 1) {
      const where = (h: string) => [...new Set([...found.values()].flat().filter((l) => l.optionsSha256 === h).map((l) => parts[l.part]))].slice(0, 3).join(', ');
      throw new MaskInputError(parts[0], `the case logs were evaluated with different options (${[...optionHashes].map((h) => `${h.slice(0, 12)}… in ${where(h)}`).join('; ')}): merge the parts of one run`);
    }

    const runs = parts.map((p) => readRunFile(p));
    const withoutRunFile = parts.filter((_, i) => !runs[i]);

    // the expected cases, and the hashes their files have now
    let expected: MergeReport['expected'];
    let current: Map<string, { pred: string | null; gt: string | null; clash: boolean }> | undefined;
    if (options.expect) {
      const match = matchFolders(options.expect.predDir, options.expect.gtDir);
      current = new Map();
      let next = 0;
      await Promise.all(Array.from({ length: 4 }, async () => {
        while (next < match.cases.length) {
          const c = match.cases[next++];
          if (c.error) {
            current!.set(c.key, { pred: null, gt: null, clash: true });
            continue;
          }
          const [pred, gt] = await Promise.all([fileSha256(c.pred).catch(() => null), fileSha256(c.gt).catch(() => null)]);
          current!.set(c.key, { pred, gt, clash: false });
        }
      }));
    }

    // one line per case
    const chosen = new Map<string, Located>();
    const conflicts: string[] = [];
    const stale: string[] = [];
    let duplicates = 0;
    for (const [key, list] of found) {
      let candidates = list;
      if (current) {
        const now = current.get(key);
        if (!now) continue; // not a case of the folders: extra
        candidates = list.filter((l) => (now.clash || now.pred === null || now.gt === null ? !l.ok : l.predSha256 === now.pred && l.gtSha256 === now.gt));
        if (!candidates.length) {
          stale.push(key);
          continue;
        }
      }
      if (list.length > 1) {
        duplicates++;
        if (list.some((l) => !same(l, list[0]))) conflicts.push(key);
      }
      // a result before an error, then the last one
      const results = candidates.filter((l) => l.ok);
      chosen.set(key, (results.length ? results : candidates)[(results.length ? results : candidates).length - 1]);
    }

    const optionsSha256 = optionHashes.size ? [...optionHashes][0] : null;
    const run: RunFile | undefined = runs.find((r) => r && r.optionsSha256 === optionsSha256) ?? undefined;

    let rule: EmptyRule = 'skip';
    let ruleFrom: MergeReport['ruleFrom'] = 'default';
    if (options.empty) {
      rule = options.empty;
      ruleFrom = 'flag';
    } else {
      const rules = new Set(runs.filter((r): r is RunFile => !!r).map((r) => r.empty));
      if (rules.size === 1) {
        rule = [...rules][0] as EmptyRule;
        ruleFrom = 'run files';
      }
    }

    if (current) {
      const missing = [...current.keys()].filter((k) => !chosen.has(k)).sort(compareKeys);
      const extra = [...found.keys()].filter((k) => !current!.has(k)).sort(compareKeys);
      const counts = new Set(runs.filter((r): r is RunFile => !!r?.shard).map((r) => r.shard!.count));
      const shards = options.shards ?? (counts.size === 1 ? [...counts][0] : null);
      // Slurm array ids: shard + SLURM_ARRAY_TASK_MIN, when every part came from one Slurm array
      const sharded = runs.filter((r): r is RunFile => !!r?.shard);
      const mins = new Set(sharded.map((r) => (r.shard!.source === 'slurm' ? r.shard!.arrayTaskMin ?? 0 : -1)));
      const slurmMin = sharded.length && mins.size === 1 && !mins.has(-1) ? [...mins][0] : null;
      let rerun: NonNullable<MergeReport['expected']>['rerun'] = null;
      if (missing.length && shards) {
        const ids = [...new Set(missing.map((k) => shardOfKey(k, shards)))].sort((a, b) => a - b);
        rerun = { shards: ids, array: `--array=${arrayList(ids.map((k) => k + (slurmMin ?? 0)))}`, slurm: slurmMin !== null };
      }
      expected = { cases: current.size, missing, stale: stale.sort(compareKeys), extra, shards, rerun };
    }

    const keys = [...chosen.keys()].sort(compareKeys);
    const buffer = Buffer.allocUnsafe(1 << 16);
    const read = (key: string): CaseLine | null => {
      const loc = chosen.get(key)!;
      const buf = loc.length - 1 <= buffer.length ? buffer.subarray(0, loc.length - 1) : Buffer.allocUnsafe(loc.length - 1);
      fs.readSync(fds[loc.part], buf, 0, buf.length, loc.offset);
      return parseCaseLine(buf.toString('utf8'));
    };
    const aggregate = writeSummary(options.out, { keys, read }, { options: run?.options ?? null, optionsSha256, rule });

    return {
      parts, lines, badLines, torn, duplicates, conflicts: conflicts.sort(compareKeys), cases: keys.length, evaluated: aggregate.evaluated, failed: aggregate.failed,
      rule, ruleFrom, optionsSha256, withoutRunFile, ...(expected ? { expected } : {}),
    };
  } finally {
    for (const fd of fds) fs.closeSync(fd);
  }
}
