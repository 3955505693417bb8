/**
 * `segscope.evaluatePair`: from the explorer (one or two selected masks), the editor title, the
 * command palette, or another extension / a test (two URIs or paths). Decides which file is the
 * prediction (extension/pairing.ts) and, for a single file, finds its partner in the workspace.
 */
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { findPartner, isMaskFile, maskExtension, npyHeaderIsFloat, orderPair, type FileHints } from './pairing.js';

const MASK_GLOB = '**/*.{png,npy,nii,nii.gz,PNG,NPY,NII,NII.GZ}';
const EXCLUDE_GLOB = '**/{node_modules,.git,.e2e,dist,out}/**';

/** Content hints of a mask: whether a .npy holds floats (a probability or logit map). */
export async function fileHints(path: string): Promise<FileHints> {
  if (maskExtension(path) !== '.npy') return {};
  try {
    const fh = await open(path, 'r');
    try {
      const buf = new Uint8Array(512);
      const { bytesRead } = await fh.read(buf, 0, 512, 0);
      const float = npyHeaderIsFloat(buf.subarray(0, bytesRead));
      return float === undefined ? {} : { float };
    } finally {
      await fh.close();
    }
  } catch {
    return {};
  }
}

function toPath(x: unknown): string | undefined {
  if (x instanceof vscode.Uri) return x.fsPath;
  if (typeof x === 'string') return x.startsWith('file:') ? vscode.Uri.parse(x).fsPath : x;
  if (x && typeof x === 'object' && 'fsPath' in x && typeof (x as { fsPath: unknown }).fsPath === 'string') return (x as { fsPath: string }).fsPath;
  return undefined;
}

/** The file of the active editor tab (text, image preview, binary placeholder or custom editor). */
function activeFile(): string | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input as { uri?: unknown } | undefined;
  const uri = input?.uri ?? vscode.window.activeTextEditor?.document.uri;
  return uri instanceof vscode.Uri ? uri.fsPath : undefined;
}

/**
 * The selected files of a command invocation:
 * - explorer: (clicked, allSelected[]); editor title: (uri, {groupId}); palette: ();
 * - API: (pred, gt) or (anything, [pred, gt]) with URIs or paths.
 */
export function selectedFiles(args: unknown[]): string[] {
  const [first, second] = args;
  if (Array.isArray(second) && second.length > 0) {
    const all = second.map(toPath).filter((p): p is string => p !== undefined);
    if (all.length) return [...new Set(all)];
  }
  const a = toPath(first);
  const b = toPath(second);
  if (a && b) return [a, b];
  if (a) return [a];
  if (Array.isArray(first)) return first.map(toPath).filter((p): p is string => p !== undefined);
  const active = activeFile();
  return active ? [active] : [];
}

export interface ResolvedPair {
  pred: string;
  gt: string;
  reason: string;
}

/**
 * Turn the selection into an ordered pair, asking the user where the evidence runs out.
 * Returns undefined when the user cancels (or a message was shown).
 */
export async function resolvePair(files: string[]): Promise<ResolvedPair | undefined> {
  if (files.length === 0) {
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: true,
      openLabel: 'Evaluate',
      title: 'Select a prediction and its ground truth (or one of them)',
      filters: { 'Mask files': ['png', 'npy', 'nii', 'gz'] },
    });
    if (!picked || picked.length === 0) return undefined;
    files = picked.map((u) => u.fsPath);
  }
  if (files.length > 2) {
    void vscode.window.showErrorMessage(`SegScope: select one or two mask files (${files.length} are selected).`);
    return undefined;
  }
  const notMask = files.find((f) => !isMaskFile(f));
  if (notMask) {
    void vscode.window.showErrorMessage(`SegScope: ${notMask}: not a mask file (expected .png, .npy, .nii or .nii.gz).`);
    return undefined;
  }
  if (files.length === 2) {
    const [a, b] = files as [string, string];
    const o = orderPair(a, b, await fileHints(a), await fileHints(b));
    return { pred: o.pred, gt: o.gt, reason: o.reason };
  }
  const file = files[0]!;
  const uris = await vscode.workspace.findFiles(MASK_GLOB, EXCLUDE_GLOB, 20000);
  const others = [...new Set(uris.map((u) => u.fsPath))].filter((p) => isMaskFile(p));
  const hintCache = new Map<string, FileHints>();
  for (const p of [file, ...others]) if (maskExtension(p) === '.npy' && hintCache.size < 2000) hintCache.set(p, await fileHints(p));
  const search = findPartner(file, others, (p) => hintCache.get(p));
  let partner = search.unique;
  if (!partner) {
    const ranked = search.candidates.map((c) => c.path);
    const rest = others.filter((p) => p !== file && !ranked.includes(p));
    type Item = vscode.QuickPickItem & { path?: string };
    const items: Item[] = [];
    if (ranked.length) items.push({ label: 'Likely partners', kind: vscode.QuickPickItemKind.Separator });
    for (const c of search.candidates)
      items.push({ label: basename(c.path), description: vscode.workspace.asRelativePath(c.path), detail: c.role ? `as the ${c.role === 'gt' ? 'ground truth' : 'prediction'}` : undefined, path: c.path });
    if (rest.length) items.push({ label: 'Other mask files', kind: vscode.QuickPickItemKind.Separator });
    for (const p of rest.slice(0, 5000)) items.push({ label: basename(p), description: vscode.workspace.asRelativePath(p), path: p });
    if (!items.some((i) => i.path)) {
      void vscode.window.showErrorMessage(`SegScope: no partner for ${file} in the workspace; select the prediction and the ground truth together.`);
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(items, {
      title: `Evaluate ${basename(file)}: pick its partner`,
      placeHolder: search.candidates.length > 1 ? 'Several files could be the partner' : 'No file is clearly the partner',
      matchOnDescription: true,
    });
    if (!pick?.path) return undefined;
    partner = pick.path;
  }
  const o = orderPair(file, partner, hintCache.get(file) ?? (await fileHints(file)), hintCache.get(partner) ?? (await fileHints(partner)));
  return { pred: o.pred, gt: o.gt, reason: o.reason };
}
