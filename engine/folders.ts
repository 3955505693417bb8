/** Folder against folder: pairing by name, and every pair evaluated in the engine's worker pool. */
import { readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { maskExtension } from '../formats/extensions.js';
import { MaskInputError } from '../formats/types.js';
import { fromJsonNumber } from '../protocol/jsonNumber.js';
import type { EvaluationJson } from '../protocol/messages.js';
import { engineWorkerScript } from './paths.js';
import { WorkerPool } from './pool.js';
import type { EvaluateFilesOptions } from './session.js';

export interface FolderPair {
  name: string;
  pred: string;
  gt: string;
}

export interface PairOutcome extends FolderPair {
  /** the CLI's JSON document for this pair, or the user-facing error */
  result?: EvaluationJson;
  error?: string;
}

export interface BatchResult {
  pairs: PairOutcome[];
  unmatched: { predictions: string[]; groundTruths: string[] };
  /** per loss, the mean over the pairs that evaluated (non-finite values make it non-finite) */
  meanLosses: Record<string, number>;
  workers: number;
  seconds: number;
}

function stem(file: string): string | null {
  const ext = maskExtension(file);
  return ext ? file.slice(0, -ext.length) : null;
}

function masksByStem(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of readdirSync(dir).sort()) {
    const s = stem(file);
    if (s !== null && !out.has(s)) out.set(s, join(dir, file));
  }
  return out;
}

/** Pairs the masks of two folders by file name without extension (case_01.png ↔ case_01.nii.gz). */
export function pairFolders(predDir: string, gtDir: string): { pairs: FolderPair[]; unmatched: BatchResult['unmatched'] } {
  const preds = masksByStem(predDir);
  const gts = masksByStem(gtDir);
  const pairs: FolderPair[] = [];
  for (const [name, pred] of preds) {
    const gt = gts.get(name);
    if (gt) pairs.push({ name, pred, gt });
  }
  return {
    pairs,
    unmatched: {
      predictions: [...preds.keys()].filter((k) => !gts.has(k)),
      groundTruths: [...gts.keys()].filter((k) => !preds.has(k)),
    },
  };
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Evaluates every pair of two folders on a pool of worker threads (one per core by default). */
export async function evaluateFolders(
  predDir: string,
  gtDir: string,
  options: EvaluateFilesOptions,
  { workers = availableParallelism(), onProgress }: { workers?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<BatchResult> {
  const t0 = performance.now();
  const { pairs, unmatched } = pairFolders(predDir, gtDir);
  if (pairs.length === 0) {
    throw new MaskInputError(predDir, `no mask in it has a namesake in ${gtDir} (pairs are matched by file name without extension)`);
  }
  const outcomes: PairOutcome[] = pairs.map((p) => ({ ...p }));
  const poolSize = Math.max(1, Math.min(workers, pairs.length));
  // with several pairs at once on every core, each pair's distance transforms keep to one thread
  const pool = new WorkerPool({ script: engineWorkerScript(), size: poolSize, workerData: { distanceThreads: poolSize > 1 ? 1 : 2 } });
  let next = 0;
  let done = 0;
  try {
    await Promise.all(Array.from({ length: poolSize }, async () => {
      while (next < pairs.length) {
        const outcome = outcomes[next++];
        try {
          outcome.result = await pool.evaluate(outcome.pred, outcome.gt, options);
        } catch (e) {
          outcome.error = (e as Error).message;
        }
        onProgress?.(++done, pairs.length);
      }
    }));
  } finally {
    pool.dispose();
  }

  return { pairs: outcomes, unmatched, meanLosses: meanOverPairs(outcomes), workers: poolSize, seconds: (performance.now() - t0) / 1000 };
}

function meanOverPairs(outcomes: PairOutcome[]): Record<string, number> {
  const sums: Record<string, { total: number; n: number }> = {};
  for (const o of outcomes) {
    for (const [id, raw] of Object.entries(o.result?.losses ?? {})) {
      const v = fromJsonNumber(raw);
      const s = (sums[id] ??= { total: 0, n: 0 });
      s.total += v;
      s.n++;
    }
  }
  return Object.fromEntries(Object.entries(sums).map(([id, s]) => [id, s.total / s.n]));
}
