/**
 * The Loss Comparison side view in a real browser: Debian's /usr/bin/chromium driven by
 * playwright-core. Loads the production page (extension/webviewHtml.ts renderWebviewHtml with its
 * strict CSP) with the built bundle dist/webview/comparison.js/.css (run `node build.mjs` first)
 * from a loopback HTTP server, with a stubbed acquireVsCodeApi that records what the view posts.
 * The test plays the extension host: it posts ComparisonViewStates made from real engine results
 * (engine/compareFiles.ts on test/fixtures/comparison.ts's masks, entries built as
 * extension/comparison.ts builds them). Any CSP violation, page error or console error fails.
 * Screenshots go to test-results/webview/40-comparison-*.png.
 *
 *   node --import tsx --test test/webview/comparison.test.ts
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { comparisonDocument, stepOf } from '../../engine/compare.js';
import { describeDisagreement, measureHigherIsBetter, measureValue } from '../../protocol/comparison.js';
import { compareFiles } from '../../engine/compareFiles.js';
import { fromJsonNumber } from '../../protocol/jsonNumber.js';
import type { ComparisonToHost, ComparisonViewState, HostToComparison, RankedMeasure } from '../../protocol/messages.js';
import { isComparisonToHost } from '../../protocol/validate.js';
import { formatValue, fullPrecision } from '../../protocol/format.js';
import { EPOCHS, writeComparisonFixtures } from '../fixtures/comparison.js';
import { SHOTS, assertBundleFresh, openVsCodePage, productionPage, startSuite, type Page, type Suite, type VsCodePage } from './harness.js';

/** The selectors the view offers (the lead's code-server e2e test uses the same). */
const TABLE = '[data-component="comparison-table"]';
const DISAGREE = '[data-component="comparison-disagreements"]';
const CHECKPOINTS = '[data-component="comparison-checkpoints"]';
const cellSel = (measure: string, prediction: number) => `${TABLE} td[data-scope="comparison"][data-measure="${measure}"][data-prediction="${prediction}"]`;
const BUMP = `${DISAGREE} [data-part="plot"]`;
const CHECK_PLOT = `${CHECKPOINTS} [data-part="plot"]`;

const FIXTURES = mkdtempSync(join(tmpdir(), 'segscope-comparison-view-'));
const fx = writeComparisonFixtures(FIXTURES);
const CLASS_NAMES = ['background', 'square'];

let suite: Suite;
let trio: ComparisonViewState;
let epochs: ComparisonViewState;

/** The side view's state as extension/comparison.ts builds it: entries in natural order, shown paths relative to the workspace. */
async function viewState(paths: string[]): Promise<ComparisonViewState> {
  const shown = (p: string) => relative(FIXTURES, p);
  const doc = await compareFiles(fx.gt, paths, { backend: 'reference' });
  const comparison = comparisonDocument(doc.target, doc.predictions.map((p, i) => ({ path: shown(paths[i]), result: p.result })));
  return {
    target: { path: fx.gt, shown: shown(fx.gt) },
    entries: paths.map((p) => ({ path: p, shown: shown(p), step: stepOf(p), status: 'done' as const })),
    comparison,
    classNames: CLASS_NAMES,
    busy: false,
  };
}

before(async () => {
  assertBundleFresh('comparison');
  [trio, epochs] = await Promise.all([viewState(fx.trio), viewState(fx.epochs)]);
  suite = await startSuite({ '/': (o) => productionPage(o, '/dist/webview/comparison.js', '/dist/webview/comparison.css', 'SegScope Loss Comparison') });
});

after(async () => {
  await suite?.close();
  rmSync(FIXTURES, { recursive: true, force: true });
});

type Harness = Omit<VsCodePage<ComparisonToHost>, 'show'> & {
  /** send a state with a comparison and wait until it is drawn (a `rendered` more than before) */
  show(state: ComparisonViewState): Promise<void>;
};

async function openView(options: { state?: unknown; width?: number } = {}): Promise<Harness> {
  const h = await openVsCodePage<ComparisonToHost>(suite, { viewport: { width: options.width ?? 420, height: 900 }, state: options.state, who: 'the view' });
  await h.waitPosted((m) => m.type === 'ready', 'ready');
  return { ...h, show: (state) => h.show({ type: 'comparison', state } satisfies HostToComparison) };
}

async function assertClean(h: Harness): Promise<void> {
  await h.assertClean(isComparisonToHost);
}

/** The best prediction(s) of a measure, computed here from the values and the engine's direction. */
function bestIndexes(state: ComparisonViewState, key: RankedMeasure): number[] {
  const values = state.comparison!.predictions.map((p) => measureValue(p.result, key));
  const best = measureHigherIsBetter(key) ? Math.max(...values) : Math.min(...values);
  if (values.every((v) => v === best)) return [];
  return values.flatMap((v, i) => (v === best ? [i] : []));
}

/** The prediction indexes of the table's rows, top to bottom. */
const rowOrder = (page: Page, part = 'table') =>
  page.$$eval(`${TABLE} [data-part="${part}"] tbody tr`, (trs: Element[]) => trs.map((tr) => Number(tr.getAttribute('data-prediction'))));

interface TraceData { name: string; uid: string; x: unknown[]; y: (number | null)[]; visible: unknown; customdata: unknown[] }

/** Plotly's data of a plot element (the traces as drawn, with the legend's visibility). */
const plotData = (page: Page, sel: string): Promise<TraceData[]> =>
  page.$eval(sel, (el: Element) =>
    ((el as unknown as { data?: { name: string; uid: string; x: unknown[]; y: (number | null)[]; visible?: unknown; customdata: unknown[] }[] }).data ?? []).map((t) => ({
      name: t.name, uid: t.uid, x: t.x, y: t.y, visible: t.visible ?? true, customdata: t.customdata,
    })),
  );

/** Clicks the screen position of a drawn scatter point (Plotly hovers, then clicks the nearest point). */
async function clickPoint(page: Page, plotSel: string, trace: number, point: number): Promise<void> {
  const box = await page.$eval(
    plotSel,
    (el: Element, [t, p]: number[]) => {
      const pts = el.querySelectorAll('.scatterlayer .trace')[t]?.querySelectorAll('.points path');
      const r = pts?.[p]?.getBoundingClientRect();
      return r ? { x: r.x + r.width / 2, y: r.y + r.height / 2 } : null;
    },
    [trace, point],
  );
  assert.ok(box, `point ${point} of trace ${trace} is drawn`);
  await page.mouse.move(box.x - 3, box.y - 3);
  await page.mouse.move(box.x, box.y, { steps: 3 });
  await page.waitForTimeout(120);
  await page.mouse.click(box.x, box.y);
}

describe('Loss Comparison view in Chromium', () => {
  test('the trio: table, best per direction, sorting, per-class, disagreements first, bump chart, open, chrome', async () => {
    const h = await openView();
    const { page } = h;
    await h.show(trio);
    const doc = trio.comparison!;
    const measures = Object.keys(doc.ranks) as RankedMeasure[];
    assert.ok(measures.includes('dice') && measures.includes('hd95') && measures.includes('nsd') && measures.includes('metrics.dice'));

    // every measure × prediction, 4 decimals, full precision in data-loss
    assert.equal(await page.$$eval(`${TABLE} td[data-scope="comparison"]`, (e: Element[]) => e.length), measures.length * 3);
    for (const key of measures) {
      for (let i = 0; i < 3; i++) {
        const cell = await page.$eval(cellSel(key, i), (e: Element) => ({ text: e.textContent, full: e.getAttribute('data-loss'), best: e.getAttribute('data-best'), rank: e.getAttribute('data-rank') }));
        const v = measureValue(doc.predictions[i].result, key);
        assert.equal(cell.text, formatValue(v), `${key}/${i}`);
        assert.equal(cell.full, fullPrecision(v), `${key}/${i}`);
        if (Number.isFinite(v) && Math.abs(v) >= 1e-4) assert.match(cell.text ?? '', /^-?\d+\.\d{4}$/, `${key}/${i}: 4 decimals`);
        assert.equal(cell.rank, String(doc.ranks[key]![i]));
      }
      const marked = await page.$$eval(`${TABLE} td[data-scope="comparison"][data-measure="${key}"][data-best="true"]`, (e: Element[]) => e.map((x) => Number(x.getAttribute('data-prediction'))));
      assert.deepEqual(marked.sort(), bestIndexes(trio, key), `best of ${key}`);
    }
    // direction: model_a has the best Dice and metrics.dice, not the best HD95; NSD's best is its largest value
    assert.equal(await page.getAttribute(cellSel('dice', 0), 'data-best'), 'true');
    assert.equal(await page.getAttribute(cellSel('metrics.dice', 0), 'data-best'), 'true');
    assert.equal(await page.getAttribute(cellSel('hd95', 0), 'data-best'), null);
    const nsd = doc.predictions.map((p) => measureValue(p.result, 'nsd'));
    const nsdBest = await page.$$eval(`${TABLE} td[data-measure="nsd"][data-best="true"]`, (e: Element[]) => e.map((x) => Number(x.getAttribute('data-prediction'))));
    assert.ok(nsdBest.length > 0 && nsdBest.every((i: number) => nsd[i] === Math.max(...nsd)), `nsd: higher is better (${nsd})`);
    assert.ok(await page.$(`${TABLE} th[data-measure="nsd"] .better`), 'the nsd header says higher is better');
    assert.equal(await page.$(`${TABLE} th[data-measure="dice"] .better`), null);

    // sorting: by hd95's rank, then reversed, then back to file order
    assert.deepEqual(await rowOrder(page), [0, 1, 2]);
    const byRank = (key: RankedMeasure) => [0, 1, 2].sort((a, b) => doc.ranks[key]![a] - doc.ranks[key]![b] || a - b);
    await page.click(`${TABLE} th[data-measure="hd95"] button[data-sort-key]`);
    await page.waitForFunction((sel: string) => document.querySelector(sel)?.getAttribute('data-sort') === 'hd95', `${TABLE} [data-part="table"]`);
    assert.deepEqual(await rowOrder(page), byRank('hd95'));
    assert.notEqual((await rowOrder(page))[0], 0, 'model_a is not first by hd95');
    assert.equal(await page.getAttribute(`${TABLE} th[data-measure="hd95"]`, 'aria-sort'), 'ascending');
    await page.click(`${TABLE} th[data-measure="hd95"] button[data-sort-key]`);
    await page.waitForFunction((sel: string) => document.querySelector(sel)?.getAttribute('data-sort-dir') === 'desc', `${TABLE} [data-part="table"]`);
    assert.deepEqual(await rowOrder(page), byRank('hd95').reverse());
    assert.deepEqual(await rowOrder(page, 'class-table'), byRank('hd95').reverse(), 'the per-class rows follow');
    await page.click(`${TABLE} th[data-measure="dice"] button[data-sort-key]`);
    await page.waitForFunction((sel: string) => document.querySelector(sel)?.getAttribute('data-sort') === 'dice', `${TABLE} [data-part="table"]`);
    assert.deepEqual(await rowOrder(page), byRank('dice'));
    assert.equal((await rowOrder(page))[0], 0, 'model_a first by dice');

    // per-class table: dice by default, then hd95 chosen
    assert.equal(await page.$eval(`${TABLE} select[data-part="class-loss"]`, (e: Element) => (e as HTMLSelectElement).value), 'dice');
    await page.selectOption(`${TABLE} select[data-part="class-loss"]`, 'hd95');
    await page.waitForFunction((sel: string) => document.querySelector(sel)?.getAttribute('data-measure') === 'hd95', `${TABLE} [data-part="class-table"]`);
    const classCells = await page.$$eval(`${TABLE} td[data-scope="comparison-class"]`, (els: Element[]) =>
      els.map((e) => ({ m: e.getAttribute('data-measure'), i: Number(e.getAttribute('data-prediction')), c: Number(e.getAttribute('data-class')), full: e.getAttribute('data-loss'), text: e.textContent })),
    );
    const expected = doc.predictions.flatMap((p, i) => p.result.perClass.filter((e) => 'hd95' in e).map((e) => ({ i, c: e.class, v: e.hd95 })));
    assert.equal(classCells.length, expected.length);
    for (const e of expected) {
      const cell = classCells.find((x: { i: number; c: number }) => x.i === e.i && x.c === e.c);
      assert.ok(cell && cell.m === 'hd95', `hd95 of ${e.i}/${e.c}`);
      assert.equal(cell.full, fullPrecision(e.v));
      assert.equal(cell.text, formatValue(e.v));
    }
    const classHeads = await page.$$eval(`${TABLE} [data-part="class-table"] thead th[data-class]`, (e: Element[]) => e.map((x) => x.textContent));
    assert.deepEqual(classHeads, [...new Set(expected.map((e) => e.c))].map((c) => `${c} · ${CLASS_NAMES[c]}`));

    // disagreements: first, in words, one bump line per prediction
    const order = await page.$$eval('[data-part="content"] [data-component]', (e: Element[]) => e.map((x) => x.getAttribute('data-component')));
    assert.equal(order[0], 'comparison-disagreements', `the disagreement section comes first: ${order}`);
    assert.ok(doc.disagreements.length > 0);
    const explain = await page.textContent(`${DISAGREE} [data-part="explain"]`);
    assert.match(explain ?? '', /Losses measure different kinds of wrong/);
    const items = await page.$$eval(`${DISAGREE} [data-part="disagreement-list"] li`, (e: Element[]) => e.map((x) => ({ a: x.getAttribute('data-a'), b: x.getAttribute('data-b'), text: x.textContent })));
    const names = ['model_a', 'model_b', 'model_c'];
    assert.deepEqual(items.map((x: { text: string | null }) => x.text), doc.disagreements.map((d) => describeDisagreement(d, names)), 'the same words as the CLI');
    const ab = items.find((x: { a: string | null; b: string | null }) => x.a === '0' && x.b === '1');
    assert.ok(ab);
    assert.match(ab.text ?? '', /^model_a beats model_b on .*\bdice\b.*; model_b beats model_a on .*\bhd95\b/);
    const bump = await plotData(page, BUMP);
    assert.deepEqual(bump.map((t) => t.name), names);
    assert.equal(await page.$$eval(`${BUMP} .scatterlayer .trace`, (e: Element[]) => e.length), 3);
    for (const [i, t] of bump.entries()) {
      assert.deepEqual(t.x, Object.keys(doc.ranks));
      assert.deepEqual(t.y, (t.x as RankedMeasure[]).map((k) => doc.ranks[k]![i]));
    }
    assert.deepEqual(await page.$$eval(`${DISAGREE} td[data-scope="rank"][data-measure="hd95"]`, (e: Element[]) => e.map((x) => Number(x.textContent))), doc.ranks.hd95);
    // no checkpoints: no file name carries a number
    assert.equal(await page.$eval(CHECKPOINTS, (e: Element) => (e as HTMLElement).hidden), true);

    // chrome: the ground truth, three entries done
    assert.equal(await page.textContent('[data-role="gt"]'), 'gt.png');
    assert.deepEqual(
      await page.$$eval('li[data-entry]', (e: Element[]) => e.map((x) => [x.getAttribute('data-path'), x.getAttribute('data-status')])),
      fx.trio.map((p) => [p, 'done']),
    );
    assert.equal(await page.isVisible('[data-part="empty"]'), false);
    assert.equal(await page.isVisible('button[data-action="cancel"]'), false, 'no Cancel when nothing runs');

    await h.shot('40-comparison-trio-narrow');
    await page.$eval(TABLE, (e: Element) => e.scrollIntoView());
    await h.shot('40-comparison-trio-narrow-table', false);
    await page.locator(DISAGREE).screenshot({ path: join(SHOTS, '40-comparison-trio-disagreements.png') });

    // open a pair from the table, and from the bump chart
    await h.forget();
    await page.click(`${TABLE} [data-part="table"] button[data-action="open-pair"][data-prediction="1"]`);
    assert.deepEqual(await h.waitPosted((m) => m.type === 'openPair', 'openPair'), { type: 'openPair', path: fx.trio[1] });
    await h.forget();
    await page.$eval(BUMP, (e: Element) => e.scrollIntoView());
    await clickPoint(page, BUMP, 2, 0);
    assert.deepEqual(await h.waitPosted((m) => m.type === 'openPair', 'openPair from the bump chart'), { type: 'openPair', path: fx.trio[2] });

    // the chrome's buttons
    await h.forget();
    await page.click('button[data-action="pick-target"]');
    await page.click('button[data-action="pick-predictions"]');
    await page.click(`li[data-entry][data-path="${fx.trio[2]}"] button[data-action="remove"]`);
    await page.click('button[data-action="clear"]');
    await h.waitPosted((m) => m.type === 'clear', 'clear');
    assert.deepEqual(await h.posted(), [{ type: 'pickTarget' }, { type: 'pickPredictions' }, { type: 'remove', path: fx.trio[2] }, { type: 'clear' }]);

    // busy: a running entry, a Cancel button
    await h.forget();
    const busy: ComparisonViewState = {
      ...trio,
      busy: true,
      entries: [...trio.entries, { path: join(FIXTURES, 'model_d.png'), shown: 'model_d.png', step: null, status: 'running' }, { path: join(FIXTURES, 'model_e.png'), shown: 'model_e.png', step: null, status: 'error', error: 'model_e.png: shape mismatch: prediction [32, 32] vs ground truth [64, 64]' }],
    };
    await h.show(busy);
    assert.equal(await page.getAttribute(`li[data-entry][data-path="${join(FIXTURES, 'model_d.png')}"]`, 'data-status'), 'running');
    assert.equal(await page.textContent(`li[data-entry][data-path="${join(FIXTURES, 'model_e.png')}"] [data-part="entry-error"]`), 'model_e.png: shape mismatch: prediction [32, 32] vs ground truth [64, 64]');
    assert.equal(await page.isVisible('button[data-action="cancel"]'), true);
    assert.match((await page.textContent('[data-part="status"]')) ?? '', /Evaluating: 3 of 5 done, 1 failed/);
    await page.click('button[data-action="cancel"]');
    await h.waitPosted((m) => m.type === 'cancel', 'cancel');
    await page.$eval('header.toolbar', (e: Element) => e.scrollIntoView());
    await h.shot('40-comparison-busy', false);

    // an invalid message is ignored (logged), not drawn
    await h.forget();
    const rowsBefore = await page.$$eval(`${TABLE} [data-part="table"] tbody tr`, (e: Element[]) => e.length);
    await h.send({ type: 'comparison', state: { ...trio, comparison: { ...trio.comparison, ranks: { dice: [1] } } } });
    await h.send({ type: 'evil', html: '<img src=x onerror=alert(1)>' });
    const warn = await h.waitPosted((m) => m.type === 'log', 'a log of the invalid message');
    assert.equal((warn as { level: string }).level, 'warn');
    await page.waitForTimeout(200);
    assert.equal((await h.posted()).filter((m) => m.type === 'log').length, 2);
    assert.equal((await h.posted()).filter((m) => m.type === 'rendered').length, 0, 'nothing was drawn');
    assert.equal(await page.$$eval(`${TABLE} [data-part="table"] tbody tr`, (e: Element[]) => e.length), rowsBefore);
    await h.forget();

    await assertClean(h);

    // the last state is kept: a new view given it draws the comparison without the host
    const saved = await page.evaluate(() => (window as unknown as { __state: unknown }).__state);
    await page.close();
    const h2 = await openView({ state: saved, width: 1280 });
    await h2.page.waitForSelector('body[data-rendered="true"]', { timeout: 20000 });
    assert.equal(await h2.page.$$eval(`${TABLE} td[data-scope="comparison"]`, (e: Element[]) => e.length), measures.length * 3);
    assert.equal((await h2.posted()).filter((m) => m.type === 'rendered').length, 1);
    await h2.show(trio);
    await h2.shot('40-comparison-trio-wide');
    await assertClean(h2);
    await h2.page.close();
  });

  test('five epochs: one checkpoint line per measure, normalise, legend toggles, click opens the pair', async () => {
    const h = await openView();
    const { page } = h;
    await h.show(epochs);
    const doc = epochs.comparison!;
    const measures = Object.keys(doc.ranks) as RankedMeasure[];
    assert.deepEqual(doc.predictions.map((p) => p.step), EPOCHS);
    assert.equal(await page.$eval(CHECKPOINTS, (e: Element) => (e as HTMLElement).hidden), false);
    assert.equal(await page.getAttribute(CHECKPOINTS, 'data-steps'), '5');

    const raw = await plotData(page, CHECK_PLOT);
    assert.deepEqual(raw.map((t) => t.uid), measures, 'one trace per measure');
    assert.equal(await page.$$eval(`${CHECK_PLOT} .scatterlayer .trace`, (e: Element[]) => e.length), measures.length, 'every trace drawn');
    for (const t of raw) {
      assert.deepEqual(t.x, EPOCHS);
      assert.equal(t.y.length, 5);
      const want = doc.predictions.map((p) => measureValue(p.result, t.uid as RankedMeasure));
      assert.deepEqual(t.y, want.map((v) => (Number.isFinite(v) ? v : null)), t.uid);
      assert.deepEqual(t.customdata, fx.epochs);
    }
    const points = await page.$$eval(`${CHECK_PLOT} .scatterlayer .trace`, (e: Element[]) => e.map((t) => t.querySelectorAll('.points path').length));
    assert.deepEqual(points, measures.map(() => 5), 'five points per line');
    // the epochs agree: no disagreement, the table first
    const order = await page.$$eval('[data-part="content"] [data-component]', (e: Element[]) => e.map((x) => x.getAttribute('data-component')));
    assert.equal(order[0], doc.disagreements.length ? 'comparison-disagreements' : 'comparison-table');
    await page.$eval(CHECKPOINTS, (e: Element) => e.scrollIntoView());
    await h.shot('40-comparison-epochs-raw', false);

    // normalise: every line in [0, 1], its lowest at 0 and highest at 1 (unless constant)
    await page.check(`${CHECKPOINTS} input[data-part="normalise"]`);
    await page.waitForFunction((sel: string) => document.querySelector(sel)?.getAttribute('data-normalised') === 'true', CHECKPOINTS);
    await page.waitForFunction((sel: string) => {
      const d = (document.querySelector(sel) as unknown as { data?: { y: (number | null)[] }[] }).data ?? [];
      return d.length > 0 && d.every((t) => t.y.every((v) => v === null || (v >= 0 && v <= 1)));
    }, CHECK_PLOT);
    const norm = await plotData(page, CHECK_PLOT);
    for (const [k, t] of norm.entries()) {
      const finite = raw[k].y.filter((v): v is number => v !== null);
      const ys = t.y.filter((v): v is number => v !== null);
      assert.ok(ys.every((v) => v >= 0 && v <= 1), `${t.uid}: ${ys}`);
      if (Math.max(...finite) > Math.min(...finite)) {
        assert.equal(Math.min(...ys), 0, t.uid);
        assert.equal(Math.max(...ys), 1, t.uid);
      }
    }
    assert.notDeepEqual(norm.map((t) => t.y), raw.map((t) => t.y));

    // a legend click hides a measure; the choice survives the toggle back to raw values
    const legendIndex = measures.indexOf('hd95');
    await page.$$eval(`${CHECK_PLOT} .legend .traces`, (els: Element[], i: number) => {
      const toggle = els[i].querySelector('.legendtoggle') as Element;
      toggle.dispatchEvent(new MouseEvent('mousedown', { bubbles: true }));
      toggle.dispatchEvent(new MouseEvent('mouseup', { bubbles: true }));
    }, legendIndex);
    await page.waitForFunction(([sel, i]: [string, number]) => ((document.querySelector(sel) as unknown as { data: { visible?: unknown }[] }).data[i].visible) === 'legendonly', [CHECK_PLOT, legendIndex] as [string, number]);
    await page.waitForTimeout(400); // past Plotly's double-click window
    await page.uncheck(`${CHECKPOINTS} input[data-part="normalise"]`);
    await page.waitForFunction((sel: string) => document.querySelector(sel)?.getAttribute('data-normalised') === 'false', CHECKPOINTS);
    const back = await plotData(page, CHECK_PLOT);
    assert.equal(back[legendIndex].visible, 'legendonly', 'hd95 stays hidden');
    assert.deepEqual(back.filter((t) => t.visible === true).length, measures.length - 1);
    assert.deepEqual(back.map((t) => t.y), raw.map((t) => t.y));
    await page.check(`${CHECKPOINTS} input[data-part="normalise"]`);
    await page.waitForFunction((sel: string) => document.querySelector(sel)?.getAttribute('data-normalised') === 'true', CHECKPOINTS);
    await page.$eval(CHECKPOINTS, (e: Element) => e.scrollIntoView());
    await h.shot('40-comparison-epochs-normalised', false);

    // clicking a point opens that checkpoint
    await h.forget();
    await clickPoint(page, CHECK_PLOT, 0, 2);
    assert.deepEqual(await h.waitPosted((m) => m.type === 'openPair', 'openPair from a checkpoint'), { type: 'openPair', path: fx.epochs[2] });
    await h.shot('40-comparison-epochs-narrow');
    await assertClean(h);
    await page.close();

    const wide = await openView({ width: 1280 });
    await wide.show(epochs);
    await wide.shot('40-comparison-epochs-wide');
    await assertClean(wide);
    await wide.page.close();
  });

  test('nothing to compare: the explanation, the ground truth to set, entries waiting', async () => {
    const h = await openView();
    const { page } = h;
    // before any state: the explanation and "no ground truth: Set…"
    await page.waitForSelector('[data-part="empty"]:not([hidden])');
    assert.equal(await page.getAttribute('body', 'data-view'), 'empty');
    await h.send({ type: 'comparison', state: { target: null, entries: [], comparison: null, classNames: [], busy: false } });
    await page.waitForFunction(() => document.body.dataset.view === 'empty');
    const text = await page.textContent('[data-part="empty"]');
    assert.match(text ?? '', /ranks several predictions .* by every loss/);
    assert.match(text ?? '', /explorer and choose Add to Loss Comparison/);
    assert.equal((text ?? '').split(/(?<=\.)\s+/).length, 2, 'two sentences');
    assert.match((await page.textContent('[data-part="target"]')) ?? '', /No ground truth: Set…/);
    assert.equal(await page.isVisible('[data-part="content"]'), false);
    assert.equal(await page.getAttribute('body', 'data-rendered'), 'false');
    await h.shot('40-comparison-empty', false);
    await h.forget();
    await page.click('[data-part="target"] button[data-action="pick-target"]');
    assert.deepEqual(await h.waitPosted((m) => m.type === 'pickTarget', 'pickTarget'), { type: 'pickTarget' });

    // a ground truth and no predictions: still the explanation
    await h.send({ type: 'comparison', state: { target: { path: fx.gt, shown: 'gt.png' }, entries: [], comparison: null, classNames: [], busy: false } });
    await page.waitForFunction(() => document.querySelector('[data-role="gt"]')?.textContent === 'gt.png');
    assert.equal(await page.isVisible('[data-part="empty"]'), true);

    // predictions and no ground truth: waiting for one
    const queued: ComparisonViewState = { target: null, entries: trio.entries.map((e) => ({ ...e, status: 'queued' as const })), comparison: null, classNames: [], busy: false };
    await h.send({ type: 'comparison', state: queued });
    await page.waitForFunction(() => document.body.dataset.view === 'waiting');
    assert.equal(await page.isVisible('[data-part="empty"]'), false);
    assert.match((await page.textContent('[data-part="status"]')) ?? '', /Set the ground truth/);
    assert.equal(await page.$$eval('li[data-entry][data-status="queued"]', (e: Element[]) => e.length), 3);
    await h.shot('40-comparison-waiting', false);

    // one prediction: a table, no bump chart yet
    const one = await viewState([fx.trio[0]]);
    await h.show(one);
    assert.equal(await page.$$eval(`${TABLE} td[data-scope="comparison"][data-best="true"]`, (e: Element[]) => e.length), 0, 'nothing to mark with one prediction');
    assert.match((await page.textContent(`${BUMP} .placeholder`)) ?? '', /second prediction/);
    // and cleared again: the components go
    await h.send({ type: 'comparison', state: { target: null, entries: [], comparison: null, classNames: [], busy: false } });
    await page.waitForFunction(() => document.body.dataset.view === 'empty');
    assert.equal(await page.$$eval('[data-component]', (e: Element[]) => e.length), 0);
    assert.equal(fromJsonNumber(one.comparison!.predictions[0].result.losses.dice) >= 0, true);
    await assertClean(h);
    await page.close();
  });
});
