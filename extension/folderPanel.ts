/**
 * `segscope.evaluateFolderAgainst` (explorer: right-click a folder, or select two): every case of a
 * prediction folder against a ground-truth folder, in one WebviewPanel per folder pair. The cases are
 * paired by engine/folders.ts `matchFolders` (as `segscope evaluate PRED_DIR GT_DIR`) and evaluated
 * in the extension's one worker pool (`PanelManager.engine()`), at most `pool.size` at once, under a
 * cancellable progress notification; the numbers are the CLI's (extension/folderRun.ts). The page
 * (webview/entries/folders.ts) gets the whole FolderViewState, at most 4 times a second while a run
 * goes; every message is validated on arrival both ways. The page names cases by run index and case
 * key: the host opens only the pairs its own pairing found.
 *
 * "Compare with another prediction folder…" adds a second run against the same ground truth and then
 * the `segscope stats` table of B − A (a third folder replaces the second).
 */
import { basename, dirname, join, resolve } from 'node:path';
import * as vscode from 'vscode';
import { isDirectory } from '../engine/folders.js';
import { isEmptyRule, type EmptyRule } from '../engine/aggregate.js';
import type { EvaluateFilesOptions } from '../engine/session.js';
import type { StatsDocument } from '../engine/stats.js';
import type { FolderExportFormat, FolderToHost, HostToFolder } from '../protocol/messages.js';
import { isFolderToHost, isHostToFolder } from '../protocol/validate.js';
import { readClassNames, readEvaluateOptions } from './config.js';
import { compareFolderRuns, folderViewState, FolderRun } from './folderRun.js';
import type { PanelManager } from './panel.js';
import { orderPair } from './pairing.js';
import { displayPath } from './panelRestore.js';
import { selectedFiles } from './pairCommand.js';
import { loadWebviewPage, webviewOptions } from './webviewPage.js';

export const FOLDER_VIEW_TYPE = 'segscope.folders';
/** At most this often a running panel gets a new state (4 per second). */
const UPDATE_INTERVAL_MS = 250;

/** What a test (or the command's caller) can see of a folder panel. */
export interface FolderPanelSnapshot {
  gt: string;
  runs: { pred: string; status: string; done: number; failed: number; total: number }[];
  busy: boolean;
  /** how many times the page reported 'rendered' */
  rendered: number;
}

const pairKey = (a: string, b: string) => [resolve(a), resolve(b)].sort().join('\u0000');

async function pickFolder(title: string, near?: string): Promise<string | undefined> {
  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    title,
    openLabel: 'Choose folder',
    defaultUri: near ? vscode.Uri.file(dirname(near)) : vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  return picked?.[0]?.fsPath;
}

/** The `segscope.emptyRule` setting (the CLI's `--empty`), skip when unset or invalid. */
function readEmptyRule(scope: vscode.Uri): EmptyRule {
  const v = vscode.workspace.getConfiguration('segscope', scope).get('emptyRule');
  return isEmptyRule(v) ? v : 'skip';
}

class FolderPanelManager implements vscode.Disposable {
  private readonly panels = new Map<string, FolderPanel>();

  constructor(readonly results: PanelManager) {}

  get log(): vscode.OutputChannel {
    return this.results.log;
  }

  get distUri(): vscode.Uri {
    return vscode.Uri.joinPath(this.results.context.extensionUri, 'dist');
  }

  /** The command: the folders of the selection (or picked), ordered prediction / ground truth by name. */
  async command(args: unknown[]): Promise<FolderPanelSnapshot | undefined> {
    const folders = [...new Set(selectedFiles(args).filter(isDirectory))];
    let first: string | undefined = folders[0];
    let second: string | undefined = folders[1];
    if (folders.length > 2) void vscode.window.showWarningMessage(`SegScope: ${folders.length} folders are selected; evaluating ${basename(folders[0]!)} against ${basename(folders[1]!)}.`);
    if (!first) first = await pickFolder('Evaluate Folder Against…: choose the prediction folder');
    if (!first) return undefined;
    if (!second) second = await pickFolder(`Evaluate ${basename(first)} against: choose the ground-truth folder`, first);
    if (!second) return undefined;
    if (resolve(first) === resolve(second)) {
      void vscode.window.showErrorMessage('SegScope: a folder cannot be evaluated against itself; choose the ground-truth folder.');
      return undefined;
    }
    // the first is the prediction folder unless the names say otherwise (gt, label, mask, target, …)
    const pair = orderPair(first, second);
    this.log.appendLine(`folders: predictions ${pair.pred}, ground truth ${pair.gt} (${pair.reason})`);
    const panel = await this.open(pair.pred, pair.gt);
    return panel?.snapshot();
  }

  /** Show (creating or revealing) the panel of a folder pair and evaluate it; resolves when the run is over. */
  async open(pred: string, gt: string): Promise<FolderPanel | undefined> {
    let run: FolderRun;
    try {
      run = FolderRun.pair(pred, gt);
    } catch (e) {
      void vscode.window.showErrorMessage(`SegScope: ${(e as Error).message}`);
      return undefined;
    }
    const key = pairKey(pred, gt);
    let panel = this.panels.get(key);
    if (panel) {
      panel.reveal();
      if (panel.busy) return panel;
    } else {
      const webviewPanel = vscode.window.createWebviewPanel(FOLDER_VIEW_TYPE, `SegScope: ${basename(pred)} ⇄ ${basename(gt)} (folders)`, vscode.ViewColumn.Active, {
        ...webviewOptions(this.distUri),
        retainContextWhenHidden: true,
        enableFindWidget: true,
      });
      panel = new FolderPanel(this, webviewPanel, gt, key);
      this.panels.set(key, panel);
    }
    await panel.start(run);
    return panel;
  }

  removed(panel: FolderPanel): void {
    if (this.panels.get(panel.key) === panel) this.panels.delete(panel.key);
  }

  dispose(): void {
    for (const p of [...this.panels.values()]) p.dispose();
    this.panels.clear();
  }
}

class FolderPanel {
  runs: FolderRun[] = [];
  busy = false;
  rendered = 0;
  private rule: EmptyRule;
  private options: EvaluateFilesOptions = {};
  private stats: { a: number; b: number; doc: StatsDocument } | null = null;
  private abort?: AbortController;
  private timer?: ReturnType<typeof setTimeout>;
  private lastPost = 0;
  private disposed = false;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly manager: FolderPanelManager,
    readonly panel: vscode.WebviewPanel,
    readonly gtDir: string,
    readonly key: string,
  ) {
    this.rule = readEmptyRule(vscode.Uri.file(gtDir));
    const webview = panel.webview;
    loadWebviewPage(webview, manager.distUri, 'folders', panel.title);
    this.subscriptions.push(
      webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  snapshot(): FolderPanelSnapshot {
    return {
      gt: this.gtDir,
      runs: this.runs.map((r) => ({ pred: r.predDir, status: r.status, ...r.counts() })),
      busy: this.busy,
      rendered: this.rendered,
    };
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  /** A fresh start on this folder pair: one run. */
  async start(run: FolderRun): Promise<void> {
    this.runs = [run];
    this.stats = null;
    this.rule = readEmptyRule(vscode.Uri.file(this.gtDir));
    await this.evaluate(run);
  }

  private async evaluate(run: FolderRun): Promise<void> {
    const { options, problems } = readEvaluateOptions(vscode.Uri.file(this.gtDir));
    if (problems.length) {
      for (const p of problems) this.manager.log.appendLine(p);
      void vscode.window.showWarningMessage(`SegScope: ${problems.join('; ')}`);
    }
    this.options = options;
    const pool = this.manager.results.engine();
    const abort = new AbortController();
    this.abort = abort;
    this.busy = true;
    this.post();
    const total = run.cases.length;
    const started = Date.now();
    this.manager.log.appendLine(`folders: evaluate ${run.predDir} against ${run.gtDir}: ${total} cases, ${pool.size} at once ${JSON.stringify(options)}`);
    try {
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `SegScope: evaluating ${basename(run.predDir)} against ${basename(run.gtDir)}`, cancellable: true },
        async (progress, token) => {
          const sub = token.onCancellationRequested(() => abort.abort());
          let reported = 0;
          try {
            progress.report({ message: `0 of ${total} cases` });
            await run.run({
              evaluate: (p, g, signal) => pool.evaluate(p, g, options, signal),
              concurrency: pool.size,
              signal: abort.signal,
              onChange: () => {
                const { done, failed } = run.counts();
                if (done !== reported) {
                  progress.report({ message: `${done} of ${total} cases${failed ? `, ${failed} failed` : ''}`, increment: ((done - reported) / Math.max(1, total)) * 100 });
                  reported = done;
                }
                this.schedule();
              },
            });
          } finally {
            sub.dispose();
          }
        },
      );
      const { done, failed } = run.counts();
      this.manager.log.appendLine(`folders: ${run.status} in ${Date.now() - started} ms: ${done} of ${total} cases, ${failed} failed`);
      if (failed) void vscode.window.showWarningMessage(`SegScope: ${failed} of ${total} cases of ${basename(run.predDir)} failed (rows marked in the table; details in the SegScope log).`);
      for (const s of run.cases) if (s.status === 'error') this.manager.log.appendLine(`folders: ${s.c.key}: ${s.error}`);
    } finally {
      if (this.abort === abort) this.abort = undefined;
    }
    if (this.disposed) return;
    this.computeStats();
    this.busy = this.runs.some((r) => r.status === 'running');
    this.post();
  }

  /** `segscope stats` of the first run against the second, once neither is running. */
  private computeStats(): void {
    this.stats = null;
    if (this.runs.length < 2 || this.runs.some((r) => r.status === 'running')) return;
    const [a, b] = [0, this.runs.length - 1];
    try {
      this.stats = { a, b, doc: compareFolderRuns(this.runs[a]!, this.runs[b]!, this.options) };
    } catch (e) {
      this.manager.log.appendLine(`folders: stats: ${(e as Error).message}`);
      void vscode.window.showWarningMessage(`SegScope: no statistics of the two runs: ${(e as Error).message}`);
    }
  }

  private classNames(): string[] {
    const first = this.runs.flatMap((r) => r.cases).find((s) => s.result);
    if (!first?.result) return [];
    const classes = Math.max(...this.runs.flatMap((r) => r.cases.flatMap((s) => (s.result ? [s.result.classes] : []))));
    const names = readClassNames(classes, first.result.binary, first.c.pred, first.c.gt);
    return names.names;
  }

  /** A new state soon: now when the last one is older than the interval, else at the end of it. */
  private schedule(): void {
    if (this.timer || this.disposed) return;
    const wait = Math.max(0, this.lastPost + UPDATE_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => this.post(), wait);
  }

  private send(message: HostToFolder): void {
    if (this.disposed) return;
    if (!isHostToFolder(message)) this.manager.log.appendLine(`warning: the ${(message as HostToFolder).type} message does not match protocol/messages.ts; the folder panel will drop it`);
    void this.panel.webview.postMessage(message);
  }

  /** The whole state, now. */
  private post(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.disposed || this.runs.length === 0) return;
    this.lastPost = Date.now();
    const state = folderViewState({ runs: this.runs, shown: displayPath, classNames: this.classNames(), emptyRule: this.rule, stats: this.stats, busy: this.busy });
    this.send({ type: 'folders', state });
  }

  private async onMessage(raw: unknown): Promise<void> {
    if (!isFolderToHost(raw)) {
      this.manager.log.appendLine(`ignored an invalid message from the folder panel: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    const m: FolderToHost = raw;
    switch (m.type) {
      case 'ready':
        this.post();
        return;
      case 'rendered':
        this.rendered++;
        return;
      case 'openCase': {
        // only a case this host's pairing found: the page names a run and a key, never a path
        const c = this.runs[m.run]?.caseOf(m.key);
        if (!c) {
          this.manager.log.appendLine(`ignored openCase for a case that is not in run ${m.run}: ${m.key.slice(0, 200)}`);
          return;
        }
        await this.manager.results.open(c.pred, c.gt);
        return;
      }
      case 'emptyRule':
        this.rule = m.rule;
        this.schedule();
        return;
      case 'export':
        await this.export(m.format, m.run);
        return;
      case 'compareAnother':
        await this.compareAnother();
        return;
      case 'cancel':
        this.abort?.abort();
        return;
      case 'log':
        this.manager.log.appendLine(`[folders ${m.level}] ${m.message}`);
        return;
    }
  }

  private async compareAnother(): Promise<void> {
    if (this.busy) {
      void vscode.window.showInformationMessage('SegScope: wait for the evaluation to finish (or cancel it) before adding another prediction folder.');
      return;
    }
    const first = this.runs[0];
    const pred = await pickFolder(`Compare with another prediction folder: evaluated against ${basename(this.gtDir)}`, first?.predDir ?? this.gtDir);
    if (!pred || this.disposed) return;
    if (resolve(pred) === resolve(this.gtDir) || this.runs.some((r) => resolve(r.predDir) === resolve(pred))) {
      void vscode.window.showWarningMessage(`SegScope: ${basename(pred)} is already in this panel; choose another prediction folder.`);
      return;
    }
    let run: FolderRun;
    try {
      run = FolderRun.pair(pred, this.gtDir);
    } catch (e) {
      void vscode.window.showErrorMessage(`SegScope: ${(e as Error).message}`);
      return;
    }
    // A and B: a third folder replaces the second
    this.runs = [this.runs[0]!, run];
    this.stats = null;
    await this.evaluate(run);
  }

  private async export(format: FolderExportFormat, index: number): Promise<void> {
    const run = this.runs[index];
    const reply = (ok: boolean, extra: { path?: string; message?: string }) => this.send({ type: 'exported', format, ok, ...extra });
    if (!run) return reply(false, { message: 'no such run' });
    if (run.status === 'running') return reply(false, { message: 'the run is still going' });
    const name = `${basename(run.predDir)}-vs-${basename(run.gtDir)}${format === 'csv' ? '.csv' : '.summary.json'}`;
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(join(dirname(run.predDir), name)),
      filters: format === 'csv' ? { 'CSV (segscope evaluate --csv)': ['csv'] } : { 'summary.json (segscope merge)': ['json'] },
      saveLabel: 'Export',
      title: format === 'csv' ? 'Export the cases as CSV' : 'Export summary.json',
    });
    if (!target) return reply(false, { message: 'cancelled' });
    try {
      if (format === 'csv') run.writeCsv(target.fsPath);
      else run.writeSummary(target.fsPath, this.rule, this.options);
      void vscode.window.setStatusBarMessage(`SegScope: exported to ${target.fsPath}`, 5000);
      reply(true, { path: displayPath(target.fsPath) });
    } catch (e) {
      const message = `could not write ${target.fsPath}: ${(e as Error).message}`;
      void vscode.window.showErrorMessage(`SegScope: ${message}`);
      reply(false, { message });
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.abort?.abort();
    clearTimeout(this.timer);
    for (const s of this.subscriptions) s.dispose();
    this.manager.removed(this);
    this.panel.dispose();
  }
}

/** Registers `segscope.evaluateFolderAgainst`; the panels evaluate in the results panels' worker pool. */
export function registerFolderPanel(results: PanelManager): vscode.Disposable {
  const manager = new FolderPanelManager(results);
  return vscode.Disposable.from(manager, vscode.commands.registerCommand('segscope.evaluateFolderAgainst', (...args: unknown[]) => manager.command(args)));
}
