/**
 * One results WebviewPanel per mask pair. The page is extension/webviewHtml.ts's shell (strict CSP
 * with a fresh nonce, scripts and styles only from dist/webview/); resources are limited to the
 * extension's dist/ folder. Every message from the webview is checked with protocol/validate.ts
 * before it is acted on. The pair is one engine session (engine/pool.ts) in the shared worker
 * pool: decoded once, then asked for the result, overlays and curves.
 */
import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { EngineCancelled, EngineError, type PooledSession, type WorkerPool } from '../engine/pool.js';
import type { OverlayRequest } from '../kernels/overlay.js';
import { formatCsv, formatJson, formatMarkdown } from '../protocol/format.js';
import type { EvaluationJson, HostToWebview, PairInfo, PanelDetails, SliceAxis, WebviewToHost } from '../protocol/messages.js';
import { isHostToWebview, isWebviewToHost } from '../protocol/validate.js';
import { readClassNames, readEvaluateOptions } from './config.js';
import { displayPath, rememberPair, resolveRestoredPair } from './panelRestore.js';
import { savePlot } from './savePlot.js';
import { loadWebviewPage, webviewOptions } from './webviewPage.js';

export const VIEW_TYPE = 'segscope.results';

/** Copies closer together than this are dropped: a click, not a message loop, puts text on the clipboard. */
const COPY_INTERVAL_MS = 300;

/** What a test (or the API) can see of a panel. */
export interface PanelSnapshot {
  pred: string;
  gt: string;
  title: string;
  busy: boolean;
  result?: EvaluationJson;
  error?: { file?: string; message: string };
  /** how many times the webview reported 'rendered' */
  rendered: number;
  /** whether the panel was restored by the serializer */
  restored: boolean;
}

/** The key of a pair: one panel per unordered pair of files. */
function pairKey(a: string, b: string): string {
  return [a, b].sort().join('\u0000');
}

export class PanelManager implements vscode.Disposable {
  private readonly panels = new Map<string, ResultsPanel>();
  private readonly changed = new vscode.EventEmitter<ResultsPanel>();
  /** fires when a panel's evaluation finishes (ok or not) or its webview reports 'rendered' */
  readonly onDidChange = this.changed.event;

  constructor(
    readonly context: vscode.ExtensionContext,
    readonly log: vscode.OutputChannel,
    /** the shared worker pool (started on first use) */
    readonly engine: () => WorkerPool,
    /** the panel's "Add to comparison": this pair's prediction into the Loss Comparison */
    readonly addToComparison: (pred: string, gt: string) => Promise<void>,
  ) {}

  get distUri(): vscode.Uri {
    return vscode.Uri.joinPath(this.context.extensionUri, 'dist');
  }

  /** Show (creating or revealing) the panel of a pair and evaluate it. */
  async open(pred: string, gt: string): Promise<ResultsPanel> {
    const key = pairKey(pred, gt);
    let panel = this.panels.get(key);
    if (panel) {
      panel.reveal();
      panel.setPair(pred, gt);
    } else {
      const webviewPanel = vscode.window.createWebviewPanel(VIEW_TYPE, titleOf(pred, gt), vscode.ViewColumn.Active, {
        ...webviewOptions(this.distUri),
        retainContextWhenHidden: true,
        enableFindWidget: true,
      });
      panel = new ResultsPanel(this, webviewPanel, pred, gt, false);
      this.add(panel);
    }
    await panel.evaluate();
    return panel;
  }

  /** The serializer's side: a panel re-created after a window reload. */
  async restore(webviewPanel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const title = webviewPanel.title;
    webviewPanel.webview.options = webviewOptions(this.distUri);
    const pair = await resolveRestoredPair(state, title, this.context.workspaceState);
    if (pair && 'refused' in pair) {
      const panel = new ResultsPanel(this, webviewPanel, '', '', true);
      panel.panel.title = title || 'SegScope';
      panel.fail(undefined, `This panel was not restored: its saved state names a file SegScope may not open (${pair.refused}). Run "Evaluate Mask Pair" again.`);
      this.log.appendLine(`did not restore the panel "${title}": ${pair.refused}`);
      return;
    }
    if (!pair) {
      const panel = new ResultsPanel(this, webviewPanel, '', '', true);
      panel.panel.title = title || 'SegScope';
      panel.fail(undefined, 'This panel could not be restored: the mask pair it showed is unknown. Run "Evaluate Mask Pair" again.');
      this.log.appendLine(`could not restore the panel "${title}" (state ${JSON.stringify(state)?.slice(0, 200)})`);
      return;
    }
    const existing = this.find(pair.pred, pair.gt);
    if (existing) {
      // the pair already has a panel (opened since the reload): keep one
      webviewPanel.dispose();
      existing.reveal();
      return;
    }
    const panel = new ResultsPanel(this, webviewPanel, pair.pred, pair.gt, true);
    this.add(panel);
    this.log.appendLine(`restored the panel ${pair.pred} ⇄ ${pair.gt} (from ${pair.from})`);
    await panel.evaluate();
  }

  private add(panel: ResultsPanel): void {
    this.panels.set(panel.key, panel);
  }

  rekey(panel: ResultsPanel, oldKey: string): void {
    if (this.panels.get(oldKey) === panel) this.panels.delete(oldKey);
    this.panels.set(panel.key, panel);
  }

  removed(panel: ResultsPanel): void {
    if (this.panels.get(panel.key) === panel) this.panels.delete(panel.key);
  }

  fire(panel: ResultsPanel): void {
    this.changed.fire(panel);
  }

  all(): ResultsPanel[] {
    return [...this.panels.values()];
  }

  find(pred: string, gt: string): ResultsPanel | undefined {
    return this.panels.get(pairKey(pred, gt));
  }

  dispose(): void {
    for (const p of this.panels.values()) p.dispose();
    this.panels.clear();
    this.changed.dispose();
  }
}

/** Short names of a pair's files: the file names, with their folders when the names are the same. */
function shortNames(pred: string, gt: string): [string, string] {
  const name = (p: string) => (basename(pred) === basename(gt) ? `${basename(dirname(p))}/${basename(p)}` : basename(p));
  return [name(pred), name(gt)];
}

function titleOf(pred: string, gt: string): string {
  if (!pred) return 'SegScope';
  const [p, g] = shortNames(pred, gt);
  return `SegScope: ${p} ⇄ ${g}`;
}

export class ResultsPanel {
  pred: string;
  gt: string;
  key: string;
  busy = false;
  /** what the panel shows: the last result and its details */
  shown?: { result: EvaluationJson; details: PanelDetails };
  error?: { file?: string; message: string };
  rendered = 0;
  private lastCopy = 0;
  private generation = 0;
  private cancel?: vscode.CancellationTokenSource;
  private session?: PooledSession;
  /** aborts the engine requests of the evaluation shown (result, overlay, curves) */
  private inFlight?: AbortController;
  private disposed = false;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly manager: PanelManager,
    readonly panel: vscode.WebviewPanel,
    pred: string,
    gt: string,
    readonly restored: boolean,
  ) {
    this.pred = pred;
    this.gt = gt;
    this.key = pairKey(pred, gt);
    panel.title = titleOf(pred, gt);
    const webview = panel.webview;
    loadWebviewPage(webview, manager.distUri, 'panel', panel.title);
    this.subscriptions.push(
      webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  snapshot(): PanelSnapshot {
    return {
      pred: this.pred,
      gt: this.gt,
      title: this.panel.title,
      busy: this.busy,
      result: this.shown?.result,
      error: this.error,
      rendered: this.rendered,
      restored: this.restored,
    };
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  setPair(pred: string, gt: string): void {
    const old = this.key;
    this.pred = pred;
    this.gt = gt;
    this.key = pairKey(pred, gt);
    this.panel.title = titleOf(pred, gt);
    if (old !== this.key) this.manager.rekey(this, old);
  }

  private pairInfo(): PairInfo {
    const swappable = this.shown ? this.shown.result.prediction.kind === 'labels' : true;
    return { pred: displayPath(this.pred), gt: displayPath(this.gt), swappable };
  }

  private post(message: HostToWebview): void {
    if (this.disposed) return;
    // the webview validates every message on arrival and drops what fails: say so here, where it is seen
    if (!isHostToWebview(message)) this.manager.log.appendLine(`warning: the ${(message as HostToWebview).type} message does not match protocol/messages.ts; the panel will drop it`);
    void this.panel.webview.postMessage(message);
  }

  private postState(): void {
    this.post({ type: 'state', pair: this.pairInfo(), busy: this.busy });
  }

  /** A message with the pair's absolute paths shortened to what the panel displays. */
  private shorten(message: string): string {
    let out = message;
    for (const p of [this.pred, this.gt]) if (p) out = out.split(p).join(displayPath(p));
    return out;
  }

  fail(file: string | undefined, message: string): void {
    this.error = { file, message };
    this.post({ type: 'error', file, message });
  }

  private closeSession(): void {
    this.inFlight?.abort();
    this.inFlight = undefined;
    this.session?.close();
    this.session = undefined;
  }

  /** Evaluate the pair (cancelling any evaluation in flight) under a cancellable progress notification. */
  async evaluate(): Promise<void> {
    const generation = ++this.generation;
    this.cancel?.cancel();
    this.cancel?.dispose();
    const cts = new vscode.CancellationTokenSource();
    this.cancel = cts;
    this.closeSession();
    this.busy = true;
    this.shown = undefined;
    this.error = undefined;
    rememberPair(this.manager.context.workspaceState, this.pairInfo(), this.panel.title, { pred: this.pred, gt: this.gt });
    this.postState();
    const pred = this.pred;
    const gt = this.gt;
    const { options, problems } = readEvaluateOptions(vscode.Uri.file(gt));
    if (problems.length) {
      for (const p of problems) this.manager.log.appendLine(p);
      void vscode.window.showWarningMessage(`SegScope: ${problems.join('; ')}`);
    }
    const started = Date.now();
    this.manager.log.appendLine(`evaluate ${pred} ⇄ ${gt} ${JSON.stringify(options)}`);
    const abort = new AbortController();
    this.inFlight = abort;
    const cancelled = cts.token.onCancellationRequested(() => abort.abort());
    const session = this.manager.engine().openSession(pred, gt, options);
    this.session = session;
    try {
      await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `SegScope: evaluating ${shortNames(pred, gt).join(' against ')}`,
          cancellable: true,
        },
        async (progress, token) => {
          const sub = token.onCancellationRequested(() => cts.cancel());
          try {
            progress.report({ message: 'loading the masks and computing every loss…' });
            this.post({ type: 'progress', message: 'Evaluating…' });
            const result = await session.result(abort.signal);
            if (generation !== this.generation) return;
            progress.report({ message: 'computing the boundary overlay…' });
            this.post({ type: 'progress', message: 'Computing the boundary overlay…' });
            const overlay = await session.overlay({}, abort.signal).then(
              (o) => ({ overlay: o }),
              (e: unknown) => {
                if (e instanceof EngineCancelled) throw e;
                return { overlay: null, overlayError: (e as Error).message };
              },
            );
            if (generation !== this.generation) return;
            const classNames = readClassNames(result.classes, result.binary, pred, gt);
            for (const p of classNames.problems) this.manager.log.appendLine(p);
            this.shown = { result, details: { classNames: classNames.names, ...overlay, curves: null } };
            this.busy = false;
            this.manager.log.appendLine(`done in ${Date.now() - started} ms (backend ${result.backend})`);
            this.postState();
            this.post({ type: 'result', result, details: this.shown.details });
            this.manager.fire(this);
          } finally {
            sub.dispose();
          }
        },
      );
    } catch (e) {
      if (generation !== this.generation) return;
      this.busy = false;
      this.closeSession();
      if (e instanceof EngineCancelled) {
        this.fail(undefined, 'Evaluation cancelled.');
        this.manager.log.appendLine('cancelled');
      } else {
        const file = e instanceof EngineError ? e.file : undefined;
        const full = e instanceof Error ? e.message : String(e);
        const message = this.shorten(full);
        this.manager.log.appendLine(`error: ${full}`);
        this.postState();
        // the panel writes "file: message": send the problem without the file name it starts with
        const shownFile = file ? displayPath(file) : undefined;
        const problem = shownFile && message.startsWith(`${shownFile}: `) ? message.slice(shownFile.length + 2) : message;
        this.fail(shownFile, problem);
        void vscode.window.showErrorMessage(`SegScope: ${message}`, 'Show Log').then((pick) => {
          if (pick) this.manager.log.show(true);
        });
      }
      this.manager.fire(this);
      return;
    } finally {
      cancelled.dispose();
    }
    if (generation === this.generation && this.shown) void this.computeCurves(generation, session, abort.signal);
  }

  private async computeCurves(generation: number, session: PooledSession, signal: AbortSignal): Promise<void> {
    let message: HostToWebview;
    try {
      const curves = await session.curves(signal);
      if (this.shown) this.shown.details.curves = curves;
      message = { type: 'curves', curves };
    } catch (e) {
      if (e instanceof EngineCancelled) return;
      const error = (e as Error).message;
      if (this.shown) this.shown.details.curvesError = error;
      message = { type: 'curves', curves: null, error };
    }
    if (generation === this.generation) this.post(message);
  }

  private async onMessage(raw: unknown): Promise<void> {
    if (!isWebviewToHost(raw)) {
      this.manager.log.appendLine(`ignored an invalid message from the panel: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    const m: WebviewToHost = raw;
    switch (m.type) {
      case 'ready':
        this.postState();
        if (this.shown) this.post({ type: 'result', ...this.shown });
        else if (this.error) this.post({ type: 'error', file: this.error.file, message: this.error.message });
        return;
      case 'rendered':
        this.rendered++;
        this.manager.fire(this);
        return;
      case 'swap': {
        if (this.busy || !this.pred) return;
        this.setPair(this.gt, this.pred);
        await this.evaluate();
        return;
      }
      case 'slice':
        await this.slice(m.axis, m.index, m.class);
        return;
      case 'copy': {
        // the text is the host's own formatting of what it sent, once per click at most
        const now = Date.now();
        if (!this.shown || now - this.lastCopy < COPY_INTERVAL_MS) return;
        this.lastCopy = now;
        const { result, details } = this.shown;
        const text = m.format === 'json' ? formatJson(result) : m.format === 'csv' ? formatCsv(result, details.classNames) : formatMarkdown(result, details.classNames);
        try {
          await vscode.env.clipboard.writeText(text);
          this.post({ type: 'exported', what: 'copy', format: m.format, ok: true });
          void vscode.window.setStatusBarMessage(`SegScope: results copied as ${m.format}`, 3000);
        } catch (e) {
          this.post({ type: 'exported', what: 'copy', format: m.format, ok: false, message: (e as Error).message });
        }
        return;
      }
      case 'savePlot':
        this.post(await savePlot(m.name, m.format, m.dataUrl, this.pred));
        return;
      case 'addToComparison':
        if (this.pred) await this.manager.addToComparison(this.pred, this.gt);
        return;
      case 'log':
        this.manager.log.appendLine(`[panel ${m.level}] ${m.message}`);
        return;
    }
  }

  private async slice(axis: SliceAxis, index: number, cls: number | undefined): Promise<void> {
    const session = this.session;
    if (!session || !this.shown) {
      this.post({ type: 'overlay', overlay: null, error: 'no evaluation to draw an overlay from' });
      return;
    }
    const request: OverlayRequest = this.shown.result.target.shape.length === 3 ? { axis, index } : {};
    if (cls !== undefined) request.class = cls;
    try {
      const overlay = await session.overlay(request);
      if (this.shown) this.shown.details.overlay = overlay;
      this.post({ type: 'overlay', overlay });
    } catch (e) {
      this.post({ type: 'overlay', overlay: null, error: (e as Error).message });
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.generation++;
    this.cancel?.cancel();
    this.cancel?.dispose();
    this.closeSession();
    for (const s of this.subscriptions) s.dispose();
    this.manager.removed(this);
    this.panel.dispose();
  }
}
