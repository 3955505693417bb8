/**
 * Hooks for the end-to-end tests only, installed when the extension host runs with
 * SEGSCOPE_E2E_HOOKS=1 (test/e2e starts code-server so; users never see them).
 *
 * A request file `.segscope-e2e/concurrency-request.json` in a workspace folder
 * (`{ "pairs": [{ "pred", "gt" }, …] }`) starts every evaluation of it at once in the shared
 * worker pool and measures the extension host's event-loop delay meanwhile. The hook takes the
 * request (deletes it), writes `concurrency-started.json`, then `concurrency.json`:
 * `{ "results": [{ "pred", "gt", "dice" | "error" }], "delayMs": { "max", "p99", "mean" }, "ms" }`,
 * or `{ "failed": message }`.
 *
 * The request is found by polling, not by a file-system watcher: a watcher can fire on the empty
 * file before its bytes are written, and on a machine out of inotify watches not at all.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { WorkerPool } from '../engine/pool.js';
import { readEvaluateOptions } from './config.js';

const POLL_MS = 250;

interface ConcurrencyRequest {
  pairs: { pred: string; gt: string }[];
}

function writeAtomically(path: string, value: unknown): void {
  writeFileSync(`${path}.tmp`, JSON.stringify(value));
  renameSync(`${path}.tmp`, path);
}

/** The request, or undefined while there is none or it is still being written. */
function takeRequest(dir: string): ConcurrencyRequest | undefined {
  const file = join(dir, 'concurrency-request.json');
  if (!existsSync(file)) return undefined;
  let request: ConcurrencyRequest;
  try {
    request = JSON.parse(readFileSync(file, 'utf8')) as ConcurrencyRequest;
  } catch {
    return undefined;
  }
  rmSync(file, { force: true });
  return request;
}

async function runConcurrency(engine: WorkerPool, request: ConcurrencyRequest, dir: string): Promise<void> {
  writeAtomically(join(dir, 'concurrency-started.json'), { pairs: request.pairs.length });
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const t0 = Date.now();
  const results = await Promise.all(
    request.pairs.map(async ({ pred, gt }) => {
      const session = engine.openSession(pred, gt, readEvaluateOptions(vscode.Uri.file(gt)).options);
      try {
        const r = await session.result();
        return { pred, gt, dice: r.losses.dice };
      } catch (e) {
        return { pred, gt, error: (e as Error).message };
      } finally {
        session.close();
      }
    }),
  );
  delay.disable();
  const ms = (ns: number) => ns / 1e6;
  writeAtomically(join(dir, 'concurrency.json'), { results, delayMs: { max: ms(delay.max), p99: ms(delay.percentile(99)), mean: ms(delay.mean) }, ms: Date.now() - t0 });
}

export function registerE2eHooks(engine: () => WorkerPool): vscode.Disposable[] {
  if (process.env.SEGSCOPE_E2E_HOOKS !== '1') return [];
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const dir = join(folder.uri.fsPath, '.segscope-e2e');
      const request = takeRequest(dir);
      if (!request) continue;
      running = true;
      runConcurrency(engine(), request, dir)
        .catch((e: unknown) => writeAtomically(join(dir, 'concurrency.json'), { failed: String((e as Error)?.message ?? e) }))
        .finally(() => {
          running = false;
        });
      return;
    }
  }, POLL_MS);
  return [{ dispose: () => clearInterval(timer) }];
}
