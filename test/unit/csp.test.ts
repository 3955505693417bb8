import { it } from 'node:test';
import assert from 'node:assert/strict';
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
