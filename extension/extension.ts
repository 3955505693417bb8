/**
 * SegScope's VS Code side: the `segscope.evaluatePair` command, one results panel per mask pair
 * (restored after a window reload by a WebviewPanelSerializer), and a small API for tests and
 * other extensions (`vscode.extensions.getExtension('segscope.segscope').exports`).
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { WorkerPool } from '../engine/pool.js';
import type { EngineStats } from '../engine/workerMessages.js';
import { ComparisonModel, ComparisonViewProvider, type ComparisonSnapshot } from './comparison.js';
import { addPairToComparison, registerComparison } from './comparisonCommands.js';
import { registerE2eHooks } from './e2eHooks.js';
import { registerFolderPanel } from './folderPanel.js';
import { registerNotebookRenderer } from './notebookRenderer.js';
import { PanelManager, VIEW_TYPE, type PanelSnapshot } from './panel.js';
import { resolvePair, selectedFiles } from './pairCommand.js';

export interface SegscopeApi {
  /** Evaluate an ordered pair (paths or URIs) in its panel; resolves when the evaluation is over. */
  evaluate(pred: string | vscode.Uri, gt: string | vscode.Uri): Promise<PanelSnapshot>;
  /** The open panels. */
  panels(): PanelSnapshot[];
  /** Resolves with the panel of the pair once `predicate` holds (checked on every change), or rejects after `timeoutMs`. */
  waitFor(predicate: (p: PanelSnapshot) => boolean, timeoutMs?: number): Promise<PanelSnapshot>;
  /** The engine workers' counters (files decoded, sessions open); empty before the first evaluation. */
  engineStats(): Promise<EngineStats[]>;
  /** The Loss Comparison: its ground truth, predictions and the view's state; resolves when no evaluation is left. */
  comparison(): Promise<ComparisonSnapshot>;
}

let manager: PanelManager | undefined;
let pool: WorkerPool | undefined;
let reevaluate: ReturnType<typeof setTimeout> | undefined;

const pathOf = (x: string | vscode.Uri) => (typeof x === 'string' ? x : x.fsPath);

export function activate(context: vscode.ExtensionContext): SegscopeApi {
  const log = vscode.window.createOutputChannel('SegScope');
  // one pool for every surface, started on the first evaluation; a core stays free for the host
  // `auto` runs the backend measured fastest and correct on this machine, measured once and kept in global storage
  const engine = () =>
    (pool ??= new WorkerPool({
      script: join(context.extensionUri.fsPath, 'dist', 'engineWorker.js'),
      size: Math.max(1, Math.min(4, availableParallelism() - 1)),
      calibrationFile: join(context.globalStorageUri.fsPath, 'backend-calibration.json'),
    }));
  const comparison = new ComparisonModel(context, log, engine);
  const panels: PanelManager = new PanelManager(context, log, engine, (pred, gt) => addPairToComparison(comparison, comparisonView, pred, gt));
  const comparisonView = new ComparisonViewProvider(context, comparison, log, async (pred: string, gt: string): Promise<void> => {
    await panels.open(pred, gt);
  });
  manager = panels;
  context.subscriptions.push(registerFolderPanel(panels));
  context.subscriptions.push(log, panels, comparison, ...registerComparison(comparison, comparisonView, log), registerNotebookRenderer(engine, log), ...registerE2eHooks(engine));
  // a restored comparison with predictions still to evaluate (the window was reloaded mid-run)
  comparison.start();

  context.subscriptions.push(
    vscode.commands.registerCommand('segscope.evaluatePair', async (...args: unknown[]): Promise<PanelSnapshot | undefined> => {
      const files = selectedFiles(args);
      const pair = await resolvePair(files);
      if (!pair) return undefined;
      log.appendLine(`pair: prediction ${pair.pred}, ground truth ${pair.gt} (${pair.reason})`);
      const panel = await panels.open(pair.pred, pair.gt);
      return panel.snapshot();
    }),
    // a changed segscope.* setting re-evaluates the open panels it applies to
    vscode.workspace.onDidChangeConfiguration((e) => {
      const affected = panels.all().filter((p) => p.pred && e.affectsConfiguration('segscope', vscode.Uri.file(p.gt)));
      const target = comparison.targetPath;
      if (target && e.affectsConfiguration('segscope', vscode.Uri.file(target))) comparison.refresh();
      if (affected.length === 0) return;
      clearTimeout(reevaluate);
      reevaluate = setTimeout(() => {
        for (const p of affected) void p.evaluate();
      }, 300);
    }),
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
      async deserializeWebviewPanel(webviewPanel: vscode.WebviewPanel, state: unknown) {
        await panels.restore(webviewPanel, state);
      },
    }),
  );

  const api: SegscopeApi = {
    async evaluate(pred, gt) {
      const panel = await panels.open(pathOf(pred), pathOf(gt));
      return panel.snapshot();
    },
    panels: () => panels.all().map((p) => p.snapshot()),
    engineStats: async () => (pool ? pool.stats() : []),
    comparison: async () => {
      await comparison.idle();
      return comparison.snapshot();
    },
    waitFor(predicate, timeoutMs = 60000) {
      return new Promise((resolve, reject) => {
        const check = () => panels.all().map((p) => p.snapshot()).find(predicate);
        const now = check();
        if (now) return resolve(now);
        const timer = setTimeout(() => {
          sub.dispose();
          reject(new Error(`SegScope: timed out after ${timeoutMs} ms; panels: ${JSON.stringify(api.panels().map((p) => ({ ...p, result: p.result ? '…' : undefined })))}`));
        }, timeoutMs);
        const sub = panels.onDidChange(() => {
          const hit = check();
          if (hit) {
            clearTimeout(timer);
            sub.dispose();
            resolve(hit);
          }
        });
      });
    },
  };
  return api;
}

export function deactivate(): void {
  clearTimeout(reevaluate);
  manager?.dispose();
  manager = undefined;
  pool?.dispose();
  pool = undefined;
}
