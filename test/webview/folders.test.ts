/**
 * The folder panel (folder against folder in the editor) in a real browser: Debian's
 * /usr/bin/chromium driven by playwright-core. Loads the production page (extension/webviewHtml.ts
 * renderWebviewHtml with its strict CSP) with the built bundle dist/webview/folders.js/.css (run
 * `node build.mjs` first) from a loopback HTTP server, with a stubbed acquireVsCodeApi that records
 * what the page posts. The test plays the extension host: it evaluates generated folder pairs with
 * the engine (extension/folderRun.ts's FolderRun with engine/session.ts `evaluateFiles` +
 * `presentResult`, as the host does with the pool) and posts the FolderViewStates the host builds
 * (extension/folderRun.ts `folderViewState`). The means and the stats are also checked against
 * `segscope evaluate PRED_DIR GT_DIR --json --empty RULE` and `segscope stats A.jsonl B.jsonl --json`
 * (dist/cli.js). Any CSP violation, page error or console error fails.
 * Screenshots go to test-results/webview/60-folders-*.png.
 *
 *   node --import tsx --test test/webview/folders.test.ts
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { presentResult } from '../../engine/present.js';
import { evaluateFiles } from '../../engine/session.js';
import type { StatsDocument } from '../../engine/stats.js';
import { compareFolderRuns, folderViewState, FolderRun } from '../../extension/folderRun.js';
import { LOSSES, isLossId } from '../../kernels/registry.js';
import { formatValue, fullPrecision } from '../../protocol/format.js';
import { fromJsonNumber, type JsonNumber } from '../../protocol/jsonNumber.js';
import type { FolderEmptyRule, FolderMeasure, FolderToHost, FolderViewState, HostToFolder } from '../../protocol/messages.js';
import { isFolderToHost, isHostToFolder } from '../../protocol/validate.js';
import { encodePng } from '../fixtures/encode.js';
import { blobLabels, perturb } from '../fixtures/folders.js';
import { rng } from '../fixtures/random.js';
import { DIST, assertBundleFresh, openVsCodePage, productionPage, startSuite, type Page, type Suite, type VsCodePage } from './harness.js';

const CLI = join(DIST, 'cli.js');

const TABLE = '[data-component="folder-table"]';
const DIST_PLOT = '[data-component="folder-distribution"] [data-part="plot"]';
const CLASSES = '[data-component="folder-classes"]';
const STATS = '[data-component="folder-stats"]';
const caseRows = `${TABLE} [data-part="table"] tbody tr[data-case]`;

const FIXTURES = mkdtempSync(join(tmpdir(), 'segscope-folders-view-'));
const SIZE = 48;
const CASES = 10;
const CLASS_NAMES = ['background', 'liver', 'tumour'];
/** case 3: model A predicts nothing (HD95 = ∞); case 5: no class 2 in the predictions; case 7: A's file is corrupt */
const EMPTY_PRED = 'case_03';
const EMPTY_CLASS = 'case_05';
const CORRUPT = 'case_07';

let suite: Suite;
let one: FolderViewState;
let two: FolderViewState;
let stats: StatsDocument;
const dirs = { gt: join(FIXTURES, 'labels'), a: join(FIXTURES, 'model_a'), b: join(FIXTURES, 'model_b') };

/** Two prediction folders (A good, B noisier) against one ground-truth folder of 3-class 48×48 PNGs. */
function writeFolders(): void {
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  for (let i = 0; i < CASES; i++) {
    const key = `case_${String(i).padStart(2, '0')}`;
    const random = rng(1000 + i);
    const gt = blobLabels([SIZE, SIZE], 3, random);
    // class 2 left out of the predictions: its hard-mask precision is NaN (0 / 0), its distances ∞
    const keepEmpty = (m: Uint8Array) => (key === EMPTY_CLASS ? m.map((v) => (v === 2 ? 0 : v)) : m);
    const a = key === EMPTY_PRED ? new Uint8Array(gt.length) : keepEmpty(perturb(gt, 3, random, 0.03));
    const b = keepEmpty(perturb(gt, 3, random, 0.09));
    writeFileSync(join(dirs.gt, `${key}.png`), encodePng(gt, [SIZE, SIZE]));
    const aBytes = encodePng(a, [SIZE, SIZE]);
    writeFileSync(join(dirs.a, `${key}.png`), key === CORRUPT ? aBytes.subarray(0, 40) : aBytes);
    writeFileSync(join(dirs.b, `${key}.png`), encodePng(b, [SIZE, SIZE]));
  }
}

/** A run as the host makes it, the engine in-process instead of the pool. */
async function evaluated(pred: string): Promise<FolderRun> {
  const run = FolderRun.pair(pred, dirs.gt);
  await run.run({ evaluate: async (p, g) => presentResult(await evaluateFiles(p, g, { backend: 'reference' })), concurrency: 2 });
  return run;
}

const shown = (p: string) => relative(FIXTURES, p);

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
}

before(async () => {
  assertBundleFresh('folders');
  writeFolders();
  const [a, b] = await Promise.all([evaluated(dirs.a), evaluated(dirs.b)]);
  stats = compareFolderRuns(a, b, { backend: 'reference' });
  one = folderViewState({ runs: [a], shown, classNames: CLASS_NAMES, emptyRule: 'skip', stats: null, busy: false });
  two = folderViewState({ runs: [a, b], shown, classNames: CLASS_NAMES, emptyRule: 'skip', stats: { a: 0, b: 1, doc: stats }, busy: false });
  assert.ok(isHostToFolder({ type: 'folders', state: one }) && isHostToFolder({ type: 'folders', state: two }), 'the recorded states are valid');
  suite = await startSuite({ '/': (o) => productionPage(o, '/dist/webview/folders.js', '/dist/webview/folders.css', 'SegScope folders') });
});

after(async () => {
  await suite?.close();
  rmSync(FIXTURES, { recursive: true, force: true });
});

type Harness = Omit<VsCodePage<FolderToHost>, 'show'> & {
  /** send a complete state and wait until it is drawn (a `rendered` more than before) */
  show(state: FolderViewState): Promise<void>;
};

async function openView(width = 1400): Promise<Harness> {
  const h = await openVsCodePage<FolderToHost>(suite, { viewport: { width, height: 1000 }, who: 'the page' });
  await h.waitPosted((m) => m.type === 'ready', 'ready');
  assert.equal(await h.page.getAttribute('body', 'data-view'), 'folders');
  return { ...h, show: (state) => h.show({ type: 'folders', state } satisfies HostToFolder, 30_000) };
}

async function assertClean(h: Harness): Promise<void> {
  await h.assertClean(isFolderToHost);
}

/** The rows of the case table, top to bottom: key, status and the full-precision value of `measure`. */
type RowInfo = { key: string; status: string; value: string | null };
const rows = (page: Page, measure: string): Promise<RowInfo[]> =>
  page.$$eval(caseRows, (trs: Element[], m: string) => trs.map((tr) => ({
    key: tr.getAttribute('data-case') ?? '',
    status: tr.getAttribute('data-status') ?? '',
    value: tr.querySelector(`td[data-measure="${m}"]`)?.getAttribute('data-loss') ?? null,
  })), measure);

/** The case keys in the order worst first by `m` (NaN and missing last, ties by key), from the recorded state. */
function expectedOrder(state: FolderViewState, m: FolderMeasure, worstFirst = true): string[] {
  const higher = m.startsWith('metrics.') || (isLossId(m) && LOSSES[m].better === 'higher');
  const v = (c: FolderViewState['runs'][number]['cases'][number]) => fromJsonNumber(c.values?.[m]);
  return [...state.runs[0]!.cases]
    .sort((a, b) => {
      const [x, y] = [v(a), v(b)];
      if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) && Number.isNaN(y) ? (a.key < b.key ? -1 : 1) : Number.isNaN(x) ? 1 : -1;
      if (x === y) return a.key < b.key ? -1 : 1;
      return ((x < y ? -1 : 1) * (higher ? 1 : -1)) * (worstFirst ? 1 : -1);
    })
    .map((c) => c.key);
}

/** The mean cells of run `run`: measure → text, full precision and the count the rule touched. */
const meanCells = (page: Page, run: number) =>
  page.$$eval(`${TABLE} td[data-scope="mean"][data-run="${run}"]`, (tds: Element[]) =>
    Object.fromEntries(tds.map((td) => [td.getAttribute('data-measure'), { text: td.firstChild?.textContent ?? '', full: td.getAttribute('data-loss'), touched: Number(td.getAttribute('data-touched')) }])));

interface BoxTrace { uid: string; x: string[]; y: number[]; name: string }
const plotData = (page: Page, sel: string): Promise<BoxTrace[]> =>
  page.$eval(sel, (el: Element) => ((el as unknown as { data?: BoxTrace[] }).data ?? []).map((t) => ({ uid: t.uid, x: [...t.x], y: [...t.y], name: t.name })));

const measureLabelOf = (m: string) => (m.startsWith('metrics.') ? { dice: 'Dice', iou: 'IoU', precision: 'Precision', recall: 'Recall' }[m.slice(8)]! : m);

describe('the folder panel in Chromium', () => {
  test('one folder: the case table worst first, sorting, a failed row, row click, boxes per loss, the empty rule, per class', async () => {
    const h = await openView();
    const { page } = h;
    await h.show(one);
    const run = one.runs[0]!;
    assert.equal(run.cases.length, CASES);
    assert.equal(run.failed, 1);

    // every case a row; values with 4 decimals and full precision
    assert.equal(await page.$$eval(caseRows, (e: Element[]) => e.length), CASES);
    for (const c of run.cases.filter((x) => x.values)) {
      for (const m of one.measures) {
        const cell = await page.$eval(`${TABLE} tr[data-case="${c.key}"] td[data-measure="${m}"]`, (e: Element) => ({ text: e.textContent, full: e.getAttribute('data-loss') }));
        assert.equal(cell.full, fullPrecision(c.values![m]), `${c.key} ${m}`);
        assert.equal(cell.text, formatValue(c.values![m]), `${c.key} ${m}`);
        const x = fromJsonNumber(c.values![m]);
        if (Number.isFinite(x) && Math.abs(x) >= 1e-4) assert.match(cell.text ?? '', /^-?\d+\.\d{4}$/);
      }
    }
    // the failed case: one row with its error
    const failed = await page.$eval(`${TABLE} tr[data-case="${CORRUPT}"]`, (tr: Element) => ({ status: tr.getAttribute('data-status'), text: tr.querySelector('[data-part="case-error"]')?.textContent ?? '' }));
    assert.equal(failed.status, 'error');
    assert.match(failed.text, /^failed: .*model_a\/case_07\.png/);

    // worst first by Dice loss (lower is better: the largest first), the failed case last
    assert.equal(await page.getAttribute(`${TABLE} [data-part="table"]`, 'data-sort'), 'dice');
    const byDice = await rows(page, 'dice');
    assert.deepEqual(byDice.map((r) => r.key), expectedOrder(one, 'dice'));
    assert.equal(byDice.at(-1)!.key, CORRUPT);
    const diceValues = byDice.filter((r) => r.value !== null).map((r) => Number(r.value));
    assert.deepEqual(diceValues, [...diceValues].sort((x, y) => y - x), 'Dice loss descending');
    assert.equal(byDice[0]!.key, EMPTY_PRED, 'the empty prediction is the worst case');
    await h.shot('60-folders-table');

    // NSD: higher is better, so worst first is ascending; a second click reverses
    await page.click(`${TABLE} th[data-measure="nsd"] button[data-sort-key]`);
    assert.deepEqual((await rows(page, 'nsd')).map((r) => r.key), expectedOrder(one, 'nsd'));
    assert.equal(await page.getAttribute(`${TABLE} [data-part="table"]`, 'data-sort-dir'), 'worst');
    await page.click(`${TABLE} th[data-measure="nsd"] button[data-sort-key]`);
    assert.deepEqual((await rows(page, 'nsd')).map((r) => r.key), expectedOrder(one, 'nsd', false));
    assert.equal(await page.getAttribute(`${TABLE} [data-part="table"]`, 'data-sort-dir'), 'best');
    // the hard-mask Dice (higher is better) and the case key
    await page.click(`${TABLE} th[data-measure="metrics.dice"] button[data-sort-key]`);
    assert.deepEqual((await rows(page, 'metrics.dice')).map((r) => r.key), expectedOrder(one, 'metrics.dice'));
    await page.click(`${TABLE} th.case button[data-sort-key=""]`);
    assert.deepEqual((await rows(page, 'dice')).map((r) => r.key), run.cases.map((c) => c.key));
    await page.click(`${TABLE} th[data-measure="dice"] button[data-sort-key]`);
    assert.equal((await rows(page, 'dice'))[0]!.key, EMPTY_PRED);

    // a click on a row asks the host to open that case, by run and key
    await h.forget();
    await page.click(`${TABLE} tr[data-case="case_02"] td[data-measure="dice"]`);
    assert.deepEqual(await h.waitPosted((m) => m.type === 'openCase', 'openCase'), { type: 'openCase', run: 0, key: 'case_02' });
    await page.focus(`${TABLE} tr[data-case="case_04"]`);
    await page.keyboard.press('Enter');
    await h.waitPosted((m) => m.type === 'openCase' && m.key === 'case_04', 'openCase from the keyboard');

    // the distribution: one box per loss (and metric) with finite values, one prediction folder
    const traces = await plotData(page, DIST_PLOT);
    const labels = new Set(traces.flatMap((t) => t.x));
    const finiteMeasures = one.measures.filter((m) => run.cases.some((c) => Number.isFinite(fromJsonNumber(c.values?.[m]))));
    assert.deepEqual([...labels].sort(), finiteMeasures.map((m) => `${measureLabelOf(m)}${m.startsWith('metrics.') || m === 'nsd' ? ' ↑' : ''}`).sort(), 'a box for every measure');
    const boxes = await page.$$eval(`${DIST_PLOT} .boxlayer .trace path.box`, (e: Element[]) => e.length);
    assert.equal(boxes, finiteMeasures.length, 'one box drawn per measure');
    for (const m of finiteMeasures) {
      const label = `${measureLabelOf(m)}${m.startsWith('metrics.') || m === 'nsd' ? ' ↑' : ''}`;
      const ys = traces.flatMap((t) => t.y.filter((_, i) => t.x[i] === label));
      const want = run.cases.flatMap((c) => (c.values?.[m] !== undefined && Number.isFinite(fromJsonNumber(c.values[m])) ? [fromJsonNumber(c.values[m])] : []));
      assert.deepEqual([...ys].sort(), [...want].sort(), `${m}: the box holds every finite case value`);
    }
    // the empty prediction's HD95 is ∞: counted in the note, not drawn
    const infinite = run.cases.filter((c) => c.values?.hd95 === 'Infinity').length;
    assert.ok(infinite >= 1);
    assert.match((await page.textContent('[data-component="folder-distribution"] [data-part="not-finite"]')) ?? '', new RegExp(`hd95 ${infinite}\\b`));
    await page.$eval('[data-component="folder-distribution"]', (e: Element) => e.scrollIntoView());
    await h.shot('60-folders-distribution', false);

    // the empty rule: skip keeps the empty prediction's +∞ HD95 (the mean is ∞); zero counts it as 0
    assert.equal(await page.$eval(`${TABLE} select[data-part="empty-rule"]`, (e: Element) => (e as HTMLSelectElement).value), 'skip');
    const skip = await meanCells(page, 0);
    assert.equal(skip.hd95!.text, '∞');
    assert.match((await page.textContent(`${TABLE} [data-part="rule-meaning"]`)) ?? '', /--empty skip: .*\+∞ distances are kept/);
    const cliMeans = (rule: FolderEmptyRule) => {
      const r = cli(['evaluate', dirs.a, dirs.gt, '--json', '--backend', 'reference', '--empty', rule]);
      assert.equal(r.status, 1, `the CLI reports the failed case (${r.stderr})`);
      return (JSON.parse(r.stdout) as { means: Record<string, { mean: JsonNumber; n: number; emptyRuleCases: number }> }).means;
    };
    for (const [rule, cells] of [['skip', skip]] as const) {
      const want = cliMeans(rule);
      for (const m of one.measures) {
        assert.equal(cells[m]!.full, fullPrecision(want[m]!.mean), `${rule} ${m}: the CLI's mean`);
        assert.equal(cells[m]!.touched, want[m]!.emptyRuleCases, `${rule} ${m}: the CLI's count`);
      }
    }
    await h.forget();
    await page.selectOption(`${TABLE} select[data-part="empty-rule"]`, 'zero');
    assert.deepEqual(await h.waitPosted((m) => m.type === 'emptyRule', 'emptyRule'), { type: 'emptyRule', rule: 'zero' });
    await page.waitForFunction((sel: string) => document.querySelector(sel)?.getAttribute('data-rule') === 'zero', `${TABLE} [data-part="means"]`);
    const zero = await meanCells(page, 0);
    assert.notEqual(zero.hd95!.text, '∞', 'the rule changes the mean shown');
    assert.ok(zero.hd95!.touched >= 1, 'and says it touched the case');
    const wantZero = cliMeans('zero');
    for (const m of one.measures) {
      assert.equal(zero[m]!.full, fullPrecision(wantZero[m]!.mean), `zero ${m}: the CLI's mean`);
      assert.equal(zero[m]!.touched, wantZero[m]!.emptyRuleCases, `zero ${m}: the CLI's count`);
    }
    assert.match((await page.textContent(`${TABLE} [data-part="rule-meaning"]`)) ?? '', /--empty zero: .* counts as 0/);
    await page.$eval(`${TABLE} [data-part="means"]`, (e: Element) => e.scrollIntoView());
    await h.shot('60-folders-empty-rule', false);

    // per class: class 2 (tumour) is missing from case_05's predictions
    assert.equal(await page.$eval(`${CLASSES} select[data-part="class"]`, (e: Element) => (e as HTMLSelectElement).value), '1');
    await page.selectOption(`${CLASSES} select[data-part="class"]`, '2');
    await page.waitForFunction((sel: string) => document.querySelector(sel)?.getAttribute('data-class') === '2', `${CLASSES} [data-part="class-table"] td[data-measure="dice"]`);
    const classRows = await page.$$eval(`${CLASSES} [data-part="class-table"] tbody tr[data-class-case]`, (e: Element[]) => e.length);
    assert.equal(classRows, CASES);
    const termOf = (key: string, m: FolderMeasure) => run.cases.find((c) => c.key === key)!.perClass!.find((e) => e.class === 2)!.values[m];
    assert.equal(await page.getAttribute(`${CLASSES} tr[data-class-case="case_02"] td[data-measure="dice"]`, 'data-loss'), fullPrecision(termOf('case_02', 'dice')));
    assert.equal(await page.getAttribute(`${CLASSES} tr[data-class-case="${EMPTY_CLASS}"] td[data-measure="metrics.precision"]`, 'data-loss'), 'NaN', 'a class the prediction lacks has no precision');
    const classMean = run.classMeans.skip.find((e) => e.class === 2)!.means.find((m) => m.measure === 'metrics.precision')!;
    assert.equal(await page.getAttribute(`${CLASSES} tr[data-part="class-means"] td[data-measure="metrics.precision"]`, 'data-loss'), fullPrecision(classMean.mean));
    assert.equal(await page.getAttribute(`${CLASSES} tr[data-part="class-means"] td[data-measure="metrics.precision"]`, 'data-touched'), String(classMean.touched));
    assert.ok(classMean.touched >= 1, 'the rule touched the empty class');
    const classTraces = await plotData(page, `${CLASSES} [data-part="class-plot"]`);
    assert.ok(classTraces.some((t) => t.x.includes('dice')), 'a box of the class terms');
    await page.$eval(CLASSES, (e: Element) => e.scrollIntoView());
    await h.shot('60-folders-per-class', false);

    // no stats with one run; the whole page
    assert.equal(await page.isVisible(STATS), false);
    await h.shot('60-folders-one');
    await assertClean(h);
    await page.close();
  });

  test('two folders: the stats table of B − A as `segscope stats` prints it, a box per folder and loss', async () => {
    const h = await openView();
    const { page } = h;
    await h.show(two);
    assert.equal(await page.isVisible(STATS), true);
    assert.equal(await page.getAttribute(STATS, 'data-state'), 'stats');
    assert.match((await page.textContent(`${STATS} [data-part="stats-head"]`)) ?? '', /^B = model_b against A = model_a: 9 cases with a result in both; bootstrap 10000 resamples, seed 0/);

    // the CLI's numbers: case logs of both folders, then `segscope stats`
    const logs = { a: join(FIXTURES, 'a.jsonl'), b: join(FIXTURES, 'b.jsonl') };
    for (const k of ['a', 'b'] as const) cli(['evaluate', dirs[k], dirs.gt, '--out', logs[k], '--backend', 'reference']);
    const r = cli(['stats', logs.a, logs.b, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const want = JSON.parse(r.stdout) as { cases: number; losses: Record<string, { n: number; meanDiff: JsonNumber; ci95: [JsonNumber, JsonNumber] | null; pWilcoxon: JsonNumber | null; pHolm: JsonNumber | null }> };
    assert.equal(want.cases, stats.cases);
    type StatsRow = { measure: string; n: number; diff: string | null; ciLow: string | null; ciHigh: string | null; p: string | null; pHolm: string | null; verdict: string | null };
    const shownRows: StatsRow[] = await page.$$eval(`${STATS} [data-part="stats-table"] tbody tr[data-measure]`, (trs: Element[]) => trs.map((tr) => {
      const cell = (s: string) => tr.querySelector(`[data-stat="${s}"]`);
      return {
        measure: tr.getAttribute('data-measure') ?? '',
        n: Number(cell('n')?.textContent),
        diff: cell('diff')?.getAttribute('data-loss') ?? null,
        ciLow: cell('ci')?.getAttribute('data-ci-low') ?? null,
        ciHigh: cell('ci')?.getAttribute('data-ci-high') ?? null,
        p: cell('p')?.getAttribute('data-loss') ?? null,
        pHolm: cell('pHolm')?.getAttribute('data-loss') ?? null,
        verdict: tr.getAttribute('data-verdict'),
      };
    }));
    assert.deepEqual(shownRows.map((x) => x.measure), Object.keys(want.losses), 'every measure, in the CLI\'s order');
    for (const row of shownRows) {
      const w = want.losses[row.measure]!;
      assert.equal(row.n, w.n, row.measure);
      assert.equal(row.diff, fullPrecision(w.meanDiff), `${row.measure} B − A`);
      assert.equal(row.ciLow, w.ci95 ? fullPrecision(w.ci95[0]) : null, `${row.measure} CI low`);
      assert.equal(row.ciHigh, w.ci95 ? fullPrecision(w.ci95[1]) : null, `${row.measure} CI high`);
      assert.equal(row.p, w.pWilcoxon === null ? null : fullPrecision(w.pWilcoxon), `${row.measure} Wilcoxon p`);
      assert.equal(row.pHolm, w.pHolm === null ? null : fullPrecision(w.pHolm), `${row.measure} Holm p`);
    }
    // B is the noisier model: its Dice loss is significantly worse
    const dice = shownRows.find((x) => x.measure === 'dice')!;
    assert.ok(Number(dice.diff) > 0, 'B − A of the Dice loss is positive');
    assert.equal(dice.verdict, fromJsonNumber(want.losses.dice!.pHolm) < 0.05 ? 'B worse' : null);
    await page.$eval(STATS, (e: Element) => e.scrollIntoView());
    await h.shot('60-folders-stats', false);

    // a box per prediction folder and measure; the run select of the table shows B's cases
    const traces = await plotData(page, DIST_PLOT);
    assert.deepEqual([...new Set(traces.map((t) => t.uid.split('|')[1]))].sort(), ['0', '1']);
    const boxes = await page.$$eval(`${DIST_PLOT} .boxlayer .trace path.box`, (e: Element[]) => e.length);
    const finite = (ri: number) => two.measures.filter((m) => two.runs[ri]!.cases.some((c) => Number.isFinite(fromJsonNumber(c.values?.[m])))).length;
    assert.equal(boxes, finite(0) + finite(1), 'a box per folder and measure');
    assert.equal(await page.$$eval(`${TABLE} td[data-scope="mean"][data-measure="dice"]`, (e: Element[]) => e.length), 2, 'the means of both folders');
    await page.selectOption(`${TABLE} select[data-part="run"]`, '1');
    await page.waitForFunction((sel: string) => document.querySelector(sel)?.getAttribute('data-status') === 'done', `${TABLE} tr[data-case="${CORRUPT}"]`);
    await h.forget();
    await page.click(`${TABLE} tr[data-case="${CORRUPT}"] td[data-measure="dice"]`);
    assert.deepEqual(await h.waitPosted((m) => m.type === 'openCase', 'openCase of B'), { type: 'openCase', run: 1, key: CORRUPT });
    // exports name the run
    await page.selectOption('select[data-part="export-run"]', '1');
    await page.click('button[data-action="export"][data-format="json"]');
    assert.deepEqual(await h.waitPosted((m) => m.type === 'export', 'export'), { type: 'export', format: 'json', run: 1 });
    await h.send({ type: 'exported', format: 'json', ok: true, path: 'model_b-vs-labels.summary.json' });
    await page.waitForFunction(() => /Exported JSON to model_b-vs-labels\.summary\.json/.test(document.querySelector('[data-part="exported"]')?.textContent ?? ''));
    await page.click('button[data-action="compare-another"]');
    await h.waitPosted((m) => m.type === 'compareAnother', 'compareAnother');
    await h.shot('60-folders-two');
    await assertClean(h);
    await page.close();
  });

  test('while a run goes: not rendered, progress in the status line, Cancel; invalid messages are dropped', async () => {
    const h = await openView(1000);
    const { page } = h;
    const run = one.runs[0]!;
    const running: FolderViewState = {
      ...one,
      busy: true,
      runs: [{
        ...run,
        status: 'running',
        done: 4,
        failed: 0,
        cases: run.cases.map((c, i) => (i < 4 && c.key !== CORRUPT ? c : { key: c.key, status: i === 4 ? 'running' : 'queued' })),
      }],
    };
    assert.ok(isHostToFolder({ type: 'folders', state: running }));
    await h.send({ type: 'folders', state: running });
    await page.waitForFunction(() => /Evaluating model_a: 4 of 10 cases/.test(document.querySelector('[data-part="status"]')?.textContent ?? ''));
    await page.waitForFunction((sel: string) => document.querySelectorAll(sel).length === 10, caseRows);
    await page.waitForTimeout(300);
    assert.equal(await page.getAttribute('body', 'data-rendered'), 'false', 'a state with cases queued is not complete');
    assert.equal((await h.posted()).filter((m) => m.type === 'rendered').length, 0);
    assert.equal(await page.getAttribute(`${TABLE} tr[data-case="case_09"]`, 'data-status'), 'queued');
    assert.equal(await page.isVisible('button[data-action="cancel"]'), true);
    await h.shot('60-folders-running', false);
    await page.click('button[data-action="cancel"]');
    await h.waitPosted((m) => m.type === 'cancel', 'cancel');

    // the host's cancelled state: complete again
    const cancelled: FolderViewState = { ...running, busy: false, runs: [{ ...running.runs[0]!, status: 'cancelled', cases: running.runs[0]!.cases.map((c) => (c.status === 'queued' || c.status === 'running' ? { key: c.key, status: 'cancelled' } : c)) }] };
    await h.show(cancelled);
    assert.match((await page.textContent('[data-part="status"]')) ?? '', /cancelled after 4 of 10 cases/);
    assert.equal(await page.isVisible('button[data-action="cancel"]'), false);
    assert.match((await page.textContent(`${TABLE} tr[data-case="case_09"] [data-part="case-status"]`)) ?? '', /not evaluated \(cancelled\)/);

    // an invalid message is logged and not drawn
    await h.forget();
    await h.send({ type: 'folders', state: { ...one, runs: [{ ...run, cases: [{ key: '', status: 'done' }] }] } });
    await h.send({ type: 'folders', state: { ...one, stats: { a: 0, b: 3, cases: 1, seed: 0, bootstrap: 1, rows: [], onlyInA: 0, onlyInB: 0 } } });
    await h.send({ type: 'evil', html: '<img src=x onerror=alert(1)>' });
    await page.waitForTimeout(300);
    const logs = (await h.posted()).filter((m) => m.type === 'log');
    assert.equal(logs.length, 3);
    assert.ok(logs.every((m) => m.type === 'log' && m.level === 'warn'));
    assert.equal((await h.posted()).filter((m) => m.type === 'rendered').length, 0, 'nothing was drawn');
    await h.forget();
    await assertClean(h);
    await page.close();
  });
});

describe('folder protocol validators', () => {
  test('messages from the page: cases by run and key, nothing else', () => {
    assert.ok(isFolderToHost({ type: 'openCase', run: 0, key: 'sub/case_01' }));
    assert.ok(!isFolderToHost({ type: 'openCase', run: 0, key: '' }));
    assert.ok(!isFolderToHost({ type: 'openCase', run: -1, key: 'a' }));
    assert.ok(!isFolderToHost({ type: 'openCase', run: 0, path: '/etc/passwd' }));
    assert.ok(isFolderToHost({ type: 'emptyRule', rule: 'worst' }));
    assert.ok(!isFolderToHost({ type: 'emptyRule', rule: 'mean' }));
    assert.ok(isFolderToHost({ type: 'export', format: 'csv', run: 1 }));
    assert.ok(!isFolderToHost({ type: 'export', format: 'xlsx', run: 0 }));
    assert.ok(!isFolderToHost({ type: 'open', path: 'x' }));
  });
  test('states from the host: every rule present, measures known, stats indexes in range', () => {
    assert.ok(isHostToFolder({ type: 'folders', state: two }));
    const { skip: _skip, ...threeRules } = two.runs[0]!.means;
    assert.ok(!isHostToFolder({ type: 'folders', state: { ...two, runs: [{ ...two.runs[0]!, means: threeRules }] } }));
    assert.ok(!isHostToFolder({ type: 'folders', state: { ...two, measures: ['dice', 'evil'] } }));
    assert.ok(!isHostToFolder({ type: 'folders', state: { ...two, stats: { ...two.stats!, b: 2 } } }));
    assert.ok(!isHostToFolder({ type: 'folders', state: { ...two, runs: [] } }));
  });
});
