/** Saving a plot a webview rendered (Plotly.toImage's data: URL) to a file the user picks. */
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { HostToWebview, ImageFormat } from '../protocol/messages.js';

/** The bytes of a PNG (base64) or SVG (url-encoded or base64) data: URL. */
export function decodeDataUrl(dataUrl: string, format: ImageFormat): Uint8Array {
  const comma = dataUrl.indexOf(',');
  if (comma < 0 || !dataUrl.startsWith('data:')) throw new Error('not a data: URL');
  const head = dataUrl.slice(5, comma);
  const body = dataUrl.slice(comma + 1);
  const mime = head.split(';')[0];
  if (mime !== (format === 'png' ? 'image/png' : 'image/svg+xml')) throw new Error(`unexpected ${mime} for a ${format} plot`);
  if (head.endsWith(';base64')) return new Uint8Array(Buffer.from(body, 'base64'));
  return new Uint8Array(Buffer.from(decodeURIComponent(body), 'utf8'));
}

/** Asks where to save, writes the file, and answers with the `exported` message to post back. */
export async function savePlot(name: string, format: ImageFormat, dataUrl: string, besideFile: string): Promise<Extract<HostToWebview, { type: 'exported' }>> {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '') || 'plot';
  const file = safe.toLowerCase().endsWith(`.${format}`) ? safe : `${safe}.${format}`;
  const base = besideFile ? dirname(besideFile) : vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
  const target = await vscode.window.showSaveDialog({
    defaultUri: base ? vscode.Uri.file(join(base, file)) : undefined,
    filters: format === 'png' ? { 'PNG image': ['png'] } : { 'SVG image': ['svg'] },
    saveLabel: 'Save plot',
    title: 'Save plot',
  });
  if (!target) return { type: 'exported', what: 'plot', format, ok: false, message: 'cancelled' };
  try {
    await vscode.workspace.fs.writeFile(target, decodeDataUrl(dataUrl, format));
    void vscode.window.setStatusBarMessage(`SegScope: plot saved to ${target.fsPath}`, 5000);
    return { type: 'exported', what: 'plot', format, ok: true, path: target.fsPath };
  } catch (e) {
    const message = `could not save the plot to ${target.fsPath}: ${(e as Error).message}`;
    void vscode.window.showErrorMessage(`SegScope: ${message}`);
    return { type: 'exported', what: 'plot', format, ok: false, message };
  }
}
