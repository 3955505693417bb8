/**
 * One results WebviewPanel per mask pair. The panel's HTML is webview/html.ts's production page
 * (strict CSP with a fresh nonce, scripts and styles only from dist/webview/); resources are
 * limited to the extension's dist/ folder. Every message from the webview is checked with
 * webview/validate.ts before it is acted on. Evaluations run in dist/evaluateWorker.js; the
 * overlay and curves in dist/detailsWorker.cjs (one per panel, kept for slice requests).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import type { OverlayRequest } from '../kernels/overlay.js';
import { renderPanelHtml } from '../webview/html.js';
import type {
  CurveSet,
  EvaluationJson,
  HostToWebview,
  OverlayData,
  PairInfo,
  PanelDetails,
  PanelState,
  WebviewToHost,
} from '../webview/protocol.js';
import { isHostToWebview, isWebviewToHost } from '../webview/validate.js';
import { readClassNames, readEvaluateOptions } from './config.js';
import type { DetailsReply, DetailsRequest } from './detailsWorker.js';
import { EvaluationCancelled, EvaluationError, errorText, runEvaluation, type CancelToken } from './workerClient.js';
import type { EvaluateFilesOptions } from './settings.js';

export const VIEW_TYPE = 'segscope.results';

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

function nonce(): string {
  return randomBytes(24).toString('base64').replace(/[^A-Za-z0-9]/g, 'x');
}

/** The key of a pair: one panel per unordered pair of files. */
function pairKey(a: string, b: string): string {
  return [a, b].sort().join('\u0000');
}

/** A persistent details worker: requests in, replies matched by id. */
class DetailsWorker {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: DetailsReply) => void; reject: (e: Error) => void }>();
  private dead = false;

  constructor(path: string) {
    this.worker = new Worker(path);
    this.worker.on('message', (reply: DetailsReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      p.resolve(reply);
    });
    const fail = (e: Error) => {
      this.dead = true;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`details worker exited (${code})`)));
  }

  request(req: Omit<DetailsRequest, 'id'> & { type: DetailsRequest['type'] }): Promise<DetailsReply> {
    if (this.dead) return Promise.reject(new Error('details worker stopped'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...req, id });
    });
  }

  dispose(): void {
    this.dead = true;
    void this.worker.terminate();
  }
}

export class PanelManager implements vscode.Disposable {
  private readonly panels = new Map<string, ResultsPanel>();
  private readonly changed = new vscode.EventEmitter<ResultsPanel>();
  /** fires when a panel's evaluation finishes (ok or not) or its webview reports 'rendered' */
  readonly onDidChange = this.changed.event;

  constructor(
    readonly context: vscode.ExtensionContext,
    readonly log: vscode.OutputChannel,
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
        enableScripts: true,
        localResourceRoots: [this.distUri],
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
    webviewPanel.webview.options = { enableScripts: true, localResourceRoots: [this.distUri] };
    const pair = await resolveRestoredPair(state, title, this.context);
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

/** Paths shown in the panel (and kept in its state): workspace-relative when inside the workspace. */
function displayPath(path: string): string {
  if (!path) return path;
  return vscode.workspace.asRelativePath(vscode.Uri.file(path), (vscode.workspace.workspaceFolders?.length ?? 0) > 1);
}

type Known = Record<string, { pred: string; gt: string }>;
const PAIRS_KEY = 'segscope.pairs';
const TITLES_KEY = 'segscope.titles';

/** Keep at most `max` entries (the newest) of a remembered map. */
function trimmed(map: Known, max = 200): Known {
  const keys = Object.keys(map);
  const out: Known = {};
  for (const k of keys.slice(Math.max(0, keys.length - max))) out[k] = map[k]!;
  return out;
}

/** A workspace-relative (or absolute) path back to an absolute one, when the file exists. */
function resolveDisplayed(p: string): string | undefined {
  if (isAbsolute(p)) return existsSync(p) ? p : undefined;
  const folders = vscode.workspace.workspaceFolders ?? [];
  for (const f of folders) {
    // multi-root relative paths start with the folder's name
    const rel = folders.length > 1 && p.startsWith(`${f.name}/`) ? p.slice(f.name.length + 1) : p;
    const abs = join(f.uri.fsPath, rel);
    if (existsSync(abs)) return abs;
  }
  return undefined;
}

/** The one workspace file whose path ends with `tail` ("liver_gt.nii.gz" or "gt/scene.png"). */
async function findUnique(tail: string): Promise<string | undefined> {
  if (!tail || /[*?{}[\]]/.test(tail)) return undefined;
  const uris = await vscode.workspace.findFiles(`**/${tail}`, '**/{node_modules,.git}/**', 3);
  return uris.length === 1 ? uris[0]!.fsPath : undefined;
}

/**
 * The pair of a panel re-created after a reload, from (in order) the webview's saved state, the
 * pairs this workspace remembers by displayed paths or by panel title, or a workspace search for
 * the file names in the title ("SegScope: a_pred.png ⇄ a_gt.png").
 */
async function resolveRestoredPair(
  state: unknown,
  title: string,
  context: vscode.ExtensionContext,
): Promise<{ pred: string; gt: string; from: string } | undefined> {
  const pair = (state as PanelState | undefined)?.pair;
  const ok = (x: { pred: string; gt: string } | undefined) => x !== undefined && existsSync(x.pred) && existsSync(x.gt);
  if (pair && typeof pair.pred === 'string' && typeof pair.gt === 'string') {
    const remembered = context.workspaceState.get<Known>(PAIRS_KEY, {})[`${pair.pred}\u0000${pair.gt}`];
    if (ok(remembered)) return { ...remembered!, from: 'the panel state' };
    const pred = resolveDisplayed(pair.pred);
    const gt = resolveDisplayed(pair.gt);
    if (pred && gt) return { pred, gt, from: 'the panel state' };
  }
  const byTitle = context.workspaceState.get<Known>(TITLES_KEY, {})[title];
  if (ok(byTitle)) return { ...byTitle!, from: 'the panel title' };
  const m = /^SegScope: (.+) ⇄ (.+)$/.exec(title);
  if (m) {
    const [pred, gt] = await Promise.all([findUnique(m[1]!), findUnique(m[2]!)]);
    if (pred && gt) return { pred, gt, from: 'a workspace search for the title' };
  }
  return undefined;
}

export class ResultsPanel {
  pred: string;
  gt: string;
  key: string;
  busy = false;
  result?: EvaluationJson;
  details?: PanelDetails;
  error?: { file?: string; message: string };
  rendered = 0;
  private generation = 0;
  private cancel?: vscode.CancellationTokenSource;
  private details$?: DetailsWorker;
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
    const scriptUri = webview.asWebviewUri(vscode.Uri.joinPath(manager.distUri, 'webview', 'panel.js')).toString();
    const styleUri = webview.asWebviewUri(vscode.Uri.joinPath(manager.distUri, 'webview', 'panel.css')).toString();
    webview.html = renderPanelHtml({ cspSource: webview.cspSource, nonce: nonce(), scriptUri, styleUri, title: panel.title });
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
      result: this.result,
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
    const swappable = this.result ? this.result.prediction.kind === 'labels' : true;
    return { pred: displayPath(this.pred), gt: displayPath(this.gt), swappable };
  }

  private post(message: HostToWebview): void {
    if (this.disposed) return;
    // the webview validates every message on arrival and drops what fails: say so here, where it is seen
    if (!isHostToWebview(message)) this.manager.log.appendLine(`warning: the ${(message as HostToWebview).type} message does not match webview/protocol.ts; the panel will drop it`);
    void this.panel.webview.postMessage(message);
  }

  private postState(): void {
    this.post({ type: 'state', pair: this.pairInfo(), busy: this.busy });
  }

  /** Remember the absolute paths of what the panel displays (and of its title), for the serializer. */
  private remember(): void {
    const info = this.pairInfo();
    const ws = this.manager.context.workspaceState;
    const pairs = { ...ws.get<Known>(PAIRS_KEY, {}) };
    delete pairs[`${info.pred}\u0000${info.gt}`];
    pairs[`${info.pred}\u0000${info.gt}`] = { pred: this.pred, gt: this.gt };
    const titles = { ...ws.get<Known>(TITLES_KEY, {}) };
    delete titles[this.panel.title];
    titles[this.panel.title] = { pred: this.pred, gt: this.gt };
    void ws.update(PAIRS_KEY, trimmed(pairs));
    void ws.update(TITLES_KEY, trimmed(titles));
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

  /** Evaluate the pair (cancelling any evaluation in flight) under a cancellable progress notification. */
  async evaluate(): Promise<void> {
    const generation = ++this.generation;
    this.cancel?.cancel();
    this.cancel?.dispose();
    const cts = new vscode.CancellationTokenSource();
    this.cancel = cts;
    this.stopDetails();
    this.busy = true;
    this.result = undefined;
    this.details = undefined;
    this.error = undefined;
    this.remember();
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
            const detailsWorker = new DetailsWorker(join(this.manager.distUri.fsPath, 'detailsWorker.cjs'));
            this.details$ = detailsWorker;
            const overlayP = this.openDetails(detailsWorker, pred, gt, options, cts.token);
            const result = await runEvaluation(join(this.manager.distUri.fsPath, 'evaluateWorker.js'), pred, gt, options, cts.token);
            if (generation !== this.generation) return;
            progress.report({ message: 'computing the boundary overlay…' });
            this.post({ type: 'progress', message: 'Computing the boundary overlay…' });
            const overlay = await overlayP;
            if (generation !== this.generation) return;
            const classNames = readClassNames(result.classes, result.binary, pred, gt);
            if (classNames.problems.length) for (const p of classNames.problems) this.manager.log.appendLine(p);
            this.result = result;
            this.details = {
              classNames: classNames.names,
              overlay: overlay.overlay,
              ...(overlay.error ? { overlayError: overlay.error } : {}),
              curves: null,
            };
            this.busy = false;
            this.manager.log.appendLine(`done in ${Date.now() - started} ms (backend ${result.backend})`);
            this.postState();
            this.post({ type: 'result', result, details: this.details });
            this.manager.fire(this);
          } finally {
            sub.dispose();
          }
        },
      );
    } catch (e) {
      if (generation !== this.generation) return;
      this.busy = false;
      this.stopDetails();
      if (e instanceof EvaluationCancelled) {
        this.fail(undefined, 'Evaluation cancelled.');
        this.manager.log.appendLine('cancelled');
      } else {
        const file = e instanceof EvaluationError ? e.file : undefined;
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
    }
    if (generation === this.generation && this.result) void this.computeCurves(generation);
  }

  private stopDetails(): void {
    this.details$?.dispose();
    this.details$ = undefined;
  }

  private async openDetails(
    worker: DetailsWorker,
    pred: string,
    gt: string,
    options: EvaluateFilesOptions,
    token: CancelToken,
  ): Promise<{ overlay: OverlayData | null; error?: string }> {
    const sub = token.onCancellationRequested(() => worker.dispose());
    try {
      const reply = await worker.request({ type: 'open', predPath: pred, gtPath: gt, options } as Omit<DetailsRequest, 'id'>);
      if (reply.ok) return { overlay: (reply.overlay as OverlayData) ?? null };
      return { overlay: null, error: errorText(reply.error.file || undefined, reply.error.message) };
    } catch (e) {
      return { overlay: null, error: (e as Error).message };
    } finally {
      sub.dispose();
    }
  }

  private async computeCurves(generation: number): Promise<void> {
    const worker = this.details$;
    if (!worker) return;
    try {
      const reply = await worker.request({ type: 'curves' } as Omit<DetailsRequest, 'id'>);
      if (generation !== this.generation) return;
      if (reply.ok) {
        const curves = (reply.curves as CurveSet[]) ?? null;
        if (this.details) this.details.curves = curves;
        this.post({ type: 'curves', curves });
      } else {
        if (this.details) this.details.curvesError = reply.error.message;
        this.post({ type: 'curves', curves: null, error: reply.error.message });
      }
    } catch (e) {
      if (generation !== this.generation || this.disposed) return;
      this.post({ type: 'curves', curves: null, error: (e as Error).message });
    }
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
        if (this.result && this.details) this.post({ type: 'result', result: this.result, details: this.details });
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
      case 'copy':
        try {
          await vscode.env.clipboard.writeText(m.text);
          this.post({ type: 'exported', what: 'copy', format: m.format, ok: true });
          void vscode.window.setStatusBarMessage(`SegScope: results copied as ${m.format}`, 3000);
        } catch (e) {
          this.post({ type: 'exported', what: 'copy', format: m.format, ok: false, message: (e as Error).message });
        }
        return;
      case 'savePlot':
        await this.savePlot(m.name, m.format, m.dataUrl);
        return;
      case 'log':
        this.manager.log.appendLine(`[panel ${m.level}] ${m.message}`);
        return;
    }
  }

  private async slice(axis: 0 | 1 | 2, index: number, cls: number | undefined): Promise<void> {
    const worker = this.details$;
    if (!worker || !this.result) {
      this.post({ type: 'overlay', overlay: null, error: 'no evaluation to draw an overlay from' });
      return;
    }
    const dims = this.result.target.shape.length;
    const request: OverlayRequest = dims === 3 ? { axis, index } : {};
    if (cls !== undefined) request.class = cls;
    try {
      const reply = await worker.request({ type: 'overlay', request } as Omit<DetailsRequest, 'id'>);
      if (reply.ok) {
        const overlay = reply.overlay as OverlayData;
        if (this.details) this.details.overlay = overlay;
        this.post({ type: 'overlay', overlay });
      } else this.post({ type: 'overlay', overlay: null, error: reply.error.message });
    } catch (e) {
      this.post({ type: 'overlay', overlay: null, error: (e as Error).message });
    }
  }

  private async savePlot(name: string, format: 'png' | 'svg', dataUrl: string): Promise<void> {
    const safe = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '') || 'plot';
    const file = safe.toLowerCase().endsWith(`.${format}`) ? safe : `${safe}.${format}`;
    const base = this.pred ? dirname(this.pred) : vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
    const target = await vscode.window.showSaveDialog({
      defaultUri: base ? vscode.Uri.file(join(base, file)) : undefined,
      filters: format === 'png' ? { 'PNG image': ['png'] } : { 'SVG image': ['svg'] },
      saveLabel: 'Save plot',
      title: 'Save plot',
    });
    if (!target) {
      this.post({ type: 'exported', what: 'plot', format, ok: false, message: 'cancelled' });
      return;
    }
    try {
      const bytes = decodeDataUrl(dataUrl, format);
      await vscode.workspace.fs.writeFile(target, bytes);
      this.post({ type: 'exported', what: 'plot', format, ok: true, path: target.fsPath });
      void vscode.window.setStatusBarMessage(`SegScope: plot saved to ${target.fsPath}`, 5000);
    } catch (e) {
      const message = `could not save the plot to ${target.fsPath}: ${(e as Error).message}`;
      this.post({ type: 'exported', what: 'plot', format, ok: false, message });
      void vscode.window.showErrorMessage(`SegScope: ${message}`);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.generation++;
    this.cancel?.cancel();
    this.cancel?.dispose();
    this.details$?.dispose();
    for (const s of this.subscriptions) s.dispose();
    this.manager.removed(this);
    this.panel.dispose();
  }
}

/** The bytes of a PNG (base64) or SVG (url-encoded or base64) data: URL. */
export function decodeDataUrl(dataUrl: string, format: 'png' | 'svg'): Uint8Array {
  const comma = dataUrl.indexOf(',');
  if (comma < 0 || !dataUrl.startsWith('data:')) throw new Error('not a data: URL');
  const head = dataUrl.slice(5, comma);
  const body = dataUrl.slice(comma + 1);
  const mime = head.split(';')[0];
  if (mime !== (format === 'png' ? 'image/png' : 'image/svg+xml')) throw new Error(`unexpected ${mime} for a ${format} plot`);
  if (head.endsWith(';base64')) return new Uint8Array(Buffer.from(body, 'base64'));
  return new Uint8Array(Buffer.from(decodeURIComponent(body), 'utf8'));
}
