import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isCspSourceList, panelCsp } from '../../extension/webviewHtml.js';

it("accepts VS Code's cspSource with quoted keywords and refuses anything that could widen the policy", () => {
  assert.ok(isCspSourceList("'self' https://*.vscode-cdn.net"));
  assert.ok(isCspSourceList('https://file+.vscode-resource.vscode-cdn.net'));
  for (const bad of ["'unsafe-eval'", "'unsafe-inline'", 'x; script-src *', 'a"b', '', 'https://a,https://b']) {
    assert.equal(isCspSourceList(bad), false, bad);
  }
  const csp = panelCsp("'self' https://*.vscode-cdn.net", 'abc123');
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'nonce-abc123'/);
  assert.doesNotMatch(csp, /unsafe/);
});

it("every webview of the extension gets its options and its page from extension/webviewPage.ts: scripts on, resources from dist/ only", () => {
  const dir = join(import.meta.dirname, '..', '..', 'extension');
  const page = readFileSync(join(dir, 'webviewPage.ts'), 'utf8');
  assert.match(page, /return \{ enableScripts: true, localResourceRoots: \[distUri\] \};/);
  const elsewhere: string[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts') && n !== 'webviewPage.ts')) {
    readFileSync(join(dir, f), 'utf8').split('\n').forEach((line, i) => {
      if (/localResourceRoots|enableScripts|\.html\s*=|[^ ]renderWebviewHtml\(|= renderWebviewHtml\(/.test(line)) elsewhere.push(`extension/${f}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(elsewhere, []);
});
