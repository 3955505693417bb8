/**
 * The notebook renderer in a real browser: Debian's /usr/bin/chromium driven by playwright-core.
 * The PRODUCTION ES module dist/webview/notebook.js (run `node build.mjs` first) is imported by a
 * test page that stands in for VS Code's output iframe (test/webview/pages/notebookPage.ts: scripts
 * by nonce only, no 'unsafe-eval'; inline styles allowed, as there) and activated with a stubbed
 * renderer context: a `postMessage` that records and an `onDidReceiveMessage` the test fires, or
 * neither (a viewer with no extension host). The test plays the extension host: it answers
 * `evaluate` with recorded results (test/webview/fixtures.ts) and `slice` with kernels/overlay.ts.
 * Reports are real documents: `segscope evaluate --json` of the demo workspace's pairs and
 * `segscope compare --json` of the comparison fixtures, made here by the engine.
 * Any CSP violation, page error or console error or warning fails a test.
 * Screenshots go to test-results/webview/50-notebook-*.png.
 *
 *   node --import tsx --test test/webview/notebook.test.ts
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { compareFiles } from '../../engine/compareFiles.js';
import { describeDisagreement, measureJson, measureValue } from '../../protocol/comparison.js';
import { presentResult } from '../../engine/present.js';
import { evaluateFiles } from '../../engine/session.js';
import type { ComparisonJson, EvaluationJson, FilesPayload, HostToRenderer, MasksPayload, RankedMeasure, RendererToHost } from '../../protocol/messages.js';
import { NOTEBOOK_MIME } from '../../protocol/notebook.js';
import { isRendererToHost, NOTEBOOK_DTYPE_BYTES } from '../../protocol/validate.js';
import { formatValue, fullPrecision } from '../../protocol/format.js';
import { writeComparisonFixtures } from '../fixtures/comparison.js';
import { DEMO_PAIRS, writeDemoWorkspace } from '../fixtures/demoWorkspace.js';
import { binary2d, labels3d, type Fixture } from './fixtures.js';
import { notebookPageHtml } from './pages/notebookPage.js';
import { DARK_VARS, HIGH_CONTRAST_VARS, LIGHT_VARS, SHOTS, assertBundleFresh, assertNoProblems, freshNonce, openPage, recorder, startSuite, type LoadedPage, type Recorder, type Suite } from './harness.js';

/** The texts the renderer shows where no host answers (webview/notebook/render.ts). */
const NO_HOST_TEXT = 'This output needs VS Code with the SegScope extension to compute; no extension host answered.';

const out = (id: string) => `[data-segscope-output="${id}"]`;
const cellOutput = (id: string) => `.cell[data-cell="${id}"] > .output`;

let suite: Suite;
let work = '';
let b2: Fixture;
let l3: Fixture;
/** `segscope evaluate --json` of the demo's 2D binary pair and of its 4-class pair */
let reportBinary: EvaluationJson;
let reportMulti: EvaluationJson;
/** `segscope compare --json` of the three models */
let comparison: ComparisonJson;

/** A masks payload whose arrays have the given dtypes and shapes (deterministic bytes). */
function masksPayload(pred: [MasksPayload['pred']['dtype'], number[]], gt: [MasksPayload['gt']['dtype'], number[]]): MasksPayload {
  const array = ([dtype, shape]: [MasksPayload['pred']['dtype'], number[]]) => {
    const bytes = Buffer.alloc(shape.reduce((a, b) => a * b, 1) * NOTEBOOK_DTYPE_BYTES[dtype]);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7) % 2;
    return { dtype, shape, order: 'C' as const, data: bytes.toString('base64') };
  };
  return { version: 1, pred: array(pred), gt: array(gt), spacing: pred[1].length === 3 ? [2.5, 1, 1] : [1, 1], options: { losses: ['dice', 'hd95'] } };
}

before(async () => {
  assertBundleFresh('notebook');
  work = mkdtempSync(join(tmpdir(), 'segscope-notebook-'));
  const demo = writeDemoWorkspace(join(work, 'demo'));
  const fx = writeComparisonFixtures(join(work, 'comparison'));
  const evaluateDemo = async (name: string) => {
    const p = DEMO_PAIRS.find((d) => d.name === name)!;
    const doc = presentResult(await evaluateFiles(join(demo, p.pred), join(demo, p.gt), { backend: 'reference' }));
    // as a notebook would save it: paths relative to the workspace
    doc.prediction.path = p.pred;
    doc.target.path = p.gt;
    return doc;
  };
  [b2, l3, reportBinary, reportMulti, comparison] = await Promise.all([
    binary2d(), labels3d(), evaluateDemo('binary2d'), evaluateDemo('multiclass2d'), compareFiles(fx.gt, fx.trio, { backend: 'reference' }),
  ]);
  comparison.target.path = 'comparison/gt.png';
  for (const p of comparison.predictions) p.path = `comparison/${p.path.split('/').pop()}`;

  suite = await startSuite({ '/notebook': () => notebookPageHtml({ nonce: freshNonce(), bundle: '/dist/webview/notebook.js' }) });
});

after(async () => {
  await suite?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

// -----------------------------------------------------------------------------------------------
// Themes: VS Code's variables on <html>, the theme kind as a class of <body> (as in an output iframe)
// -----------------------------------------------------------------------------------------------

const THEMES: Record<'dark' | 'light' | 'hc', { bodyClass: string; vars: Record<string, string> }> = {
  dark: { bodyClass: 'vscode-dark', vars: DARK_VARS },
  light: {
    bodyClass: 'vscode-light',
    vars: {
      ...LIGHT_VARS,
      '--vscode-button-background': '#005fb8', '--vscode-button-secondaryBackground': '#e5e5e5', '--vscode-button-secondaryForeground': '#3b3b3b',
      '--vscode-textCodeBlock-background': '#f2f2f2', '--vscode-inputValidation-errorBackground': '#f2dede',
      '--vscode-inputValidation-errorBorder': '#be1100', '--vscode-list-hoverBackground': '#f2f2f2',
    },
  },
  hc: { bodyClass: 'vscode-high-contrast', vars: HIGH_CONTRAST_VARS },
};

// -----------------------------------------------------------------------------------------------
// The page
// -----------------------------------------------------------------------------------------------

interface NotebookApi {
  activate(withHost: boolean): Promise<void>;
  render(id: string, mime: string, text: string): void;
  dispose(id?: string): void;
  send(message: unknown): void;
  listeners(): number;
}
type Win = { __notebook: NotebookApi };

interface Notebook extends LoadedPage, Omit<Recorder<RendererToHost>, 'forget'> {
  render(id: string, mime: string, value: unknown): Promise<void>;
  renderText(id: string, mime: string, text: string): Promise<void>;
  dispose(id?: string): Promise<void>;
  send(message: HostToRenderer | Record<string, unknown> | string): Promise<void>;
  waitState(id: string, state: string): Promise<void>;
  listeners(): Promise<number>;
  shot(name: string): Promise<void>;
}

async function openNotebook(options: { host?: boolean; theme?: keyof typeof THEMES; clock?: boolean; width?: number } = {}): Promise<Notebook> {
  const loaded = await openPage(suite, { viewport: { width: options.width ?? 1100, height: 900 }, path: '/notebook', ...THEMES[options.theme ?? 'dark'], clock: options.clock });
  const { page, problems } = loaded;
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
  await page.evaluate((withHost: boolean) => (window as unknown as Win).__notebook.activate(withHost), options.host ?? true);
  const { posted, waitPosted } = recorder<RendererToHost>(page, 'the renderer', (m) => `${m.type}:${m.output}`);
  const nb: Notebook = {
    ...loaded,
    render: (id, mime, value) => nb.renderText(id, mime, JSON.stringify(value)),
    renderText: (id, mime, text) => page.evaluate((a: { id: string; mime: string; text: string }) => (window as unknown as Win).__notebook.render(a.id, a.mime, a.text), { id, mime, text }),
    dispose: (id) => page.evaluate((a: { id?: string }) => (window as unknown as Win).__notebook.dispose(a.id), { id }),
    send: (message) => page.evaluate((m: unknown) => (window as unknown as Win).__notebook.send(m), message as unknown as Record<string, unknown>),
    posted,
    waitPosted,
    async waitState(id, state) {
      try {
        await page.waitForSelector(`${out(id)}[data-state="${state}"]`, { state: 'attached', timeout: 20000 });
      } catch (e) {
        const now = await page.$eval(out(id), (el: Element) => `${el.getAttribute('data-state')}: ${el.textContent?.slice(0, 300)}`).catch(() => 'no output root');
        throw new Error(`output ${id} did not reach state ${state} (now ${now}); problems: ${problems.join('; ')}`, { cause: e });
      }
    },
    listeners: () => page.evaluate(() => (window as unknown as Win).__notebook.listeners()),
    shot: async (name) => {
      await page.screenshot({ path: join(SHOTS, `50-notebook-${name}.png`), fullPage: true });
    },
  };
  return nb;
}

async function assertClean(nb: Notebook): Promise<void> {
  await assertNoProblems(nb, isRendererToHost);
}

const text = (nb: Notebook, selector: string) => nb.page.$eval(selector, (el: Element) => (el as HTMLElement).innerText);

/** The full-precision value of a loss cell of an output. */
const lossCell = (nb: Notebook, id: string, loss: string) =>
  nb.page.$eval(`${out(id)} [data-scope="loss"][data-id="${loss}"]`, (el: Element) => el.getAttribute('data-loss'));

async function answer(nb: Notebook, id: string, f: Fixture, curvesLater = false): Promise<void> {
  await nb.send({ type: 'progress', output: id, message: 'Evaluating 18 losses…' });
  await nb.send({ type: 'result', output: id, result: f.result, details: curvesLater ? { ...f.details, curves: null } : f.details });
  await nb.waitState(id, 'rendered');
}

/** Play the host's answer to a slice request: the overlay of kernels/overlay.ts for that request. */
async function answerSlice(nb: Notebook, m: RendererToHost, f: Fixture): Promise<void> {
  assert.equal(m.type, 'slice');
  if (m.type !== 'slice') return;
  const request = f.result.target.shape.length === 3 ? { axis: m.axis, index: m.index, class: m.class } : { class: m.class };
  await nb.send({ type: 'overlay', output: m.output, overlay: f.overlay(request) });
}

// -----------------------------------------------------------------------------------------------

describe('notebook renderer in Chromium (the production ESM bundle)', () => {
  test('a saved evaluate report renders the results view without a host; one scoped stylesheet', async () => {
    const nb = await openNotebook({ host: false });
    const { page } = nb;
    const styleOf = (sel: string) => page.$eval(sel, (el: Element) => { const s = getComputedStyle(el); return `${s.marginTop} ${s.fontSize} ${s.borderBottomWidth} ${s.backgroundColor} ${s.color}`; });
    const before = [await styleOf('#outside-heading'), await styleOf('#outside-button')];
    await nb.render('r1', NOTEBOOK_MIME.report, reportBinary);
    await nb.waitState('r1', 'rendered');
    await nb.render('r2', NOTEBOOK_MIME.report, reportMulti);
    await nb.waitState('r2', 'rendered');

    for (const [id, r] of [['r1', reportBinary], ['r2', reportMulti]] as const) {
      assert.equal(await page.getAttribute(out(id), 'data-kind'), 'report');
      assert.equal(await lossCell(nb, id, 'dice'), fullPrecision(r.losses.dice), `${id}: the report's Dice`);
      assert.equal(await text(nb, `${out(id)} [data-scope="loss"][data-id="dice"]`), formatValue(r.losses.dice));
      const mean = await page.$eval(`${out(id)} [data-scope="meanForeground"][data-id="dice"]`, (el: Element) => el.getAttribute('data-loss'));
      assert.equal(mean, fullPrecision(r.metrics.meanForeground.dice));
      assert.equal(await text(nb, `${out(id)} [data-role="pred"]`), r.prediction.path);
      assert.equal(await text(nb, `${out(id)} [data-role="gt"]`), r.target.path);
      // the per-class breakdown: one row per class of the hard-mask metrics
      assert.equal((await page.$$(`${out(id)} [data-component="summary"] [data-part="metric-table"] tr[data-class]`)).length, r.metrics.perClass.length);
      assert.ok(await page.$(`${out(id)} [data-component="per-class"] .js-plotly-plot`), `${id}: the per-class plot is drawn`);
      // no overlay, no curves: a saved report says why, with no controls
      assert.match(await text(nb, `${out(id)} [data-component="overlay"] .placeholder`), /^No overlay: a saved report carries only the numbers/);
      assert.match(await text(nb, `${out(id)} [data-component="curves"] .placeholder`), /^No loss curves: a saved report carries only the numbers/);
      assert.equal(await page.$(`${out(id)} [data-component="overlay"] [data-part="controls"] *`), null, 'no slice or class controls');
      assert.equal(await page.$(`${out(id)} [data-save]`), null, 'no save buttons');
    }

    // one stylesheet for every output, scoped: no :root rule, nothing outside `.segscope` restyled
    const styles = await page.$$eval('style[data-segscope]', (els: Element[]) => els.map((e) => e.textContent ?? ''));
    assert.equal(styles.length, 1, 'one <style data-segscope> per document');
    assert.ok(styles[0].includes('.segscope'), 'the components CSS is there');
    assert.doesNotMatch(styles[0], /:root/, 'no page-wide variables');
    assert.deepEqual([await styleOf('#outside-heading'), await styleOf('#outside-button')], before, "another renderer's heading and button are not restyled");
    const fontOfValue = await page.$eval(`${out('r1')} [data-scope="loss"][data-id="dice"]`, (el: Element) => getComputedStyle(el).textAlign);
    assert.equal(fontOfValue, 'right', 'the components CSS applies inside the output');
    // no global patch: the renderer shares its iframe
    assert.ok(await page.evaluate(() => /\[native code\]/.test(Element.prototype.setAttribute.toString())), 'Element.prototype.setAttribute is native');
    // sized to the cell
    const widths = await page.$eval(out('r1'), (el: Element) => [el.getBoundingClientRect().width, el.parentElement!.getBoundingClientRect().width]);
    assert.equal(widths[0], widths[1], 'the output fills its cell');
    assert.deepEqual(await nb.posted(), [], 'nothing posted');
    await nb.shot('report');
    await assertClean(nb);
    await page.close();
  });

  test('light, dark and high-contrast themes, and a theme change re-themes the plots', async () => {
    const bgOf = (nb: Notebook, id: string) => nb.page.$eval(`${out(id)} [data-component="per-class"] .main-svg`, (e: Element) => getComputedStyle(e).backgroundColor);
    const expected = { dark: 'rgb(31, 31, 31)', light: 'rgb(255, 255, 255)', hc: 'rgb(0, 0, 0)' };
    for (const theme of ['light', 'hc'] as const) {
      const nb = await openNotebook({ host: false, theme });
      await nb.render('t', NOTEBOOK_MIME.report, reportMulti);
      await nb.waitState('t', 'rendered');
      assert.equal(await bgOf(nb, 't'), expected[theme], `${theme}: the plot's background`);
      const fg = await nb.page.$eval(`${out('t')} [data-component="summary"] h2`, (e: Element) => getComputedStyle(e).color);
      assert.equal(fg, theme === 'light' ? 'rgb(59, 59, 59)' : 'rgb(255, 255, 255)', `${theme}: the text colour`);
      await nb.shot(`report-${theme}`);
      await assertClean(nb);
      await nb.page.close();
    }
    // VS Code changes the theme of an open notebook: new variables, another body class
    const nb = await openNotebook({ host: false, theme: 'dark' });
    await nb.render('t', NOTEBOOK_MIME.report, reportMulti);
    await nb.waitState('t', 'rendered');
    assert.equal(await bgOf(nb, 't'), expected.dark);
    await nb.page.evaluate((vars: Record<string, string>) => {
      for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
      document.body.classList.replace('vscode-dark', 'vscode-light');
    }, THEMES.light.vars);
    await nb.page.waitForFunction(
      (sel: string) => getComputedStyle(document.querySelector(sel)!).backgroundColor === 'rgb(255, 255, 255)',
      `${out('t')} [data-component="per-class"] .main-svg`,
      { timeout: 10000 },
    );
    await assertClean(nb);
    await nb.page.close();
  });

  test('a saved compare report: the side view\'s comparison components, best marked, disagreements in words', async () => {
    const nb = await openNotebook({ host: false });
    const { page } = nb;
    await nb.render('c', NOTEBOOK_MIME.report, comparison);
    await nb.waitState('c', 'rendered');
    assert.equal(await page.getAttribute(out('c'), 'data-kind'), 'comparison');
    assert.deepEqual(
      await page.$$eval(`${out('c')} [data-component]`, (els: Element[]) => els.map((e) => e.getAttribute('data-component'))).then((c: string[]) => c.filter((x) => x.startsWith('comparison-'))),
      ['comparison-disagreements', 'comparison-table', 'comparison-checkpoints'],
      'the same components as the side view, disagreements first',
    );
    assert.equal(await page.$$eval(`${out('c')} button[data-action="open-pair"]`, (b: Element[]) => b.length), 0, 'nothing to open in a notebook');
    const measures = Object.keys(comparison.ranks) as RankedMeasure[];
    for (const key of measures) {
      const cells: { text: string | null; full: string | null; best: boolean }[] = await page.$$eval(
        `${out('c')} td[data-scope="comparison"][data-measure="${key}"]`,
        (tds: Element[]) => tds
          .sort((x, y) => Number(x.getAttribute('data-prediction')) - Number(y.getAttribute('data-prediction')))
          .map((td) => ({ text: (td.textContent ?? '').replace(/[★\s]/g, ''), full: td.getAttribute('data-loss'), best: td.getAttribute('data-best') === 'true' })),
      );
      const values = comparison.predictions.map((p) => measureValue(p.result, key));
      const higher = comparison.higherIsBetter.includes(key);
      const best = Math.max(...values.map((v) => (higher ? v : -v)));
      assert.deepEqual(cells.map((c) => c.text), comparison.predictions.map((p) => formatValue(measureJson(p.result, key), 4).replace(/\s/g, '')), `${key}: 4 decimals`);
      assert.deepEqual(cells.map((c) => c.full), comparison.predictions.map((p) => fullPrecision(measureJson(p.result, key))), key);
      assert.deepEqual(cells.map((c) => c.best), values.map((v) => (higher ? v : -v) === best), `${key}: the best marked (${higher ? 'higher' : 'lower'} is better)`);
      assert.deepEqual(cells.map((c) => c.best), comparison.ranks[key]!.map((r) => r === 1), `${key}: rank 1`);
    }
    // the fixture's point: model_a has the best Dice but not the best HD95
    const bestOf = (key: string, i: number) => page.$eval(`${out('c')} td[data-scope="comparison"][data-measure="${key}"][data-prediction="${i}"]`, (td: Element) => td.getAttribute('data-best') === 'true');
    assert.equal(await bestOf('dice', 0), true);
    assert.equal(await bestOf('hd95', 0), false);
    const names = ['model_a', 'model_b', 'model_c'];
    assert.ok(comparison.disagreements.length > 0, 'the fixture has disagreements');
    assert.deepEqual(
      await page.$$eval(`${out('c')} ul[data-part="disagreement-list"] > li`, (lis: Element[]) => lis.map((li) => li.textContent)),
      comparison.disagreements.map((d) => describeDisagreement(d, names)),
    );
    await nb.shot('compare');
    await assertClean(nb);
    await page.close();
  });

  test('masks: evaluate is posted with the payload; the answer renders; the controls post slice; curves come later', async () => {
    const nb = await openNotebook({ host: true });
    const { page } = nb;
    const payload = masksPayload(['uint8', [20, 40, 48]], ['uint8', [20, 40, 48]]);
    await nb.render('m1', NOTEBOOK_MIME.masks, payload);
    const evaluate = await nb.waitPosted((m) => m.type === 'evaluate', 'evaluate');
    assert.deepEqual(evaluate, { type: 'evaluate', output: 'm1', kind: 'masks', payload });
    assert.equal(await page.getAttribute(out('m1'), 'data-state'), 'evaluating');
    assert.equal(await text(nb, `${out('m1')} [data-part="status"]`), 'Evaluating…');
    assert.equal(await text(nb, `${out('m1')} [data-role="pred"]`), 'uint8 [20 × 40 × 48]');
    await nb.send({ type: 'progress', output: 'm1', message: 'Evaluating 18 losses…' });
    await page.waitForFunction((sel: string) => document.querySelector(sel)?.textContent === 'Evaluating 18 losses…', `${out('m1')} [data-part="status"]`);
    await nb.shot('evaluating');

    await answer(nb, 'm1', l3, true);
    assert.equal(await lossCell(nb, 'm1', 'dice'), fullPrecision(l3.result.losses.dice), 'the Dice of the answer');
    assert.equal(await text(nb, `${out('m1')} [data-part="status"]`), '', 'the status cleared');
    assert.match(await text(nb, `${out('m1')} [data-component="curves"] .placeholder`), /Computing loss curves/);
    await nb.send({ type: 'curves', output: 'm1', curves: l3.details.curves });
    await page.waitForSelector(`${out('m1')} [data-component="curves"] .js-plotly-plot`, { timeout: 15000 });

    // the overlay shows slice sliders and a class select; each posts a slice message for this output
    const overlay = `${out('m1')} [data-component="overlay"]`;
    const shown = l3.details.overlay!;
    assert.ok(shown.slice, 'a 3D overlay');
    await page.$eval(`${overlay} input[type="range"][data-axis="0"]`, (el: Element) => {
      (el as HTMLInputElement).value = '4';
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    const slice = await nb.waitPosted((m) => m.type === 'slice', 'slice');
    assert.deepEqual(slice, { type: 'slice', output: 'm1', axis: 0, index: 4, class: shown.class });
    assert.match(await text(nb, `${out('m1')} [data-part="status"]`), /Computing the overlay/);
    await answerSlice(nb, slice, l3);
    await page.waitForSelector(`${overlay}[data-slice="0:4"]`, { state: 'attached', timeout: 15000 });
    assert.equal(await text(nb, `${out('m1')} [data-part="status"]`), '');
    const other = shown.classes.find((c) => c !== shown.class)!;
    await page.selectOption(`${overlay} select[data-part="overlay-class"]`, String(other));
    const byClass = await nb.waitPosted((m) => m.type === 'slice' && m.class === other, 'slice of another class');
    assert.deepEqual(byClass, { type: 'slice', output: 'm1', axis: 0, index: 4, class: other });
    await answerSlice(nb, byClass, l3);
    await page.waitForSelector(`${overlay}[data-class="${other}"][data-slice="0:4"]`, { state: 'attached', timeout: 15000 });
    // a failed slice: the overlay says why
    await nb.send({ type: 'overlay', output: 'm1', overlay: null, error: 'this output is no longer evaluated; run its cell again' });
    await page.waitForFunction((sel: string) => /run its cell again/.test(document.querySelector(sel)?.textContent ?? ''), `${overlay} .placeholder`);
    await answerSlice(nb, byClass, l3);
    await page.waitForSelector(`${overlay} .js-plotly-plot`, { timeout: 15000 });
    await nb.waitState('m1', 'rendered');
    await page.waitForTimeout(300);
    await nb.shot('masks');
    await assertClean(nb);
    await page.close();
  });

  test('files: evaluate is posted; an error answer shows "file: message" in the output', async () => {
    const nb = await openNotebook({ host: true });
    const payload: FilesPayload = { version: 1, pred: 'preds/case_001.nii.gz', gt: '../../outside/secret_gt.png', options: {} };
    await nb.render('f1', NOTEBOOK_MIME.files, payload);
    assert.deepEqual(await nb.waitPosted((m) => m.type === 'evaluate', 'evaluate'), { type: 'evaluate', output: 'f1', kind: 'files', payload });
    assert.equal(await text(nb, `${out('f1')} [data-role="gt"]`), '../../outside/secret_gt.png');
    await nb.send({ type: 'error', output: 'f1', file: '../../outside/secret_gt.png', message: 'refused, it is outside the workspace folders' });
    await nb.waitState('f1', 'error');
    assert.equal(await text(nb, `${out('f1')} [data-part="error"]`), '../../outside/secret_gt.png: refused, it is outside the workspace folders');
    assert.equal(await text(nb, `${out('f1')} [data-part="status"]`), '', 'no spinner left');
    await nb.shot('files-error');
    await assertClean(nb);
    await nb.page.close();
  });

  test('malformed outputs: a clear error inside each output, nothing posted, nothing thrown', async () => {
    const nb = await openNotebook({ host: true });
    const good = masksPayload(['float32', [2, 8, 8]], ['uint8', [8, 8]]);
    const cases: [string, string, unknown, RegExp][] = [
      ['bad-base64', NOTEBOOK_MIME.masks, { ...good, pred: { ...good.pred, data: 'not base64!' } }, /"pred\.data" is not valid base64/],
      ['shape', NOTEBOOK_MIME.masks, { ...good, gt: { ...good.gt, shape: [64, 64] } }, /"gt" has 64 bytes, but uint8 of shape \[64, 64\] needs 4096/],
      ['dtype', NOTEBOOK_MIME.masks, { ...good, pred: { ...good.pred, dtype: 'complex128' } }, /"pred\.dtype" 'complex128' is not one of bool uint8/],
      ['missing', NOTEBOOK_MIME.masks, { version: 1, pred: good.pred }, /"gt" is missing or not an object/],
      ['version', NOTEBOOK_MIME.masks, { ...good, version: 2 }, /payload version 2 is newer than this SegScope reads \(1\); update the extension/],
      ['files-missing', NOTEBOOK_MIME.files, { version: 1, gt: 'gt.png' }, /"pred" must be a file path/],
      ['files-version', NOTEBOOK_MIME.files, { version: 2, pred: 'a.png', gt: 'b.png' }, /payload version 2 is newer/],
      ['report-neither', NOTEBOOK_MIME.report, { hello: 'world' }, /neither a “segscope evaluate --json” document nor a “segscope compare --json” document/],
      ['report-version', NOTEBOOK_MIME.report, { ...reportBinary, version: 2 }, /version 2 is newer than this SegScope reads \(1\)/],
    ];
    for (const [id, mime, value] of cases) await nb.render(id, mime, value);
    await nb.renderText('not-json', NOTEBOOK_MIME.masks, '{"version": 1, "pred": ');
    cases.push(['not-json', NOTEBOOK_MIME.masks, null, /This output is not valid JSON/]);
    for (const [id, , , expected] of cases) {
      await nb.waitState(id, 'invalid');
      const shown = await text(nb, `${out(id)} [data-part="error"]`);
      assert.match(shown, expected, id);
      assert.match(shown, /^(SegScope cannot|This output is not valid JSON)/, `${id}: says what could not be done`);
    }
    assert.deepEqual(await nb.posted(), [], 'nothing posted for a malformed output');
    assert.equal(await nb.listeners(), 0, 'no listener kept for a malformed output');
    await nb.shot('malformed');
    await assertClean(nb);
    await nb.page.close();
  });

  test('no extension host: masks and files outputs say so in words', async () => {
    const nb = await openNotebook({ host: false });
    await nb.render('n1', NOTEBOOK_MIME.masks, masksPayload(['float32', [96, 128]], ['uint8', [96, 128]]));
    await nb.render('n2', NOTEBOOK_MIME.files, { version: 1, pred: 'preds/a.nii.gz', gt: 'labels/a.nii.gz' });
    for (const id of ['n1', 'n2']) {
      await nb.waitState(id, 'no-host');
      assert.equal(await text(nb, `${out(id)} [data-part="notice"]`), NO_HOST_TEXT);
      assert.equal(await text(nb, `${out(id)} [data-part="status"]`), '', 'no spinner');
    }
    assert.equal(await text(nb, `${out('n1')} [data-role="pred"]`), 'float32 [96 × 128]');
    await nb.shot('no-host');
    await assertClean(nb);
    await nb.page.close();
  });

  test('a host that does not answer within 20 s: the output says so instead of spinning; a late answer still renders', async () => {
    const nb = await openNotebook({ host: true, clock: true });
    await nb.render('slow', NOTEBOOK_MIME.masks, masksPayload(['float32', [96, 128]], ['uint8', [96, 128]]));
    await nb.waitState('slow', 'evaluating');
    await nb.page.clock.fastForward(19_000);
    assert.equal(await nb.page.getAttribute(out('slow'), 'data-state'), 'evaluating', 'still waiting at 19 s');
    await nb.page.clock.fastForward(2_000);
    await nb.waitState('slow', 'no-answer');
    assert.match(await text(nb, `${out('slow')} [data-part="notice"]`), /^No answer from the SegScope extension host in 20 s\. This output needs VS Code with the SegScope extension/);
    assert.equal(await text(nb, `${out('slow')} [data-part="status"]`), '', 'no spinner left');
    await nb.shot('no-answer');
    await nb.send({ type: 'result', output: 'slow', result: b2.result, details: b2.details });
    await nb.page.clock.runFor(2_000);
    await nb.waitState('slow', 'rendered');
    assert.equal(await nb.page.isHidden(`${out('slow')} [data-part="notice"]`), true, 'the notice is gone');
    await assertClean(nb);
    await nb.page.close();
  });

  test('two outputs do not interfere; disposing one leaves the other working; a re-render replaces', async () => {
    const nb = await openNotebook({ host: true });
    const { page } = nb;
    const pa = masksPayload(['float32', [96, 128]], ['uint8', [96, 128]]);
    const pb = masksPayload(['uint8', [20, 40, 48]], ['uint8', [20, 40, 48]]);
    await nb.render('A', NOTEBOOK_MIME.masks, pa);
    await nb.render('B', NOTEBOOK_MIME.masks, pb);
    await nb.waitPosted((m) => m.type === 'evaluate' && m.output === 'B', 'evaluate B');
    assert.equal(await nb.listeners(), 2);

    // A's answer reaches A only
    await answer(nb, 'A', b2);
    assert.equal(await page.getAttribute(out('B'), 'data-state'), 'evaluating', 'B still waits');
    assert.equal(await page.$(`${out('B')} [data-component]`), null, 'B shows no results');
    // answers for another id, and invalid messages for B, are ignored
    await nb.send({ type: 'result', output: 'C', result: l3.result, details: l3.details });
    await nb.send({ type: 'result', output: 'B', result: { not: 'a result' }, details: l3.details });
    await nb.send({ type: 'progress', output: 'B' });
    await nb.send({ nonsense: true });
    await nb.send('a string');
    await page.waitForTimeout(200);
    assert.equal(await page.getAttribute(out('B'), 'data-state'), 'evaluating', 'B ignored them');
    await answer(nb, 'B', l3);
    assert.equal(await lossCell(nb, 'A', 'dice'), fullPrecision(b2.result.losses.dice), "A shows A's Dice");
    assert.equal(await lossCell(nb, 'B', 'dice'), fullPrecision(l3.result.losses.dice), "B shows B's Dice");
    assert.notEqual(b2.result.losses.dice, l3.result.losses.dice);

    // an overlay answer for A leaves B's overlay as it was
    await nb.send({ type: 'overlay', output: 'A', overlay: null, error: 'only A failed' });
    await page.waitForFunction((sel: string) => /only A failed/.test(document.querySelector(sel)?.textContent ?? ''), `${out('A')} [data-component="overlay"] .placeholder`);
    assert.ok(await page.$(`${out('B')} [data-component="overlay"] .js-plotly-plot`), "B's overlay is still drawn");
    await nb.send({ type: 'overlay', output: 'A', overlay: b2.details.overlay });
    await page.waitForSelector(`${out('A')} [data-component="overlay"] .js-plotly-plot`);
    await nb.waitState('A', 'rendered');
    await page.waitForTimeout(300);
    await nb.shot('two-outputs');

    // dispose A: its element is emptied, dispose is posted for A only, B keeps working
    const before = (await nb.posted()).length;
    await nb.dispose('A');
    assert.equal(await page.$eval(cellOutput('A'), (el: Element) => el.childNodes.length), 0, "A's element is empty");
    assert.deepEqual((await nb.posted()).slice(before), [{ type: 'dispose', output: 'A' }]);
    assert.equal(await nb.listeners(), 1, "A's listener is gone");
    await nb.send({ type: 'result', output: 'A', result: b2.result, details: b2.details });
    await page.waitForTimeout(100);
    assert.equal(await page.$eval(cellOutput('A'), (el: Element) => el.childNodes.length), 0, 'a late answer for A draws nothing');
    await page.$eval(`${out('B')} [data-component="overlay"] input[type="range"][data-axis="0"]`, (el: Element) => {
      (el as HTMLInputElement).value = '6';
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    const slice = await nb.waitPosted((m) => m.type === 'slice' && m.output === 'B', 'slice for B');
    await answerSlice(nb, slice, l3);
    await page.waitForSelector(`${out('B')} [data-component="overlay"][data-slice="0:6"]`, { state: 'attached' });

    // a re-render of B (same id): the old view is disposed (dispose posted), then evaluated anew
    const mark = (await nb.posted()).length;
    await nb.render('B', NOTEBOOK_MIME.masks, pb);
    const after = (await nb.posted()).slice(mark);
    assert.deepEqual(after.map((m) => `${m.type}:${m.output}`), ['dispose:B', 'evaluate:B']);
    assert.equal(await page.$$eval(`${cellOutput('B')} > *`, (els: Element[]) => els.length), 1, 'one output root');
    assert.equal(await nb.listeners(), 1);
    assert.equal(await page.getAttribute(out('B'), 'data-state'), 'evaluating');
    await answer(nb, 'B', l3);

    // disposeOutputItem() with no id: every output
    await nb.render('D', NOTEBOOK_MIME.report, reportBinary);
    await nb.waitState('D', 'rendered');
    const mark2 = (await nb.posted()).length;
    await nb.dispose();
    assert.deepEqual((await nb.posted()).slice(mark2), [{ type: 'dispose', output: 'B' }], 'only outputs that asked the host are announced');
    for (const id of ['A', 'B', 'D']) assert.equal(await page.$eval(cellOutput(id), (el: Element) => el.childNodes.length), 0, `${id} emptied`);
    assert.equal(await nb.listeners(), 0);
    assert.equal(await page.$$eval('.js-plotly-plot', (els: Element[]) => els.length), 0, 'every plot purged');
    await assertClean(nb);
    await page.close();
  });
});
