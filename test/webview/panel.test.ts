/**
 * The results panel in a real browser: Debian's /usr/bin/chromium driven by playwright-core
 * (never a downloaded browser). Loads the production page (extension/webviewHtml.ts renderWebviewHtml
 * with its strict CSP) and the built bundle dist/webview/panel.js (run `node build.mjs` first) from a
 * loopback HTTP server, with a stubbed acquireVsCodeApi that records what the panel posts. The test
 * plays the extension host: it posts recorded results (test/webview/fixtures.ts) and answers
 * `slice` requests with kernels/overlay.ts. Any CSP violation, page error or console error fails.
 * The components are also mounted several times on one page (test/webview/pages/components.ts,
 * bundled here with esbuild) to check that instances do not interfere.
 * Screenshots go to test-results/webview/*.png.
 *
 *   node --import tsx --test test/webview/panel.test.ts
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as esbuild from 'esbuild';
import { formatValue, fullPrecision } from '../../protocol/format.js';
import { panelCsp, renderWebviewHtml } from '../../extension/webviewHtml.js';
import { FAMILY_NAMES, LOSSES, type LossId } from '../../kernels/registry.js';
import { LOSS_CARDS } from '../../webview/lossCards.js';
import type { JsonNumber } from '../../protocol/jsonNumber.js';
import type { HostToWebview, WebviewToHost } from '../../protocol/messages.js';
import { isWebviewToHost } from '../../protocol/validate.js';
import { binary2d, labels3d, type Fixture } from './fixtures.js';
import type { MountOptions, Recorded } from './pages/components.js';
import { LIGHT_VARS, ROOT, SHOTS, assertBundleFresh, openVsCodePage, productionPage, startSuite, type Page, type Suite, type VsCodePage } from './harness.js';

/** Where the components test page is built (test/webview/pages/components.ts), served as /t/. */
const PAGES = mkdtempSync(join(tmpdir(), 'segscope-webview-'));

/** The selectors of the panel's parts: the components' roots and their own parts. */
const SUMMARY = '[data-component="summary"]';
const PER_CLASS = '[data-component="per-class"]';
const OVERLAY = '[data-component="overlay"]';
const CURVES = '[data-component="curves"]';
const LOSS_TABLE = `${SUMMARY} [data-part="loss-table"]`;
const cardSel = (id: string) => `${SUMMARY} details.card[data-card="${id}"]`;
const PLOT_PERCLASS = `${PER_CLASS} [data-part="plot"]`;
const PLOT_OVERLAY = `${OVERLAY} [data-part="plot"]`;
const OVERLAY_CONTROLS = `${OVERLAY} [data-part="controls"]`;
const OVERLAY_CLASS = `${OVERLAY} select[data-part="overlay-class"]`;
const OVERLAY_NOTE = `${OVERLAY} [data-part="note"]`;
const GOTO_WORST = `${OVERLAY} [data-part="goto-worst"]`;
const sliderSel = (axis: number) => `${OVERLAY} input[type="range"][data-axis="${axis}"]`;
const PLOT_CURVES = `${CURVES} [data-part="plot"]`;
const CURVE_SET = `${CURVES} select[data-part="curve-set"]`;

let suite: Suite;
let b2: Fixture;
let l3: Fixture;

before(async () => {
  assertBundleFresh('panel');
  [b2, l3] = await Promise.all([binary2d(), labels3d()]);
  await esbuild.build({
    entryPoints: [{ in: join(ROOT, 'test', 'webview', 'pages', 'components.ts'), out: 'components' }],
    bundle: true, format: 'iife', platform: 'browser', target: ['chrome114'], outdir: PAGES, logLevel: 'warning',
  });
  suite = await startSuite(
    {
      '/': (o) => productionPage(o, '/dist/webview/panel.js', '/dist/webview/panel.css'),
      '/components': (o) => productionPage(o, '/t/components.js', '/t/components.css'),
    },
    { 't/': PAGES },
  );
});

after(async () => {
  await suite?.close();
  rmSync(PAGES, { recursive: true, force: true });
});

type Harness = Omit<VsCodePage<WebviewToHost>, 'show'> & {
  send(msg: HostToWebview): Promise<void>;
  waitRendered(): Promise<void>;
  /** the element's text once it equals `expected` (messages from `send` are handled asynchronously), else its last text */
  waitText(selector: string, expected: string): Promise<string | null>;
};

async function openPanel(options: { state?: unknown; vars?: Record<string, string>; bodyClass?: string; path?: string } = {}): Promise<Harness> {
  const h = await openVsCodePage<WebviewToHost>(suite, { viewport: { width: 1280, height: 900 }, ...options, who: 'the panel' });
  const { page } = h;
  if ((options.path ?? '/') === '/') await h.waitPosted((m) => m.type === 'ready', 'ready');
  return {
    ...h,
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
  };
}

async function assertClean(h: Harness): Promise<void> {
  await h.assertClean(isWebviewToHost);
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

/** The test page of test/webview/pages/components.ts, driven from here. */
interface ComponentsApi {
  mount(key: string, kind: string, props: unknown, options: MountOptions): Promise<void>;
  update(key: string, props: unknown): Promise<void>;
  dispose(key: string): void;
  recorded(key: string): Recorded;
}

function componentsPage(page: Page) {
  type Call = { key: string; kind?: string; props?: unknown; options?: MountOptions };
  return {
    mount: (key: string, kind: string, props: unknown, options: MountOptions) =>
      page.evaluate((c: Call) => (window as unknown as { __components: ComponentsApi }).__components.mount(c.key, c.kind!, c.props, c.options!), { key, kind, props, options } as Call),
    update: (key: string, props: unknown) =>
      page.evaluate((c: Call) => (window as unknown as { __components: ComponentsApi }).__components.update(c.key, c.props), { key, props } as Call),
    dispose: (key: string) => page.evaluate((c: Call) => (window as unknown as { __components: ComponentsApi }).__components.dispose(c.key), { key } as Call),
    recorded: (key: string): Promise<Recorded> => page.evaluate((c: Call) => (window as unknown as { __components: ComponentsApi }).__components.recorded(c.key), { key } as Call),
  };
}

describe('results panel in Chromium', () => {
  test('the production page carries the strict CSP', () => {
    const html = renderWebviewHtml({ cspSource: 'https://x.vscode-cdn.net', nonce: 'abcdefghijklmnopqrstuv', scriptUri: 'https://x/p.js', styleUri: 'https://x/p.css' });
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
    assert.ok(html.includes('<link rel="stylesheet" href="https://x/p.css">'));
    assert.equal((html.match(/<style [^>]*nonce="abcdefghijklmnopqrstuv"><\/style>/g) ?? []).length, 2, "Plotly's and MapLibre's empty nonce'd <style> elements");
    assert.match(html, /<body data-rendered="false">\s*<div id="root"><\/div>\s*<script [^>]*><\/script>\s*<\/body>/, 'the body: one root element and the script');
    assert.throws(() => renderWebviewHtml({ cspSource: 'x', nonce: 'short', scriptUri: '', styleUri: '' }));
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
    const rows = await page.$$eval(`${LOSS_TABLE} tbody tr`, (trs: Element[]) => trs.map((tr) => Array.from(tr.children).map((td) => td.textContent)));
    assert.equal(rows.length, Object.keys(r.losses).length);
    for (const row of rows) {
      assert.equal(row[2], 'reference');
      assert.match(row[3] ?? "", /^\d+(\.\d+)?\*?$/, `a time: ${row[3]}`);
    }
    // why that backend ran, as the engine said
    assert.ok(r.backendChoice, 'the fixture says why its backend ran');
    assert.equal(await page.textContent(`${SUMMARY} [data-part="backend-choice"]`), `Backend: ${r.backendChoice}`);
    // metrics
    const mf = await cells(page, 'meanForeground');
    assert.equal(mf.find((c) => c.id === 'dice')!.full, fullPrecision(r.metrics.meanForeground.dice));
    const mpc = await cells(page, 'metricPerClass');
    for (const e of r.metrics.perClass) {
      assert.equal(mpc.find((c) => c.id === 'iou' && c.cls === String(e.class))!.full, fullPrecision(e.iou));
      assert.equal(mpc.find((c) => c.id === 'tp' && c.cls === String(e.class))!.full, String(e.tp));
    }
    assert.equal((await cells(page, 'metric'))[0].full, fullPrecision(r.metrics.pixelAccuracy));
    // cards: one per loss, its name, family and direction from kernels/registry.ts, its text from lossCards.ts
    const cards: { id: string | null; name: string | null | undefined; family: string | null | undefined; measures: string | null | undefined; formula: string | null | undefined; value: string | null | undefined }[] = await page.$$eval(`${SUMMARY} .card`, (els: Element[]) =>
      els.map((e) => ({
        id: e.getAttribute('data-card'),
        name: e.querySelector('.name')?.textContent,
        family: e.querySelector('.family')?.textContent,
        measures: e.querySelector('.measures')?.textContent,
        formula: e.querySelector('.formula')?.textContent,
        value: e.querySelector('.value')?.getAttribute('data-loss'),
      })),
    );
    assert.deepEqual(cards.map((c) => c.id).sort(), Object.keys(r.losses).sort());
    for (const c of cards) {
      const id = c.id as LossId;
      assert.equal(c.name, LOSSES[id].name);
      assert.equal(c.family, `${FAMILY_NAMES[LOSSES[id].family]} · ${id}${LOSSES[id].unit === 'distance' ? ' · in spacing units' : ''} · ${LOSSES[id].better} is better`);
      assert.equal(c.measures, LOSS_CARDS[id].measures);
      assert.equal(c.formula, LOSS_CARDS[id].formula);
      assert.equal(c.value, fullPrecision(r.losses[id]));
    }
    assert.equal(await page.$$eval(`${SUMMARY} details.card[open]`, (e: Element[]) => e.length), 0, 'every card starts closed');
    // clicking a loss row opens its card (and only it)
    await page.click(`${LOSS_TABLE} tr[data-card="hausdorff"]`);
    assert.equal(await page.$eval(cardSel('hausdorff'), (e: Element) => (e as HTMLDetailsElement).open), true);
    assert.deepEqual(await page.$$eval(`${SUMMARY} details.card[open]`, (e: Element[]) => e.map((x) => x.getAttribute('data-card'))), ['hausdorff']);

    // (b) per-class: five bar traces (grouped), table values
    assert.equal(await page.$$eval(`${PLOT_PERCLASS} .barlayer .trace.bars`, (e: Element[]) => e.length), 5);
    const legend = await page.$$eval(`${PLOT_PERCLASS} .legendtext`, (e: Element[]) => e.map((x) => x.textContent));
    assert.deepEqual(legend, ['Dice loss', 'IoU loss', 'Tversky loss', 'BCE contribution', 'HD95 (right axis)']);
    const ticks = await page.$$eval(`${PLOT_PERCLASS} .xtick text`, (e: Element[]) => e.map((x) => x.textContent));
    assert.deepEqual(ticks, ['0 · background', '1 · lesion']);
    const pc = await cells(page, 'perClass');
    for (const e of r.perClass) for (const [k, v] of Object.entries(e)) if (k !== 'class') assert.equal(pc.find((c) => c.id === k && c.cls === String(e.class))?.full, fullPrecision(v as JsonNumber), `${k}/${e.class}`);

    // (c) overlay: φ heatmap image, FP/FN layer, both contours, the Hausdorff point and its distance
    assert.equal(await page.$$eval(`${PLOT_OVERLAY} .heatmaplayer image`, (e: Element[]) => e.length), 2);
    const overlayLegend = await page.$$eval(`${PLOT_OVERLAY} .legendtext`, (e: Element[]) => e.map((x) => x.textContent));
    const o = b2.details.overlay!;
    assert.deepEqual(overlayLegend, [`false positive (${o.fpCount} px)`, `false negative (${o.fnCount} px)`, 'ground truth contour', 'prediction contour', `Hausdorff point (${formatValue(o.worst!.distance, 2)})`]);
    const ann = await page.$$eval(`${PLOT_OVERLAY} .annotation-text`, (e: Element[]) => e.map((x) => x.textContent));
    assert.deepEqual(ann, [`HD = ${formatValue(r.losses.hausdorff, 2)}`]);
    assert.equal(o.worst!.distance, r.losses.hausdorff, 'the marked point realises the reported Hausdorff distance');
    assert.ok((await page.$$eval(`${PLOT_OVERLAY} .scatterlayer path.js-line`, (e: Element[]) => e.map((x) => (x.getAttribute('d') ?? '').length))).every((n: number) => n > 0));
    assert.equal(await page.$$eval(`${OVERLAY_CONTROLS} input[type=range]`, (e: Element[]) => e.length), 0, 'no slice sliders in 2D');

    // (d) curves: one trace per loss, the x axis from 0 to 1
    const set = b2.details.curves![0];
    assert.equal(await page.$$eval(`${PLOT_CURVES} .scatterlayer .trace`, (e: Element[]) => e.length), set.series.length);
    const curveLegend = await page.$$eval(`${PLOT_CURVES} .legendtext`, (e: Element[]) => e.map((x) => x.textContent));
    assert.deepEqual(curveLegend, set.series.map((s) => s.loss));
    const panels = await page.$$eval(`${PLOT_CURVES} text.ytitle, ${PLOT_CURVES} text.y2title, ${PLOT_CURVES} text.y3title`, (e: Element[]) => e.map((x) => x.textContent));
    assert.deepEqual(panels, ['overlap / score', 'cross entropy', 'distance']);

    // swap: disabled for a probability map
    assert.equal(await page.$eval('#swap', (b: Element) => (b as HTMLButtonElement).disabled), true);
    assert.deepEqual(await page.$$eval('.pair .file', (e: Element[]) => e.map((x) => x.textContent)), [b2.pair.pred, b2.pair.gt]);

    await h.shot('01-binary2d-full');
    for (const id of ['summary', 'per-class', 'overlay', 'curves']) await page.locator(`[data-component="${id}"]`).screenshot({ path: join(SHOTS, `01-binary2d-${id}.png`) });
    await page.$eval(SUMMARY, (e: Element) => e.scrollIntoView());
    await h.shot('02-binary2d-summary', false);
    await page.$eval(PER_CLASS, (e: Element) => e.scrollIntoView());
    await h.shot('03-binary2d-perclass-overlay', false);
    await page.$eval(CURVES, (e: Element) => e.scrollIntoView());
    await h.shot('04-binary2d-curves', false);

    // copy: each click asks the host for that format; the webview sends no text of its own
    for (const format of ['json', 'csv', 'markdown'] as const) {
      await page.click(`button[data-copy="${format}"]`);
      const m = await h.waitPosted((x) => x.type === 'copy' && x.format === format, `copy ${format}`);
      assert.deepEqual(m, { type: 'copy', format });
      await h.send({ type: 'exported', what: 'copy', format, ok: true });
    }
    assert.equal(await h.waitText('#status', 'Copied the results as MARKDOWN.'), 'Copied the results as MARKDOWN.');

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
    assert.equal(await h2.page.$eval(cardSel('hausdorff'), (e: Element) => (e as HTMLDetailsElement).open), true, 'the open card is restored');
    await assertClean(h2);
    await h2.page.close();
  });

  test('3D multi-class labels: sliders post slice messages, the overlay follows, swap posts', async () => {
    const h = await openPanel();
    const { page } = h;
    await showResult(h, l3);
    const o = l3.details.overlay!;
    assert.equal(await page.$$eval(`${OVERLAY_CONTROLS} input[type=range]`, (e: Element[]) => e.length), 3);
    assert.equal(await page.$eval(OVERLAY, (e: Element) => (e as HTMLElement).dataset.slice), `0:${o.slice!.index}`);
    const classOptions = await page.$$eval(`${OVERLAY_CLASS} option`, (e: Element[]) => e.map((x) => x.textContent));
    assert.deepEqual(classOptions, ['1 · liver', '2 · tumour']);
    // per-class bars for three classes; HD95 in the table
    assert.deepEqual(await page.$$eval(`${PLOT_PERCLASS} .xtick text`, (e: Element[]) => e.map((x) => x.textContent)), ['0 · background', '1 · liver', '2 · tumour']);
    const hd95 = (await cells(page, 'perClass')).filter((c) => c.id === 'hd95');
    assert.deepEqual(hd95.map((c) => c.full), l3.result.perClass.filter((e) => 'hd95' in e).map((e) => fullPrecision(e.hd95)));
    // curves: one set per foreground class, morphology mode
    assert.deepEqual(await page.$$eval(`${CURVE_SET} option`, (e: Element[]) => e.map((x) => x.textContent)), ['1 · liver', '2 · tumour']);
    await h.shot('10-labels3d-full');
    for (const id of ['per-class', 'overlay', 'curves']) await page.locator(`[data-component="${id}"]`).screenshot({ path: join(SHOTS, `10-labels3d-${id}.png`) });

    // Move the axis-1 slider: the panel posts {type:'slice', axis: 1, index, class}
    await page.$eval(sliderSel(1), (el: Element) => {
      const input = el as HTMLInputElement;
      input.value = '28';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    const m = await h.waitPosted((x) => x.type === 'slice', 'a slice message');
    assert.deepEqual(m, { type: 'slice', axis: 1, index: 28, class: 1 });
    // Answer as the host would, for class 2 on that slice.
    await page.selectOption(OVERLAY_CLASS, '2');
    const m2 = await h.waitPosted((x) => x.type === 'slice' && x.class === 2, 'a slice message for class 2');
    assert.deepEqual(m2, { type: 'slice', axis: 1, index: 28, class: 2 });
    const next = l3.overlay({ class: 2, axis: 1, index: 28 });
    await h.send({ type: 'overlay', overlay: next });
    await page.waitForFunction((sel: string) => {
      const el = document.querySelector<HTMLElement>(sel);
      return el?.dataset.slice === '1:28' && el.dataset.class === '2';
    }, OVERLAY);
    assert.deepEqual([next.height, next.width], [20, 48]);
    const note = await page.textContent(OVERLAY_NOTE);
    assert.match(note ?? '', /Class 2 · tumour · slice 28 of 40 along axis 1 \(y\)/);
    assert.equal(await page.$eval(sliderSel(1), (e: Element) => (e as HTMLInputElement).value), '28');
    await page.$eval(OVERLAY, (e: Element) => e.scrollIntoView());
    await h.shot('11-labels3d-overlay-axis1', false);

    // The worst point of class 2 is a stray voxel on another slice: a button takes us there.
    const worst = next.worst!;
    if (!worst.inSlice) {
      await page.click(GOTO_WORST);
      const m3 = await h.waitPosted((x) => x.type === 'slice' && x.index === worst.at[1] && x.axis === 1, 'a slice message to the worst point');
      assert.equal((m3 as { class?: number }).class, 2);
      await h.send({ type: 'overlay', overlay: l3.overlay({ class: 2, axis: 1, index: worst.at[1] }) });
      await page.waitForFunction(([sel, i]: [string, number]) => document.querySelector<HTMLElement>(sel)?.dataset.slice === `1:${i}`, [OVERLAY, worst.at[1]] as [string, number]);
      const ann = await page.$$eval(`${PLOT_OVERLAY} .annotation-text`, (e: Element[]) => e.map((x) => x.textContent));
      assert.deepEqual(ann, [`HD = ${formatValue(worst.distance, 2)}`]);
      assert.equal(worst.distance, l3.result.perClass.find((e) => e.class === 2)!.hausdorff);
      await page.$eval(OVERLAY, (e: Element) => e.scrollIntoView());
      await h.shot('12-labels3d-worst-point', false);
    }

    // curves of class 2
    await page.selectOption(CURVE_SET, '1');
    await page.waitForFunction((sel: string) => (document.querySelector(`${sel} .legendtext`)?.textContent ?? '') !== '', PLOT_CURVES);
    await page.$eval(CURVES, (e: Element) => e.scrollIntoView());
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
    assert.equal(await page.textContent(`${PLOT_CURVES} .placeholder`), 'Computing loss curves…');
    await h.send({ type: 'curves', curves: l3.details.curves });
    await page.waitForSelector(`${PLOT_CURVES} .legendtext`);

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

  test('components mounted several times on one page do not interfere', async () => {
    const h = await openPanel({ path: '/components' });
    const { page } = h;
    await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
    const c = componentsPage(page);
    const naming = { classNames: l3.details.classNames, binary: l3.result.binary };
    const full: MountOptions['caps'] = ['request', 'saveUi', 'savePlot'];
    const within = (key: string, sel: string) => `[data-instance="${key}"] ${sel}`;
    const dataset = (key: string, component: string) => page.$eval(within(key, `[data-component="${component}"]`), (e: Element) => ({ ...(e as HTMLElement).dataset }));

    // three overlays: two with a host that answers (one under the light theme), one read-only
    const oA = l3.details.overlay!;
    const oB = l3.overlay({ class: 2, axis: 1, index: 28 });
    await c.mount('a', 'overlay', { ...naming, overlay: oA }, { caps: full });
    await c.mount('b', 'overlay', { ...naming, overlay: oB }, { caps: full, light: true, vars: LIGHT_VARS });
    await c.mount('c', 'overlay', { ...naming, overlay: oA }, { caps: [] });
    assert.deepEqual(await dataset('a', 'overlay'), { component: 'overlay', class: '1', slice: `0:${oA.slice!.index}` });
    assert.deepEqual(await dataset('b', 'overlay'), { component: 'overlay', class: '2', slice: '1:28' });
    assert.deepEqual(await dataset('c', 'overlay'), { component: 'overlay', class: '1', slice: `0:${oA.slice!.index}` });
    const selected = (key: string) => page.$eval(within(key, 'select[data-part="overlay-class"]'), (e: Element) => (e as HTMLSelectElement).value);
    assert.equal(await selected('a'), '1');
    assert.equal(await selected('b'), '2');
    const count = (sel: string) => page.$$eval(sel, (e: Element[]) => e.length);
    assert.equal(await count(within('a', 'input[type="range"]')), 3);
    assert.equal(await count(within('b', 'input[type="range"]')), 3);
    assert.equal(await count(within('c', '[data-part="controls"] > *')), 0, 'no controls where nothing answers a request');
    assert.equal(await count(within('a', 'button[data-save]')), 2);
    assert.equal(await count(within('c', 'button[data-save]')), 0, 'no save buttons where the host cannot save');
    // each reads the theme where it sits
    const bg = (key: string) => page.$eval(within(key, '[data-part="plot"] .main-svg'), (e: Element) => getComputedStyle(e).backgroundColor);
    assert.equal(await bg('a'), 'rgb(31, 31, 31)');
    assert.equal(await bg('b'), 'rgb(255, 255, 255)');

    // a slider of one instance asks its own host only; the other's sliders stay put
    const slider = (key: string, axis: number) => within(key, `input[type="range"][data-axis="${axis}"]`);
    const sliderState = (key: string): Promise<{ active: boolean; value: string; out: string | null | undefined }[]> =>
      page.$$eval(within(key, '[data-part="controls"] .axis'), (rows: Element[]) => rows.map((r) => ({ active: r.classList.contains('active'), value: (r.querySelector('input') as HTMLInputElement).value, out: r.querySelector('output')?.textContent })));
    const bBefore = await sliderState('b');
    await page.$eval(slider('a', 2), (el: Element) => {
      const input = el as HTMLInputElement;
      input.value = '10';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await page.waitForFunction((sel: string) => document.querySelector(sel)?.textContent === '10 / 47', within('a', '[data-axis="2"] + output'));
    const t0 = Date.now();
    while ((await c.recorded('a')).requests.length === 0 && Date.now() - t0 < 5000) await page.waitForTimeout(30);
    assert.deepEqual((await c.recorded('a')).requests, [{ type: 'slice', axis: 2, index: 10, class: 1 }]);
    assert.deepEqual((await c.recorded('a')).ui, [{ slice: { axis: 2, index: 10 } }]);
    assert.deepEqual((await c.recorded('b')).requests, []);
    assert.deepEqual((await c.recorded('b')).ui, []);
    assert.deepEqual(await sliderState('b'), bBefore);
    assert.deepEqual((await sliderState('a')).map((r) => r.active), [false, false, true]);

    // the answer goes to one instance; the other keeps its plot and note
    const noteOf = (key: string) => page.textContent(within(key, '[data-part="note"]'));
    const bNote = await noteOf('b');
    await c.update('a', { ...naming, overlay: l3.overlay({ class: 1, axis: 2, index: 10 }), slice: { axis: 2, index: 10 } });
    assert.deepEqual(await dataset('a', 'overlay'), { component: 'overlay', class: '1', slice: '2:10' });
    assert.match((await noteOf('a')) ?? '', /^Class 1 · liver · slice 10 of 48 along axis 2 \(x\)/);
    assert.deepEqual(await dataset('b', 'overlay'), { component: 'overlay', class: '2', slice: '1:28' });
    assert.equal(await noteOf('b'), bNote);
    // a kept the places of its other sliders (axis 1 at its middle), b its own (axis 1 at 28)
    assert.deepEqual((await sliderState('a')).map((r) => r.value), [String(oA.slice!.index), '19', '10']);
    assert.equal((await sliderState('b'))[1].value, '28');

    // the class select of b asks b's host, for b's slice
    await page.selectOption(within('b', 'select[data-part="overlay-class"]'), '1');
    assert.deepEqual((await c.recorded('b')).requests, [{ type: 'slice', axis: 1, index: 28, class: 1 }]);
    assert.equal((await c.recorded('a')).requests.length, 1);
    // saving b's plot goes through b's host
    await page.click(within('b', 'button[data-save="overlay:svg"]'));
    while ((await c.recorded('b')).plots.length === 0 && Date.now() - t0 < 15000) await page.waitForTimeout(50);
    const plotsB = (await c.recorded('b')).plots;
    assert.deepEqual(plotsB.map((p) => [p.name, p.format]), [['segscope-overlay', 'svg']]);
    assert.ok(plotsB[0].dataUrl.startsWith('data:image/svg+xml'));
    assert.deepEqual((await c.recorded('a')).plots, []);

    // two summaries: a click opens the card of its own instance only
    await c.mount('sa', 'summary', { result: b2.result, classNames: b2.details.classNames }, { caps: full });
    await c.mount('sb', 'summary', { result: b2.result, classNames: b2.details.classNames, openCard: 'dice' }, { caps: full });
    await page.click(within('sa', '[data-part="loss-table"] tr[data-card="hausdorff"]'));
    const open = (key: string) => page.$$eval(within(key, 'details.card[open]'), (e: Element[]) => e.map((x) => x.getAttribute('data-card')));
    assert.deepEqual(await open('sa'), ['hausdorff']);
    assert.deepEqual(await open('sb'), ['dice']);
    assert.deepEqual((await c.recorded('sa')).ui, [{ card: 'hausdorff' }]);
    assert.deepEqual((await c.recorded('sb')).ui, []);
    assert.equal(await count(within('sa', '[data-scope="loss"]')), Object.keys(b2.result.losses).length);

    // two curve views: the class select of one redraws that one only
    await c.mount('ca', 'curves', { ...naming, curves: l3.details.curves }, { caps: full });
    await c.mount('cb', 'curves', { ...naming, curves: l3.details.curves }, { caps: full });
    const curveOptions = (key: string) => page.$eval(within(key, 'select[data-part="curve-set"]'), (e: Element) => (e as HTMLSelectElement).value);
    await page.selectOption(within('ca', 'select[data-part="curve-set"]'), '1');
    assert.deepEqual((await c.recorded('ca')).ui, [{ curveSet: 1 }]);
    await page.waitForFunction((sel: string) => (document.querySelector(sel) as HTMLSelectElement | null)?.value === '1', within('ca', 'select[data-part="curve-set"]'));
    assert.equal(await curveOptions('cb'), '0');
    assert.deepEqual((await c.recorded('cb')).ui, []);
    await c.mount('pa', 'per-class', { result: l3.result, classNames: l3.details.classNames }, { caps: [] });
    assert.deepEqual(await page.$$eval(within('pa', '.xtick text'), (e: Element[]) => e.map((x) => x.textContent)), ['0 · background', '1 · liver', '2 · tumour']);
    // a class name from a workspace's classes.json is text, never markup (Plotly draws <a href> as a link)
    const hostile = ['background', '<a href="https://example.invalid/x">click</a>', '<b>bold</b><br>two'];
    await c.mount('ph', 'per-class', { result: l3.result, classNames: hostile }, { caps: [] });
    assert.deepEqual(await page.$$eval(within('ph', '.xtick text'), (e: Element[]) => e.map((x) => x.textContent)), hostile.map((n, i) => `${i} · ${n}`));
    assert.equal(await count('[data-instance="ph"] a, [data-instance="ph"] .xtick b'), 0, 'no link and no bold element drawn from a class name');
    await c.dispose('ph');
    await h.shot('30-components-instances');
    await page.$eval('[data-instance="a"]', (e: Element) => e.scrollIntoView());
    await h.shot('31-components-overlays', false);
    await page.$eval('[data-instance="sb"]', (e: Element) => e.scrollIntoView());
    await h.shot('32-components-summaries', false);

    // disposing one instance (with a slider move pending) leaves the others working
    await page.$eval(slider('a', 0), (el: Element) => {
      const input = el as HTMLInputElement;
      input.value = '3';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await c.dispose('a');
    await page.waitForTimeout(300);
    assert.equal((await c.recorded('a')).requests.length, 1, 'a disposed component posts nothing more');
    assert.equal(await count('[data-instance="a"] *'), 0, 'its root left the container');
    assert.equal(await count('.js-plotly-plot'), 5, 'the other plots are still there (b, c, pa, ca, cb)');
    await c.update('b', { ...naming, overlay: l3.overlay({ class: 1, axis: 1, index: 28 }), slice: { axis: 1, index: 28 } });
    assert.deepEqual(await dataset('b', 'overlay'), { component: 'overlay', class: '1', slice: '1:28' });
    await c.update('a', { ...naming, overlay: oB });
    assert.equal(await count('[data-instance="a"] *'), 0, 'an update after dispose draws nothing');

    for (const key of ['a', 'b', 'c', 'sa', 'sb', 'ca', 'cb', 'pa']) assert.deepEqual((await c.recorded(key)).logs, [], `${key} logged nothing`);
    await assertClean(h);
    await page.close();
  });

  test('light theme renders with the light variables', async () => {
    const h = await openPanel({ vars: LIGHT_VARS, bodyClass: 'vscode-light' });
    await showResult(h, b2);
    const bg = await h.page.$eval(`${PLOT_OVERLAY} .main-svg`, (e: Element) => getComputedStyle(e).backgroundColor);
    assert.equal(bg, 'rgb(255, 255, 255)');
    await h.shot('20-binary2d-light');
    await assertClean(h);
    await h.page.close();
  });
});
