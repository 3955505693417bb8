/**
 * One way to put a page entry of webview/entries/ into a webview: scripts on, resources only from
 * the extension's dist/ (the brief's rule), and the shell of webviewHtml.ts with a fresh nonce.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { renderWebviewHtml } from './webviewHtml.js';

/** The page entries the build writes to dist/webview/ (build.mjs), each with its stylesheet. */
export type WebviewPageEntry = 'panel' | 'comparison' | 'folders';

/** The options of every SegScope webview; panels add their own (retained context, find widget). */
export function webviewOptions(distUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [distUri] };
}

export function loadWebviewPage(webview: vscode.Webview, distUri: vscode.Uri, entry: WebviewPageEntry, title: string): void {
  const asUri = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(distUri, 'webview', file)).toString();
  webview.html = renderWebviewHtml({
    cspSource: webview.cspSource,
    nonce: randomBytes(24).toString('base64').replace(/[^A-Za-z0-9]/g, 'x'),
    scriptUri: asUri(`${entry}.js`),
    styleUri: asUri(`${entry}.css`),
    title,
  });
}
