/**
 * The results panel in a real browser: Debian's /usr/bin/chromium driven by playwright-core
 * (never a downloaded browser). Loads the production page (webview/html.ts renderPanelHtml with
 * its strict CSP) and the built bundle dist/webview/panel.js (run `node build.mjs` first) from a
 * loopback HTTP server, with a stubbed acquireVsCodeApi that records what the panel posts. The test
 * plays the extension host: it posts recorded results (test/webview/fixtures.ts) and answers
 * `slice` requests with kernels/overlay.ts. Any CSP violation, page error or console error fails.
 * Screenshots go to test-results/webview/*.png.
 *
 *   node --import tsx --test test/webview/panel.test.ts
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';

// Types from the API itself, so this file also type-checks where an ambient `declare module
// 'playwright-core'` (test/e2e's shim for its own install) replaces the package's types.
type Browser = Awaited<ReturnType<typeof chromium.launch>>;
type Page = Awaited<ReturnType<Browser['newPage']>>;
interface ConsoleMessage { type(): string; text(): string }
import { formatCsv, formatJson, formatMarkdown, formatValue, fullPrecision } from '../../webview/format.js';
import { panelCsp, renderPanelHtml } from '../../webview/html.js';
import { LOSS_CARDS } from '../../webview/lossCards.js';
import type { HostToWebview, WebviewToHost } from '../../webview/protocol.js';
import { isWebviewToHost } from '../../webview/validate.js';
import { binary2d, labels3d, type Fixture } from './fixtures.js';

const ROOT = join(import.meta.dirname, '..', '..');
const DIST = join(ROOT, 'dist');
const SHOTS = join(ROOT, 'test-results', 'webview');
const BUNDLE = join(DIST, 'webview', 'panel.js');
const CHROMIUM = process.env.SEGSCOPE_CHROMIUM ?? '/usr/bin/chromium';

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json', '.txt': 'text/plain' };

let server: Server;
let origin = '';
let browser: Browser;
let b2: Fixture;
let l3: Fixture;

before(async () => {
  assert.ok(existsSync(BUNDLE), `${BUNDLE} is missing: run \`node build.mjs\` first`);
  const newest = (dir: string): number => Math.max(...['panel.ts', 'html.ts', 'format.ts', 'lossCards.ts', 'validate.ts', 'panel.css'].map((f) => statSync(join(dir, f)).mtimeMs));
  assert.ok(statSync(BUNDLE).mtimeMs >= newest(join(ROOT, 'webview')) - 1000, 'dist/webview/panel.js is older than webview/: run `node build.mjs`');
  mkdirSync(SHOTS, { recursive: true });
  [b2, l3] = await Promise.all([binary2d(), labels3d()]);
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/') {
      const nonce = randomBytes(18).toString('base64url');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(renderPanelHtml({ cspSource: origin, nonce, scriptUri: `${origin}/dist/webview/panel.js`, styleUri: `${origin}/dist/webview/panel.css` }));
      return;
    }
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204);
      res.end();
      return;
    }
    const rel = normalize(decodeURIComponent(url.pathname)).replace(/^[/\\]+/, '');
    const file = join(ROOT, rel);
    if (!rel.startsWith('dist/') || !file.startsWith(DIST) || !existsSync(file)) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

after(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

/** VS Code's Dark Modern variables the panel reads (VS Code sets them on <html>). */
const DARK_VARS: Record<string, string> = {
  '--vscode-font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-editor-font-family': '"Droid Sans Mono", monospace',
  '--vscode-editor-foreground': '#cccccc',
  '--vscode-editor-background': '#1f1f1f',
  '--vscode-descriptionForeground': '#9d9d9d',
  '--vscode-panel-border': '#2b2b2b',
  '--vscode-editorWidget-background': '#202020',
  '--vscode-button-background': '#0078d4',
  '--vscode-button-foreground': '#ffffff',
  '--vscode-charts-red': '#f14c4c',
  '--vscode-charts-blue': '#3794ff',
  '--vscode-charts-yellow': '#cca700',
  '--vscode-charts-orange': '#d18616',
  '--vscode-charts-green': '#89d185',
  '--vscode-charts-purple': '#b180d7',
};

interface Harness {
  page: Page;
  /** CSP violations, page errors and console errors seen so far */
  problems: string[];
  posted(): Promise<WebviewToHost[]>;
  send(msg: HostToWebview): Promise<void>;
  waitPosted(pred: (m: WebviewToHost) => boolean, what: string): Promise<WebviewToHost>;
  waitRendered(): Promise<void>;
  /** the element's text once it equals `expected` (messages from `send` are handled asynchronously), else its last text */
  waitText(selector: string, expected: string): Promise<string | null>;
  shot(name: string, fullPage?: boolean): Promise<void>;
}

async function openPanel(options: { state?: unknown; vars?: Record<string, string>; bodyClass?: string } = {}): Promise<Harness> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on('pageerror', (e: Error) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`);
  });
  // tsx compiles the functions below with esbuild's keepNames, whose __name helper the page lacks.
  await page.addInitScript({ content: 'window.__name = (f) => f;' });
  await page.addInitScript(
    ({ state, vars, bodyClass }: { state: unknown; vars: Record<string, string>; bodyClass: string }) => {
      const w = window as unknown as Record<string, unknown>;
      w.__posted = [];
      w.__state = state;
      w.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        (w.__csp as string[]).push(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber} ${e.sample}`);
      });
      w.acquireVsCodeApi = () => ({
        postMessage: (m: unknown) => (w.__posted as unknown[]).push(JSON.parse(JSON.stringify(m))),
        getState: () => w.__state,
        setState: (s: unknown) => {
          w.__state = JSON.parse(JSON.stringify(s));
        },
      });
      // as VS Code does: theme variables on <html>, the theme kind as a class of <body>
      document.addEventListener('DOMContentLoaded', () => {
        for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
        document.body.classList.add(bodyClass);
      });
    },
    { state: options.state, vars: options.vars ?? DARK_VARS, bodyClass: options.bodyClass ?? 'vscode-dark' },
  );
  const response = await page.goto(`${origin}/`);
  assert.equal(response?.status(), 200);
  const posted = (): Promise<WebviewToHost[]> => page.evaluate(() => (window as unknown as { __posted: WebviewToHost[] }).__posted);
  const waitPosted = async (pred: (m: WebviewToHost) => boolean, what: string) => {
    const t0 = Date.now();
    while (Date.now() - t0 < 15000) {
      const found = (await posted()).find(pred);
      if (found) return found;
      await page.waitForTimeout(50);
    }
    throw new Error(`the panel did not post ${what}; posted: ${JSON.stringify((await posted()).map((m) => m.type))}`);
  };
  const h: Harness = {
    page,
    problems,
    posted,
    send: async (msg) => {
      await page.evaluate((m: unknown) => window.postMessage(m, '*'), msg as unknown as Record<string, unknown>);
    },
    waitPosted,
    waitRendered: async () => {
      await page.waitForSelector('body[data-rendered="true"]', { timeout: 20000 });
    },
    waitText: async (selector, expected) => {
      for (let i = 0; i < 100; i++) {
        const text = await page.textContent(selector);
        if (text === expected) return text;
        await page.waitForTimeout(50);
      }
      return page.textContent(selector);
    },
    shot: async (name, fullPage = true) => {
      await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
    },
  };
  await waitPosted((m) => m.type === 'ready', 'ready');
  return h;
}

async function cspProblems(h: Harness): Promise<string[]> {
  const csp: string[] = await h.page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
  return [...csp.map((c) => `CSP: ${c}`), ...h.problems];
}

async function assertClean(h: Harness): Promise<void> {
  assert.deepEqual(await cspProblems(h), [], 'no CSP violation, page error or console error');
  for (const m of await h.posted()) assert.ok(isWebviewToHost(m), `a valid message: ${JSON.stringify(m).slice(0, 200)}`);
  const logs = (await h.posted()).filter((m) => m.type === 'log');
  assert.deepEqual(logs, [], 'the panel reported no error');
}

async function showResult(h: Harness, f: Fixture): Promise<void> {
  await h.send({ type: 'state', pair: f.pair, busy: true });
  await h.send({ type: 'progress', message: 'Evaluating 18 losses…' });
  await h.send({ type: 'result', result: f.result, details: f.details });
  await h.waitRendered();
}

/** The values shown in cells of a scope, by id (and class). */
async function cells(page: Page, scope: string): Promise<{ id: string; cls: string | null; full: string; text: string }[]> {
  return page.$$eval(`[data-scope="${scope}"]`, (els: Element[]) =>
    els.map((e) => ({ id: e.getAttribute('data-id')!, cls: e.getAttribute('data-class'), full: e.getAttribute('data-loss')!, text: e.textContent ?? '' })),
  );
}

describe('results panel in Chromium', () => {
  test('the production page carries the strict CSP', () => {
    const html = renderPanelHtml({ cspSource: 'https://x.vscode-cdn.net', nonce: 'abcdefghijklmnopqrstuv', scriptUri: 'https://x/p.js', styleUri: 'https://x/p.css' });
    const csp = panelCsp('https://x.vscode-cdn.net', 'abcdefghijklmnopqrstuv');
    assert.ok(html.includes(`content="${csp}"`));
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-abcdefghijklmnopqrstuv'(;|$)/);
    assert.match(csp, /style-src https:\/\/x\.vscode-cdn\.net 'nonce-abcdefghijklmnopqrstuv'(;|$)/);
    assert.match(csp, /img-src https:\/\/x\.vscode-cdn\.net data: blob:(;|$)/);
    assert.doesNotMatch(csp, /unsafe-eval|unsafe-inline/);
    assert.doesNotMatch(html, /\son[a-z]+=/i, 'no inline event handlers');
    assert.equal((html.match(/<script/g) ?? []).length, 1);
    assert.ok(html.includes('<script nonce="abcdefghijklmnopqrstuv" src="https://x/p.js">'));
    assert.throws(() => renderPanelHtml({ cspSource: 'x', nonce: 'short', scriptUri: '', styleUri: '' }));
  });

  test('2D binary result: every section, numbers, copy, save, swap state', async () => {
    const h = await openPanel();
    await h.shot('00-waiting', false);
    await showResult(h, b2);
    const { page } = h;
    const r = b2.result;

    // (a) summary: every loss with its full-precision value, 4 decimals shown, backend and time
    const losses = await cells(page, 'loss');
    assert.deepEqual(losses.map((c) => c.id).sort(), Object.keys(r.losses).sort());
    for (const c of losses) {
      const v = r.losses[c.id as keyof typeof r.losses]!;
      assert.equal(c.full, fullPrecision(v), c.id);
      assert.equal(c.text, formatValue(v), c.id);
    }
    for (const id of ['dice', 'iou', 'hd95'] as const) {
      const full = Number(losses.find((c) => c.id === id)!.full);
      assert.equal(full.toFixed(4), (r.losses[id] as number).toFixed(4));
    }
    const rows = await page.$$eval('#loss-table tbody tr', (trs: Element[]) => trs.map((tr) => Array.from(tr.children).map((td) => td.textContent)));
    assert.equal(rows.length, Object.keys(r.losses).length);
    for (const row of rows) {
      assert.equal(row[2], 'reference');
      assert.match(row[3] ?? "", /^\d+(\.\d+)?\*?$/, `a time: ${row[3]}`);
    }
    // metrics
    const mf = await cells(page, 'meanForeground');
    assert.equal(mf.find((c) => c.id === 'dice')!.full, fullPrecision(r.metrics.meanForeground.dice));
    const mpc = await cells(page, 'metricPerClass');
    for (const e of r.metrics.perClass) {
      assert.equal(mpc.find((c) => c.id === 'iou' && c.cls === String(e.class))!.full, fullPrecision(e.iou));
      assert.equal(mpc.find((c) => c.id === 'tp' && c.cls === String(e.class))!.full, String(e.tp));
    }
    assert.equal((await cells(page, 'metric'))[0].full, fullPrecision(r.metrics.pixelAccuracy));
    // cards: one per loss, with its formula from lossCards.ts
    const cards: { id: string | null; formula: string | null | undefined; value: string | null | undefined }[] = await page.$$eval('.card', (els: Element[]) => els.map((e) => ({ id: e.getAttribute('data-card'), formula: e.querySelector('.formula')?.textContent, value: e.querySelector('.value')?.getAttribute('data-loss') })));
    assert.deepEqual(cards.map((c) => c.id).sort(), Object.keys(r.losses).sort());
    for (const c of cards) {
      assert.equal(c.formula, LOSS_CARDS[c.id as keyof typeof LOSS_CARDS].formula);
      assert.equal(c.value, fullPrecision(r.losses[c.id as keyof typeof r.losses]));
    }
    // clicking a loss row opens its card
    await page.click('#loss-table tr[data-card="hausdorff"]');
    assert.equal(await page.$eval('#card-hausdorff', (e: Element) => (e as HTMLDetailsElement).open), true);

    // (b) per-class: five bar traces (grouped), table values
    assert.equal(await page.$$eval('#plot-perclass .barlayer .trace.bars', (e: Element[]) => e.length), 5);
    const legend = await page.$$eval('#plot-perclass .legendtext', (e: Element[]) => e.map((x) => x.textContent));
    assert.deepEqual(legend, ['Dice loss', 'IoU loss', 'Tversky loss', 'BCE contribution', 'HD95 (right axis)']);
    const ticks = await page.$$eval('#plot-perclass .xtick text', (e: Element[]) => e.map((x) => x.textContent));
    assert.deepEqual(ticks, ['0 · background', '1 · lesion']);
    const pc = await cells(page, 'perClass');
    for (const e of r.perClass) for (const [k, v] of Object.entries(e)) if (k !== 'class') assert.equal(pc.find((c) => c.id === k && c.cls === String(e.class))?.full, fullPrecision(v), `${k}/${e.class}`);

    // (c) overlay: φ heatmap image, FP/FN layer, both contours, the Hausdorff point and its distance
    assert.equal(await page.$$eval('#plot-overlay .heatmaplayer image', (e: Element[]) => e.length), 2);
    const overlayLegend = await page.$$eval('#plot-overlay .legendtext', (e: Element[]) => e.map((x) => x.textContent));
    const o = b2.details.overlay!;
    assert.deepEqual(overlayLegend, [`false positive (${o.fpCount} px)`, `false negative (${o.fnCount} px)`, 'ground truth contour', 'prediction contour', `Hausdorff point (${formatValue(o.worst!.distance, 2)})`]);
    const ann = await page.$$eval('#plot-overlay .annotation-text', (e: Element[]) => e.map((x) => x.textContent));
    assert.deepEqual(ann, [`HD = ${formatValue(r.losses.hausdorff, 2)}`]);
    assert.equal(o.worst!.distance, r.losses.hausdorff, 'the marked point realises the reported Hausdorff distance');
    assert.ok((await page.$$eval('#plot-overlay .scatterlayer path.js-line', (e: Element[]) => e.map((x) => (x.getAttribute('d') ?? '').length))).every((n: number) => n > 0));
    assert.equal(await page.$$eval('#overlay-controls input[type=range]', (e: Element[]) => e.length), 0, 'no slice sliders in 2D');

    // (d) curves: one trace per loss, the x axis from 0 to 1
    const set = b2.details.curves![0];
    assert.equal(await page.$$eval('#plot-curves .scatterlayer .trace', (e: Element[]) => e.length), set.series.length);
    const curveLegend = await page.$$eval('#plot-curves .legendtext', (e: Element[]) => e.map((x) => x.textContent));
    assert.deepEqual(curveLegend, set.series.map((s) => s.loss));
    const panels = await page.$$eval('#plot-curves text.ytitle, #plot-curves text.y2title, #plot-curves text.y3title', (e: Element[]) => e.map((x) => x.textContent));
    assert.deepEqual(panels, ['overlap / score', 'cross entropy', 'distance']);

    // swap: disabled for a probability map
    assert.equal(await page.$eval('#swap', (b: Element) => (b as HTMLButtonElement).disabled), true);
    assert.deepEqual(await page.$$eval('.pair .file', (e: Element[]) => e.map((x) => x.textContent)), [b2.pair.pred, b2.pair.gt]);

    await h.shot('01-binary2d-full');
    for (const id of ['summary', 'per-class', 'overlay', 'curves']) await page.locator(`#${id}`).screenshot({ path: join(SHOTS, `01-binary2d-${id}.png`) });
    await page.$eval('#summary', (e: Element) => e.scrollIntoView());
    await h.shot('02-binary2d-summary', false);
    await page.$eval('#per-class', (e: Element) => e.scrollIntoView());
    await h.shot('03-binary2d-perclass-overlay', false);
    await page.$eval('#curves', (e: Element) => e.scrollIntoView());
    await h.shot('04-binary2d-curves', false);

    // copy: each format posts the formatted text
    for (const format of ['json', 'csv', 'markdown'] as const) {
      await page.click(`button[data-copy="${format}"]`);
      const m = (await h.waitPosted((x) => x.type === 'copy' && x.format === format, `copy ${format}`)) as Extract<WebviewToHost, { type: 'copy' }>;
      const want = format === 'json' ? formatJson(r) : format === 'csv' ? formatCsv(r, b2.details.classNames) : formatMarkdown(r, b2.details.classNames);
      assert.equal(m.text, want);
      await h.send({ type: 'exported', what: 'copy', format, ok: true });
    }
    assert.equal(await h.waitText('#status', 'Copied the results as MARKDOWN.'), 'Copied the results as MARKDOWN.');
    const jsonCopy = (await h.posted()).find((x) => x.type === 'copy' && x.format === 'json') as Extract<WebviewToHost, { type: 'copy' }>;
    assert.deepEqual(JSON.parse(jsonCopy.text), r, 'the JSON copy is the CLI document');

    // save plots: PNG and SVG through Plotly.toImage, under the CSP
    for (const [plot, format] of [['perclass', 'png'], ['overlay', 'svg'], ['curves', 'png']] as const) {
      await page.click(`button[data-save="${plot}:${format}"]`);
      const m = (await h.waitPosted((x) => x.type === 'savePlot' && x.name === `segscope-${plot}` && x.format === format, `savePlot ${plot} ${format}`)) as Extract<WebviewToHost, { type: 'savePlot' }>;
      assert.ok(m.dataUrl.startsWith(format === 'png' ? 'data:image/png;base64,' : 'data:image/svg+xml'), m.dataUrl.slice(0, 40));
      assert.ok(m.dataUrl.length > 2000);
    }
    await h.send({ type: 'exported', what: 'plot', format: 'png', ok: true, path: '/tmp/segscope-curves.png' });
    assert.equal(await h.waitText('#status', 'Saved /tmp/segscope-curves.png'), 'Saved /tmp/segscope-curves.png');

    // an invalid message is ignored and reported, not rendered
    await h.send({ type: 'result', result: { nope: 1 } } as unknown as HostToWebview);
    const warn = await h.waitPosted((x) => x.type === 'log', 'a log of the invalid message');
    assert.equal((warn as { level: string }).level, 'warn');
    await page.evaluate(() => {
      const w = window as unknown as { __posted: { type: string }[] };
      w.__posted = w.__posted.filter((m) => m.type !== 'log');
    });

    // an error from the host is shown with its file
    await h.send({ type: 'error', file: 'gt_mask.png', message: 'shape mismatch: prediction [96, 128] vs ground truth [96, 120]' });
    assert.equal(await h.waitText('#error', 'gt_mask.png: shape mismatch: prediction [96, 128] vs ground truth [96, 120]'), 'gt_mask.png: shape mismatch: prediction [96, 128] vs ground truth [96, 120]');
    await h.shot('05-binary2d-error', false);

    await assertClean(h);
    const rendered = (await h.posted()).filter((m) => m.type === 'rendered');
    assert.equal(rendered.length, 1);

    // the state is kept: a new page given it renders the same result without the host
    const saved = await page.evaluate(() => (window as unknown as { __state: unknown }).__state);
    await page.close();
    const h2 = await openPanel({ state: saved });
    await h2.waitRendered();
    const restored = await cells(h2.page, 'loss');
    assert.deepEqual(restored, losses);
    assert.equal(await h2.page.$eval('#card-hausdorff', (e: Element) => (e as HTMLDetailsElement).open), true, 'the open card is restored');
    await assertClean(h2);
    await h2.page.close();
  });

  test('3D multi-class labels: sliders post slice messages, the overlay follows, swap posts', async () => {
    const h = await openPanel();
    const { page } = h;
    await showResult(h, l3);
    const o = l3.details.overlay!;
    assert.equal(await page.$$eval('#overlay-controls input[type=range]', (e: Element[]) => e.length), 3);
    assert.equal(await page.$eval('#overlay', (e: Element) => (e as HTMLElement).dataset.slice), `0:${o.slice!.index}`);
    const classOptions = await page.$$eval('#overlay-class option', (e: Element[]) => e.map((x) => x.textContent));
    assert.deepEqual(classOptions, ['1 · liver', '2 · tumour']);
    // per-class bars for three classes; HD95 in the table
    assert.deepEqual(await page.$$eval('#plot-perclass .xtick text', (e: Element[]) => e.map((x) => x.textContent)), ['0 · background', '1 · liver', '2 · tumour']);
    const hd95 = (await cells(page, 'perClass')).filter((c) => c.id === 'hd95');
    assert.deepEqual(hd95.map((c) => c.full), l3.result.perClass.filter((e) => 'hd95' in e).map((e) => fullPrecision(e.hd95)));
    // curves: one set per foreground class, morphology mode
    assert.deepEqual(await page.$$eval('#curve-set option', (e: Element[]) => e.map((x) => x.textContent)), ['1 · liver', '2 · tumour']);
    await h.shot('10-labels3d-full');
    for (const id of ['per-class', 'overlay', 'curves']) await page.locator(`#${id}`).screenshot({ path: join(SHOTS, `10-labels3d-${id}.png`) });

    // Move the axis-1 slider: the panel posts {type:'slice', axis: 1, index, class}
    await page.$eval('#slice-1', (el: Element) => {
      const input = el as HTMLInputElement;
      input.value = '28';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    const m = await h.waitPosted((x) => x.type === 'slice', 'a slice message');
    assert.deepEqual(m, { type: 'slice', axis: 1, index: 28, class: 1 });
    // Answer as the host would, for class 2 on that slice.
    await page.selectOption('#overlay-class', '2');
    const m2 = await h.waitPosted((x) => x.type === 'slice' && x.class === 2, 'a slice message for class 2');
    assert.deepEqual(m2, { type: 'slice', axis: 1, index: 28, class: 2 });
    const next = l3.overlays.overlay({ class: 2, axis: 1, index: 28 });
    await h.send({ type: 'overlay', overlay: next });
    await page.waitForFunction(() => document.getElementById('overlay')?.dataset.slice === '1:28' && document.getElementById('overlay')?.dataset.class === '2');
    assert.deepEqual([next.height, next.width], [20, 48]);
    const note = await page.textContent('#overlay-note');
    assert.match(note ?? '', /Class 2 · tumour · slice 28 of 40 along axis 1 \(y\)/);
    assert.equal(await page.$eval('#slice-1', (e: Element) => (e as HTMLInputElement).value), '28');
    await page.$eval('#overlay', (e: Element) => e.scrollIntoView());
    await h.shot('11-labels3d-overlay-axis1', false);

    // The worst point of class 2 is a stray voxel on another slice: a button takes us there.
    const worst = next.worst!;
    if (!worst.inSlice) {
      await page.click('#goto-worst');
      const m3 = await h.waitPosted((x) => x.type === 'slice' && x.index === worst.at[1] && x.axis === 1, 'a slice message to the worst point');
      assert.equal((m3 as { class?: number }).class, 2);
      await h.send({ type: 'overlay', overlay: l3.overlays.overlay({ class: 2, axis: 1, index: worst.at[1] }) });
      await page.waitForFunction((i: number) => document.getElementById('overlay')?.dataset.slice === `1:${i}`, worst.at[1]);
      const ann = await page.$$eval('#plot-overlay .annotation-text', (e: Element[]) => e.map((x) => x.textContent));
      assert.deepEqual(ann, [`HD = ${formatValue(worst.distance, 2)}`]);
      assert.equal(worst.distance, l3.result.perClass.find((e) => e.class === 2)!.hausdorff);
      await page.$eval('#overlay', (e: Element) => e.scrollIntoView());
      await h.shot('12-labels3d-worst-point', false);
    }

    // curves of class 2
    await page.selectOption('#curve-set', '1');
    await page.waitForFunction(() => (document.querySelector('#plot-curves .legendtext')?.textContent ?? '') !== '');
    await page.$eval('#curves', (e: Element) => e.scrollIntoView());
    await h.shot('13-labels3d-curves', false);

    // swap is enabled for two label maps and posts {type:'swap'}
    assert.equal(await page.$eval('#swap', (b: Element) => (b as HTMLButtonElement).disabled), false);
    await page.click('#swap');
    await h.waitPosted((x) => x.type === 'swap', 'swap');
    assert.equal(await page.getAttribute('body', 'data-rendered'), 'false');
    await h.send({ type: 'state', pair: { pred: l3.pair.gt, gt: l3.pair.pred, swappable: true }, busy: true });
    assert.equal(await page.$eval('#swap', (b: Element) => (b as HTMLButtonElement).disabled), true, 'disabled while evaluating');
    await h.send({ type: 'result', result: l3.result, details: { ...l3.details, curves: null } });
    await h.waitRendered();
    assert.equal(await page.textContent('#plot-curves .placeholder'), 'Computing loss curves…');
    await h.send({ type: 'curves', curves: l3.details.curves });
    await page.waitForSelector('#plot-curves .legendtext');

    // a failed evaluation after a swap leaves no stale numbers under the swapped names
    await page.click('#swap');
    await h.send({ type: 'state', pair: l3.pair, busy: true });
    await h.send({ type: 'error', file: l3.pair.gt, message: 'cannot read the file' });
    await page.waitForFunction(() => (document.getElementById('content') as HTMLElement).hidden);
    assert.equal(await h.waitText('#error', `${l3.pair.gt}: cannot read the file`), `${l3.pair.gt}: cannot read the file`);
    await h.shot('14-labels3d-failed-swap', false);

    await assertClean(h);
    await page.close();
  });

  test('light theme renders with the light variables', async () => {
    const light: Record<string, string> = {
      ...DARK_VARS,
      '--vscode-editor-foreground': '#3b3b3b',
      '--vscode-editor-background': '#ffffff',
      '--vscode-descriptionForeground': '#717171',
      '--vscode-panel-border': '#e5e5e5',
      '--vscode-editorWidget-background': '#f8f8f8',
      '--vscode-charts-red': '#e51400',
      '--vscode-charts-blue': '#1a85ff',
      '--vscode-charts-yellow': '#bf8803',
      '--vscode-charts-purple': '#652d90',
      '--vscode-charts-green': '#388a34',
    };
    const h = await openPanel({ vars: light, bodyClass: 'vscode-light' });
    await showResult(h, b2);
    const bg = await h.page.$eval('#plot-overlay .main-svg', (e: Element) => getComputedStyle(e).backgroundColor);
    assert.equal(bg, 'rgb(255, 255, 255)');
    await h.shot('20-binary2d-light');
    await assertClean(h);
    await h.page.close();
  });
});
