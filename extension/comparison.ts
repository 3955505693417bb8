/**
 * The side panel's Loss Comparison: many predictions against one ground truth. The model keeps the
 * ground truth, the predictions and their results (in workspace state, so they survive hiding the
 * view and reloading the window); evaluations run one at a time in the shared worker pool, the
 * ground truth held by one session so its worker decodes it once; a prediction already evaluated
 * with the same file contents and options (content hash) is not computed again.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { comparisonDocument, naturalCompare, stepOf } from '../engine/compare.js';
import { EngineCancelled, type PooledSession, type WorkerPool } from '../engine/pool.js';
import { isMaskFile } from './pairing.js';
import type { ComparisonEntry, ComparisonToHost, ComparisonViewState, EvaluationJson, HostToComparison } from '../protocol/messages.js';
import { isComparisonToHost, isEvaluationJson, isHostToComparison } from '../protocol/validate.js';
import { readClassNames, readEvaluateOptions } from './config.js';
import { displayPath } from './panelRestore.js';
import { loadWebviewPage, webviewOptions } from './webviewPage.js';

export const COMPARISON_VIEW_ID = 'segscope.comparison';
const STATE_KEY = 'segscope.comparison';

interface Entry {
  path: string;
  status: ComparisonEntry['status'];
  error?: string;
  /** content + options hash of the evaluation whose result is in the cache */
  key?: string;
}

interface Saved {
  target: string | null;
  entries: { path: string; key?: string; error?: string }[];
  results: Record<string, EvaluationJson>;
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The mask files a selection names: files as they are, folders by the mask files inside (recursively). */
export async function masksOf(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  const visit = async (p: string, depth: number): Promise<void> => {
    const s = await stat(p).catch(() => undefined);
    if (!s) return;
    if (s.isFile()) {
      if (isMaskFile(p)) out.push(p);
      return;
    }
    if (!s.isDirectory() || depth > 8) return;
    const names = (await readdir(p)).filter((n) => !n.startsWith('.') && n !== 'node_modules').sort(naturalCompare);
    for (const n of names) await visit(join(p, n), depth + 1);
  };
  for (const p of paths) await visit(p, 0);
  return [...new Set(out)];
}

export interface ComparisonSnapshot {
  target: string | null;
  entries: ComparisonEntry[];
  state: ComparisonViewState;
  /** how many times the view reported 'rendered' */
  rendered: number;
}

export class ComparisonModel implements vscode.Disposable {
  private target: string | null = null;
  private entries: Entry[] = [];
  private readonly results = new Map<string, EvaluationJson>();
  private running?: Promise<void>;
  private abort?: AbortController;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  rendered = 0;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.OutputChannel,
    private readonly engine: () => WorkerPool,
  ) {
    const saved = context.workspaceState.get<Saved>(STATE_KEY);
    if (saved) {
      this.target = saved.target;
      for (const [key, result] of Object.entries(saved.results ?? {})) if (isEvaluationJson(result)) this.results.set(key, result);
      this.entries = (saved.entries ?? []).map((e) => ({
        path: e.path,
        key: e.key,
        error: e.error,
        status: e.key && this.results.has(e.key) ? 'done' : e.error ? 'error' : 'queued',
      }));
    }
  }

  get targetPath(): string | null {
    return this.target;
  }

  has(path: string): boolean {
    return this.entries.some((e) => e.path === path);
  }

  /** Sets (or changes) the ground truth; every prediction is evaluated against it. */
  setTarget(path: string): void {
    this.target = path;
    this.entries = this.entries.filter((e) => e.path !== path);
    for (const e of this.entries) {
      e.status = 'queued';
      e.error = undefined;
    }
    this.changedState();
    this.start();
  }

  add(paths: string[]): number {
    let added = 0;
    for (const path of paths) {
      if (path === this.target || this.has(path)) continue;
      this.entries.push({ path, status: 'queued' });
      added++;
    }
    this.entries.sort((a, b) => naturalCompare(a.path, b.path));
    this.changedState();
    this.start();
    return added;
  }

  remove(path: string): void {
    this.entries = this.entries.filter((e) => e.path !== path);
    this.changedState();
  }

  clear(): void {
    this.abort?.abort();
    this.entries = [];
    this.target = null;
    this.results.clear();
    this.changedState();
  }

  cancel(): void {
    this.abort?.abort();
  }

  /** Re-evaluates what needs it (a changed setting: the options hash differs, so the cache misses). */
  refresh(): void {
    for (const e of this.entries) if (e.status !== 'running') e.status = 'queued';
    this.changedState();
    this.start();
  }

  private changedState(): void {
    const used = new Set(this.entries.map((e) => e.key).filter(Boolean));
    for (const key of [...this.results.keys()]) if (!used.has(key)) this.results.delete(key);
    const saved: Saved = {
      target: this.target,
      entries: this.entries.map((e) => ({ path: e.path, key: e.status === 'done' ? e.key : undefined, error: e.error })),
      results: Object.fromEntries(this.results),
    };
    void this.context.workspaceState.update(STATE_KEY, saved);
    this.changed.fire();
  }

  /** Evaluates the queued predictions one after another (one run at a time). */
  start(): void {
    if (this.running || !this.target || !this.entries.some((e) => e.status === 'queued')) return;
    this.running = this.run().finally(() => {
      this.running = undefined;
      // predictions added while the last one ran
      if (this.target && this.entries.some((e) => e.status === 'queued')) this.start();
    });
  }

  /** Resolves when no evaluation is queued or running (for tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async run(): Promise<void> {
    const target = this.target!;
    const abort = new AbortController();
    this.abort = abort;
    const { options } = readEvaluateOptions(vscode.Uri.file(target));
    const optionsHash = createHash('sha256').update(JSON.stringify(options)).digest('hex');
    let targetHash: string;
    try {
      targetHash = await sha256OfFile(target);
    } catch (e) {
      for (const entry of this.entries) if (entry.status === 'queued') Object.assign(entry, { status: 'error', error: `${displayPath(target)}: cannot read the ground truth (${(e as Error).message})` });
      this.changedState();
      return;
    }
    // the session of the last prediction stays open until the next one is: it holds the decoded ground truth
    let holder: PooledSession | undefined;
    await vscode.window.withProgress(
      { location: { viewId: COMPARISON_VIEW_ID }, title: 'SegScope: comparing', cancellable: false },
      async () => {
        let entry: Entry | undefined;
        while ((entry = this.entries.find((e) => e.status === 'queued')) && !abort.signal.aborted && this.target === target) {
          entry.status = 'running';
          this.changed.fire();
          try {
            const key = createHash('sha256').update(`${await sha256OfFile(entry.path)}:${targetHash}:${optionsHash}`).digest('hex');
            if (!this.results.has(key)) {
              const session = this.engine().openSession(entry.path, target, options);
              this.results.set(key, await session.result(abort.signal));
              holder?.close();
              holder = session;
            } else this.log.appendLine(`comparison: ${entry.path} unchanged since its last evaluation; kept`);
            Object.assign(entry, { status: 'done', key, error: undefined });
          } catch (e) {
            const cancelled = e instanceof EngineCancelled;
            Object.assign(entry, cancelled ? { status: 'queued' } : { status: 'error', error: (e as Error).message });
            if (!cancelled) this.log.appendLine(`comparison: ${(e as Error).message}`);
          }
          if (this.has(entry.path)) this.changedState();
        }
      },
    );
    holder?.close();
    if (abort.signal.aborted) {
      for (const e of this.entries) if (e.status === 'queued' || e.status === 'running') Object.assign(e, { status: 'error', error: 'cancelled' });
      this.changedState();
    }
  }

  viewState(): ComparisonViewState {
    const entries: ComparisonEntry[] = this.entries.map((e) => ({
      path: e.path,
      shown: displayPath(e.path),
      step: stepOf(e.path),
      status: e.status,
      ...(e.error ? { error: e.error } : {}),
    }));
    const done = this.entries.filter((e) => e.status === 'done' && e.key && this.results.has(e.key));
    const predictions = done.map((e) => ({ path: displayPath(e.path), result: this.results.get(e.key!)! }));
    const comparison = predictions.length ? comparisonDocument(predictions[0].result.target, predictions) : null;
    const first = predictions[0]?.result;
    const classNames = first && this.target ? readClassNames(first.classes, first.binary, done[0].path, this.target).names : [];
    return {
      target: this.target ? { path: this.target, shown: displayPath(this.target) } : null,
      entries,
      comparison,
      classNames,
      busy: this.running !== undefined,
    };
  }

  snapshot(): ComparisonSnapshot {
    const state = this.viewState();
    return { target: this.target, entries: state.entries, state, rendered: this.rendered };
  }

  dispose(): void {
    this.abort?.abort();
    this.changed.dispose();
  }
}

/** The webview view: the comparison's components (webview/entries/comparison.ts), fed whole states. */
export class ComparisonViewProvider implements vscode.WebviewViewProvider {
  private view?: vscode.WebviewView;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly model: ComparisonModel,
    private readonly log: vscode.OutputChannel,
    private readonly openPair: (pred: string, gt: string) => Promise<unknown>,
  ) {
    context.subscriptions.push(model.onDidChange(() => this.post()));
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const dist = vscode.Uri.joinPath(this.context.extensionUri, 'dist');
    view.webview.options = webviewOptions(dist);
    loadWebviewPage(view.webview, dist, 'comparison', 'SegScope Loss Comparison');
    view.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m));
    // a hidden view's webview may be discarded: send the whole state again when it shows
    view.onDidChangeVisibility(() => {
      if (view.visible) this.post();
    });
    view.onDidDispose(() => {
      if (this.view === view) this.view = undefined;
    });
  }

  reveal(): void {
    if (this.view) this.view.show(true);
    else void vscode.commands.executeCommand(`${COMPARISON_VIEW_ID}.focus`);
  }

  private post(): void {
    if (!this.view) return;
    const message: HostToComparison = { type: 'comparison', state: this.model.viewState() };
    if (!isHostToComparison(message)) this.log.appendLine('warning: the comparison state does not match protocol/messages.ts; the view will drop it');
    void this.view.webview.postMessage(message);
  }

  private async onMessage(raw: unknown): Promise<void> {
    if (!isComparisonToHost(raw)) {
      this.log.appendLine(`ignored an invalid message from the comparison view: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    const m: ComparisonToHost = raw;
    switch (m.type) {
      case 'ready':
        this.post();
        return;
      case 'rendered':
        this.model.rendered++;
        return;
      case 'remove':
        if (this.model.has(m.path)) this.model.remove(m.path);
        return;
      case 'clear':
        this.model.clear();
        return;
      case 'cancel':
        this.model.cancel();
        return;
      case 'openPair': {
        // only a prediction of the comparison, against its ground truth: the view cannot name other files
        const target = this.model.targetPath;
        if (target && this.model.has(m.path)) await this.openPair(m.path, target);
        else this.log.appendLine(`ignored openPair for a file that is not in the comparison: ${m.path.slice(0, 200)}`);
        return;
      }
      case 'pickPredictions':
        await vscode.commands.executeCommand('segscope.addToComparison');
        return;
      case 'pickTarget':
        await vscode.commands.executeCommand('segscope.setComparisonTarget');
        return;
      case 'log':
        this.log.appendLine(`[comparison ${m.level}] ${m.message}`);
        return;
    }
  }
}
