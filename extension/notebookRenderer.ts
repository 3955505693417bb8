/**
 * The extension host's side of the notebook renderer (webview/entries/notebook.ts): evaluates the
 * masks and files outputs of docs/spec/notebook.md in the shared worker pool and answers with the
 * result, the overlay of any class/slice and the curves. Every message is validated on arrival; a
 * files output may only name files inside the workspace folders.
 */
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import { EngineCancelled, type PooledSession, type WorkerPool } from '../engine/pool.js';
import type { EvaluateFilesOptions } from '../engine/session.js';
import type { OverlayRequest } from '../kernels/overlay.js';
import type { HostToRenderer, RendererToHost } from '../protocol/messages.js';
import { isRendererToHost } from '../protocol/validate.js';
import { readClassNames, readSettings } from './config.js';
import { settingsToOptions, type SegscopeSettings } from './settings.js';
import { resolveInside } from './workspacePaths.js';

export const RENDERER_ID = 'segscope.renderer';

/** Outputs whose sessions are kept for slice requests; the oldest is closed beyond this. */
const MAX_LIVE_OUTPUTS = 16;

interface LiveOutput {
  session: PooledSession;
  abort: AbortController;
  threeD: boolean;
}

/** The options of an output: the workspace's settings, with the output's own options over them (invalid ones are errors). */
function outputOptions(scope: vscode.Uri, own: Record<string, unknown> | undefined, spacing?: number[]): EvaluateFilesOptions {
  const merged: SegscopeSettings = { ...readSettings(scope), ...(own ?? {}), ...(spacing ? { spacing } : {}) };
  const known = new Set(Object.keys(readSettings(scope)));
  const unknown = Object.keys(own ?? {}).filter((k) => !known.has(k));
  if (unknown.length) throw new Error(`unknown option ${unknown.map((k) => `"${k.slice(0, 40)}"`).join(', ')} (the names of the segscope.* settings)`);
  const { options, problems } = settingsToOptions(merged);
  const ownProblems = problems.filter((p) => Object.keys(own ?? {}).some((k) => p.startsWith(`segscope.${k}:`)) || (spacing && p.startsWith('segscope.spacing:')));
  if (ownProblems.length) throw new Error(ownProblems.map((p) => p.replace(/; using the default$/, '')).join('; '));
  return options;
}

export function registerNotebookRenderer(engine: () => WorkerPool, log: vscode.OutputChannel): vscode.Disposable {
  const messaging = vscode.notebooks.createRendererMessaging(RENDERER_ID);
  const live = new Map<string, LiveOutput>();

  const close = (output: string) => {
    const o = live.get(output);
    if (!o) return;
    live.delete(output);
    o.abort.abort();
    o.session.close();
  };

  const evaluate = async (m: Extract<RendererToHost, { type: 'evaluate' }>, editor: vscode.NotebookEditor, post: (r: HostToRenderer) => void) => {
    close(m.output);
    const notebook = editor.notebook.uri;
    const abort = new AbortController();
    let session: PooledSession;
    let names: { pred: string; gt: string };
    if (m.kind === 'files') {
      const roots = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
      const [pred, gt] = [m.payload.pred, m.payload.gt].map((p) => resolveInside(p, roots, dirname(notebook.fsPath)));
      const refused = 'refused' in pred ? pred.refused : 'refused' in gt ? gt.refused : undefined;
      if (!('path' in pred) || !('path' in gt)) throw new Error(refused);
      session = engine().openSession(pred.path, gt.path, outputOptions(vscode.Uri.file(gt.path), m.payload.options));
      names = { pred: pred.path, gt: gt.path };
    } else {
      session = engine().openMasksSession(m.payload, outputOptions(notebook, m.payload.options, m.payload.spacing));
      names = { pred: notebook.fsPath, gt: notebook.fsPath };
    }
    const entry: LiveOutput = { session, abort, threeD: false };
    live.set(m.output, entry);
    while (live.size > MAX_LIVE_OUTPUTS) close(live.keys().next().value!);
    post({ type: 'progress', output: m.output, message: 'Evaluating…' });
    const result = await session.result(abort.signal);
    entry.threeD = result.target.shape.length === 3;
    const overlay = await session.overlay({}, abort.signal).then(
      (o) => ({ overlay: o }),
      (e: unknown) => {
        if (e instanceof EngineCancelled) throw e;
        return { overlay: null, overlayError: (e as Error).message };
      },
    );
    const classNames = readClassNames(result.classes, result.binary, names.pred, names.gt).names;
    post({ type: 'result', output: m.output, result, details: { classNames, ...overlay, curves: null } });
    const curves = await session.curves(abort.signal).then(
      (c) => ({ curves: c }),
      (e: unknown) => {
        if (e instanceof EngineCancelled) throw e;
        return { curves: null, error: (e as Error).message };
      },
    );
    post({ type: 'curves', output: m.output, ...curves });
  };

  const sub = messaging.onDidReceiveMessage(async ({ editor, message }) => {
    if (!isRendererToHost(message)) {
      log.appendLine(`ignored an invalid message from the notebook renderer: ${JSON.stringify(message)?.slice(0, 200)}`);
      return;
    }
    const post = (reply: HostToRenderer) => void messaging.postMessage(reply, editor);
    const m = message;
    try {
      switch (m.type) {
        case 'evaluate':
          await evaluate(m, editor, post);
          return;
        case 'slice': {
          const o = live.get(m.output);
          if (!o) {
            post({ type: 'overlay', output: m.output, overlay: null, error: 'this output is no longer evaluated; run its cell again' });
            return;
          }
          const request: OverlayRequest = o.threeD ? { axis: m.axis, index: m.index } : {};
          if (m.class !== undefined) request.class = m.class;
          post({ type: 'overlay', output: m.output, overlay: await o.session.overlay(request, o.abort.signal) });
          return;
        }
        case 'dispose':
          close(m.output);
          return;
      }
    } catch (e) {
      if (e instanceof EngineCancelled) return;
      // engine errors name their file in the message already
      log.appendLine(`notebook output ${m.output}: ${(e as Error).message}`);
      if (m.type === 'slice') post({ type: 'overlay', output: m.output, overlay: null, error: (e as Error).message });
      else post({ type: 'error', output: m.output, message: (e as Error).message });
    }
  });

  return {
    dispose() {
      sub.dispose();
      for (const output of [...live.keys()]) close(output);
    },
  };
}
