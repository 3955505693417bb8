/**
 * Commands for the end-to-end tests only, registered when the extension host runs with
 * SEGSCOPE_E2E_HOOKS=1 (test/e2e starts code-server so; users never see them).
 *
 * Writing `.segscope-e2e/concurrency-request.json` in the first workspace folder
 * (`{ "pairs": [{ "pred", "gt" }, …] }`) starts every evaluation of it at once in the
 * shared worker pool, measures the extension host's event-loop delay meanwhile, and writes
 * `.segscope-e2e/concurrency.json` (`{ "results": [{ "pred", "gt", "dice" | "error" }], "delayMs": { "max", "p99", "mean" }, "ms" }`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { WorkerPool } from '../engine/pool.js';
import { readEvaluateOptions } from './config.js';

export function registerE2eHooks(engine: () => WorkerPool): vscode.Disposable[] {
  if (process.env.SEGSCOPE_E2E_HOOKS !== '1') return [];
  const watcher = vscode.workspace.createFileSystemWatcher('**/.segscope-e2e/concurrency-request.json');
  let running = false;
  const run = async (file: vscode.Uri) => {
    if (running) return; // a new file fires both create and change
    running = true;
    const dir = dirname(file.fsPath);
    const request = JSON.parse(readFileSync(file.fsPath, 'utf8')) as { pairs: { pred: string; gt: string }[] };
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const t0 = Date.now();
    const results = await Promise.all(
      request.pairs.map(async ({ pred, gt }) => {
        const session = engine().openSession(pred, gt, readEvaluateOptions(vscode.Uri.file(gt)).options);
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
    writeFileSync(join(dir, 'concurrency.json'), JSON.stringify({ results, delayMs: { max: ms(delay.max), p99: ms(delay.percentile(99)), mean: ms(delay.mean) }, ms: Date.now() - t0 }));
    running = false;
  };
  return [watcher, watcher.onDidCreate(run), watcher.onDidChange(run)];
}
