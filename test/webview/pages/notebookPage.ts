/**
 * The test page of the notebook renderer (test/webview/notebook.test.ts): a stand-in for VS Code's
 * notebook output iframe. Its CSP allows scripts only by nonce (no 'unsafe-eval'); styles inline,
 * as a notebook's output iframe does. One nonce'd module script imports the PRODUCTION bundle
 * dist/webview/notebook.js and exposes `window.__notebook`, which plays VS Code: it activates the
 * renderer with a stubbed RendererContext (a recording `postMessage` and an `onDidReceiveMessage`
 * the test fires, or neither), gives each output item its own element, as a notebook's cells do,
 * and renders / disposes items.
 */

export interface NotebookPageOptions {
  nonce: string;
  /** the bundle's URL (same origin) */
  bundle: string;
}

export function notebookPageCsp(nonce: string): string {
  return ["default-src 'none'", `script-src 'nonce-${nonce}'`, "style-src 'unsafe-inline'", 'img-src data: blob:', "base-uri 'none'", "form-action 'none'"].join('; ');
}

/** What the page script does (kept as plain JS: it runs in the browser as is). */
const HARNESS = String.raw`
const w = window;
w.__posted = [];
w.__listeners = new Set();
let api;
const cells = document.getElementById('cells');
function contextOf(withHost) {
  const context = { workspace: { isTrusted: true } };
  if (withHost) {
    context.postMessage = (m) => void w.__posted.push(JSON.parse(JSON.stringify(m)));
    context.onDidReceiveMessage = (listener) => {
      w.__listeners.add(listener);
      return { dispose: () => void w.__listeners.delete(listener) };
    };
  }
  return context;
}
function cellOf(id) {
  let cell = document.querySelector('.cell[data-cell="' + CSS.escape(id) + '"]');
  if (!cell) {
    cell = document.createElement('div');
    cell.className = 'cell';
    cell.dataset.cell = id;
    const label = document.createElement('div');
    label.className = 'cell-label';
    label.textContent = 'Out [' + id + ']';
    const output = document.createElement('div');
    output.className = 'output';
    cell.append(label, output);
    cells.append(cell);
  }
  return cell.querySelector('.output');
}
w.__notebook = {
  async activate(withHost) {
    const { activate } = await import(__BUNDLE__);
    api = await activate(contextOf(withHost));
  },
  render(id, mime, text) {
    api.renderOutputItem({ id, mime, json: () => JSON.parse(text), text: () => text }, cellOf(id));
  },
  dispose(id) {
    api.disposeOutputItem(id);
  },
  send(message) {
    for (const listener of Array.from(w.__listeners)) listener(JSON.parse(JSON.stringify(message)));
  },
  listeners: () => w.__listeners.size,
};
document.body.dataset.ready = 'true';
`;

export function notebookPageHtml({ nonce, bundle }: NotebookPageOptions): string {
  const script = HARNESS.replace('__BUNDLE__', JSON.stringify(bundle));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${notebookPageCsp(nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>SegScope notebook renderer test</title>
<style>
  /* what VS Code's output iframe looks like around the outputs: not SegScope's */
  body { margin: 0; padding: 12px 20px; background: var(--vscode-editor-background); color: var(--vscode-editor-foreground); font-family: var(--vscode-font-family); }
  .cell { margin: 0 0 18px; border-left: 2px solid var(--vscode-panel-border, #444); padding-left: 12px; }
  .cell-label { font: 11px monospace; opacity: 0.6; margin-bottom: 2px; }
</style>
</head>
<body>
<h2 class="outside" id="outside-heading">Another renderer's heading</h2>
<button class="outside" id="outside-button" type="button">another renderer's button</button>
<div id="cells"></div>
<script type="module" nonce="${nonce}">${script}</script>
</body>
</html>
`;
}
