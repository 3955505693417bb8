/**
 * Which pair a results panel showed, after a window reload: the pairs this workspace remembers (by
 * the paths the panel displayed, and by panel title), the webview's saved state (only files inside
 * the workspace folders: extension/workspacePaths.ts), or a workspace search for the file names in
 * the title.
 */
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import type { PanelState } from '../protocol/messages.js';
import { pairFromSavedState } from './workspacePaths.js';

type Known = Record<string, { pred: string; gt: string }>;
const PAIRS_KEY = 'segscope.pairs';
const TITLES_KEY = 'segscope.titles';

/** Paths shown in the panel (and kept in its state): workspace-relative when inside the workspace. */
export function displayPath(path: string): string {
  if (!path) return path;
  return vscode.workspace.asRelativePath(vscode.Uri.file(path), (vscode.workspace.workspaceFolders?.length ?? 0) > 1);
}

/** Keep at most `max` entries (the newest) of a remembered map. */
function trimmed(map: Known, max = 200): Known {
  const keys = Object.keys(map);
  const out: Known = {};
  for (const k of keys.slice(Math.max(0, keys.length - max))) out[k] = map[k]!;
  return out;
}

/** Remember the absolute paths of what a panel displays (and of its title), for the serializer. */
export function rememberPair(state: vscode.Memento, shown: { pred: string; gt: string }, title: string, pair: { pred: string; gt: string }): void {
  const pairs = { ...state.get<Known>(PAIRS_KEY, {}) };
  delete pairs[`${shown.pred}\u0000${shown.gt}`];
  pairs[`${shown.pred}\u0000${shown.gt}`] = pair;
  const titles = { ...state.get<Known>(TITLES_KEY, {}) };
  delete titles[title];
  titles[title] = pair;
  void state.update(PAIRS_KEY, trimmed(pairs));
  void state.update(TITLES_KEY, trimmed(titles));
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
export async function resolveRestoredPair(
  state: unknown,
  title: string,
  memory: vscode.Memento,
): Promise<{ pred: string; gt: string; from: string } | { refused: string } | undefined> {
  const pair = (state as PanelState | undefined)?.pair;
  const ok = (x: { pred: string; gt: string } | undefined) => x !== undefined && existsSync(x.pred) && existsSync(x.gt);
  if (pair && typeof pair.pred === 'string' && typeof pair.gt === 'string') {
    // what this workspace remembers was written by the host; the webview's own state only names files inside the workspace
    const remembered = memory.get<Known>(PAIRS_KEY, {})[`${pair.pred}\u0000${pair.gt}`];
    if (ok(remembered)) return { ...remembered!, from: 'the panel state' };
    const saved = pairFromSavedState(state, (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath));
    if (saved && 'refused' in saved) return saved;
    if (saved) return { ...saved, from: 'the panel state' };
  }
  const byTitle = memory.get<Known>(TITLES_KEY, {})[title];
  if (ok(byTitle)) return { ...byTitle!, from: 'the panel title' };
  const m = /^SegScope: (.+) ⇄ (.+)$/.exec(title);
  if (m) {
    const [pred, gt] = await Promise.all([findUnique(m[1]!), findUnique(m[2]!)]);
    if (pred && gt) return { pred, gt, from: 'a workspace search for the title' };
  }
  return undefined;
}
