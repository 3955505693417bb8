/**
 * End to end in a real VS Code (code-server 4.139 = VS Code 1.139, a real Node extension host)
 * driven through Debian's Chromium by playwright-core (never a downloaded browser):
 * install the packaged .vsix, open the demo workspace, select mask files in the explorer
 * (click, Ctrl+click, Shift+click), right-click → "Evaluate Mask Pair", and read the numbers
 * the results panel shows. They must equal `node dist/cli.js evaluate PRED GT --json` to 4
 * decimals. A mismatched pair must show its error notification. Screenshots of every scenario
 * go to test-results/e2e/.
 *
 * Needs: `npm run package` (dist/segscope.vsix, dist/cli.js) and `bash test/e2e/install.sh`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';
import { DEMO_NOTEBOOK, writeDemoNotebook } from '../fixtures/demoNotebook.js';
import { EPOCHS } from '../fixtures/comparison.js';
import { DEMO_PAIRS, writeDemoWorkspace } from '../fixtures/demoWorkspace.js';
import { encodePng } from '../fixtures/encode.js';
import { rng } from '../fixtures/random.js';
import { E2E_DIR, ROOT, checkInstalled, makeProfile, startCodeServer, type RunningCodeServer } from './codeServer.js';

const SHOTS = join(ROOT, 'test-results', 'e2e');
const WORK = join(E2E_DIR, 'e2e-run');
const CLI = join(ROOT, 'dist', 'cli.js');
const CHECKED = ['dice', 'iou', 'hd95'] as const;

type Json = {
  losses: Record<string, number | string>;
  prediction: { shape: number[] };
  target: { shape: number[] };
  classes: number;
};

/** `segscope evaluate PRED GT --json` with the same (default) options the extension uses. */
function cliJson(pred: string, gt: string, extra: string[] = []): Json {
  const r = spawnSync(process.execPath, [CLI, 'evaluate', pred, gt, '--json', ...extra], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `the CLI failed on ${pred} ${gt}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Json;
}

function cliError(pred: string, gt: string): string {
  const r = spawnSync(process.execPath, [CLI, 'evaluate', pred, gt, '--json'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 2, `the CLI must reject ${pred} ${gt} with exit status 2 (got ${r.status}): ${r.stdout}`);
  return r.stderr.trim();
}

const num = (v: number | string | undefined): number => (typeof v === 'number' ? v : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : NaN);
const fixed4 = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : v === Infinity ? '∞' : v === -Infinity ? '−∞' : 'NaN');

let server: RunningCodeServer | undefined;
let browser: Browser | undefined;
let page: Page;
let workspace: string;
let step = 0;

/** A known state for the next scenario: no quick input, menu or notification open. */
async function resetWorkbench(): Promise<void> {
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');
  if ((await page.locator('.notifications-toasts .notification-toast').count()) > 0) await runCommand('Notifications: Clear All Notifications');
  await page.locator('.quick-input-widget').first().waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
  await page.locator('.context-view .monaco-menu').first().waitFor({ state: 'detached', timeout: 5_000 }).catch(() => undefined);
}

/** Run a scenario from a known state; on failure, keep a screenshot of what the page showed. */
async function scenario(name: string, fn: () => Promise<void>): Promise<void> {
  try {
    await resetWorkbench();
    await fn();
  } catch (e) {
    await page.screenshot({ path: join(SHOTS, `FAILED-${name}.png`) }).catch(() => undefined);
    await page.keyboard.press('Escape').catch(() => undefined);
    throw e;
  }
}

/** Developer: Reload Window, waiting until the old page is gone and the new workbench is there. */
async function reloadWindow(): Promise<void> {
  await page.evaluate(() => ((window as unknown as { __segscopeBeforeReload?: boolean }).__segscopeBeforeReload = true));
  await runCommand('Developer: Reload Window');
  await page.waitForFunction(
    () => !(window as unknown as { __segscopeBeforeReload?: boolean }).__segscopeBeforeReload && !!document.querySelector('.monaco-workbench'),
    undefined,
    { timeout: 90_000, polling: 250 },
  );
}

/** The text of a file another process writes (atomically, by rename), once it exists. */
async function waitForFile(path: string, timeoutMs: number, failure: string): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(failure);
    await page.waitForTimeout(250);
  }
  return readFileSync(path, 'utf8');
}

async function shot(name: string): Promise<void> {
  step++;
  await page.screenshot({ path: join(SHOTS, `${String(step).padStart(2, '0')}-${name}.png`) });
}

/**
 * The explorer row of a workspace-relative path (its folders expanded): found by walking the
 * tree rows in order (aria-level and name), so `pred/scene.png` and `gt/scene.png` are told apart.
 */
async function row(rel: string) {
  const parts = rel.split('/');
  const deadline = Date.now() + 30_000;
  for (;;) {
    const index = await page.evaluate((names: string[]) => {
      const rows = Array.from(document.querySelectorAll<HTMLElement>('.explorer-folders-view .monaco-list-row')).sort(
        (a, b) => Number(a.dataset.index) - Number(b.dataset.index),
      );
      let from = 0;
      let found: HTMLElement | undefined;
      for (let level = 1; level <= names.length; level++) {
        found = undefined;
        for (let i = from; i < rows.length; i++) {
          const r = rows[i]!;
          const l = Number(r.getAttribute('aria-level'));
          if (level > 1 && l < level) break; // left the parent folder
          if (l === level && r.querySelector('.label-name')?.textContent === names[level - 1]) {
            found = r;
            from = i + 1;
            break;
          }
        }
        if (!found) return null;
      }
      return found ? found.dataset.index ?? null : null;
    }, parts);
    if (index !== null) return page.locator(`.explorer-folders-view .monaco-list-row[data-index="${index}"]`);
    if (Date.now() > deadline) throw new Error(`no explorer row for ${rel}`);
    await page.waitForTimeout(200);
  }
}

/** Expand the folders above `rel` in the explorer (a click toggles a collapsed folder). */
async function reveal(rel: string): Promise<void> {
  const parts = rel.split('/');
  for (let i = 1; i < parts.length; i++) {
    // a click on a collapsed folder expands it; the explorer drops a click now and then (just shown, busy): try again
    for (let attempt = 1; ; attempt++) {
      const folder = await row(parts.slice(0, i).join('/'));
      if ((await folder.getAttribute('aria-expanded')) === 'true') break;
      if (attempt > 3) throw new Error(`the explorer folder ${parts.slice(0, i).join('/')} did not expand after 3 clicks`);
      await folder.click();
      await folder.and(page.locator('[aria-expanded="true"]')).waitFor({ timeout: 5_000 }).catch(() => undefined);
    }
  }
  await row(rel);
}

/** Select files in the explorer: a click on the first, then Ctrl+ or Shift+click on the rest. */
async function select(rels: string[], modifier: 'Control' | 'Shift' = 'Control'): Promise<void> {
  for (const r of rels) await reveal(r);
  const allSelected = async (): Promise<boolean> => {
    for (const r of rels) if ((await (await row(r)).getAttribute('aria-selected')) !== 'true') return false;
    return true;
  };
  // the selection holds through three checks in a row: a workbench still settling (the explorer
  // refreshing after the window opened) can drop a click or reset the selection; then click again
  const settled = async (): Promise<boolean> => {
    for (let stable = 0, polls = 0; polls < 20; polls++) {
      if (await allSelected()) {
        if (++stable === 3) return true;
      } else stable = 0;
      await page.waitForTimeout(150);
    }
    return false;
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    await (await row(rels[0]!)).click();
    for (const r of rels.slice(1)) await (await row(r)).click({ modifiers: [modifier] });
    if (await settled()) break;
  }
  for (const r of rels) {
    const selected = await (await row(r)).getAttribute('aria-selected');
    assert.equal(selected, 'true', `${r} is selected in the explorer`);
  }
}

/**
 * Right-click a row → `label` in the explorer's context menu. VS Code's menus ignore a mouse-up
 * that comes too soon after they open, so hover first, then click; Enter if the menu stayed open.
 */
async function contextMenu(rel: string, label: string): Promise<void> {
  await (await row(rel)).click({ button: 'right' });
  const item = page.locator('.context-view .action-item', { hasText: label }).first();
  await item.waitFor({ timeout: 30_000 });
  await item.hover();
  // VS Code's menu ignores a mouse-up right after it opens; the hovered item taking focus says it is ready
  await item.and(page.locator('.action-item.focused')).waitFor({ timeout: 5_000 }).catch(() => undefined);
  await item.click();
  const closed = await page.locator('.context-view .monaco-menu').first().waitFor({ state: 'detached', timeout: 3_000 }).then(() => true, () => false);
  if (!closed) await page.keyboard.press('Enter');
}

/**
 * Right-click a row → "Evaluate Mask Pair", checking that the command started (a progress
 * notification, a new or active panel tab); one more try if it did not.
 */
async function evaluateFromContextMenu(rel: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const tabsBefore = await page.locator('.tabs-container .tab', { hasText: 'SegScope' }).count();
    await contextMenu(rel, 'Evaluate Mask Pair');
    // the command started: a progress notification, a new panel tab, or (a pair that has a panel) its tab is active
    const started = await Promise.race([
      page.locator('.notifications-toasts .notification-toast', { hasText: 'SegScope' }).first().waitFor({ timeout: 20_000 }).then(() => true),
      page
        .waitForFunction((n: number) => document.querySelectorAll('.tabs-container .tab').length > 0 && Array.from(document.querySelectorAll('.tabs-container .tab')).filter((t) => (t.textContent ?? '').includes('SegScope')).length > n, tabsBefore, { timeout: 20_000 })
        .then(() => true),
      page.locator('.tabs-container .tab.active', { hasText: 'SegScope' }).first().waitFor({ timeout: 20_000 }).then(() => true),
    ]).catch(() => false);
    if (started || attempt >= 2) return;
    await page.keyboard.press('Escape');
  }
}

/** The webview frame whose panel shows this pair (webviews are nested iframes). */
async function panelFrame(predName: string, gtName: string, timeoutMs = 120_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      try {
        const hit = await frame.evaluate(
          ([p, g]: string[]) => {
            const pred = document.querySelector('[data-role="pred"]')?.textContent ?? '';
            const gt = document.querySelector('[data-role="gt"]')?.textContent ?? '';
            return pred.endsWith(p as string) && gt.endsWith(g as string) && document.body.dataset.rendered === 'true';
          },
          [predName, gtName],
        );
        if (hit) return frame;
      } catch {
        /* a frame that is going away, or cross-origin without our page */
      }
    }
    if (Date.now() > deadline) throw new Error(`no rendered SegScope panel for ${predName} ⇄ ${gtName} within ${timeoutMs} ms`);
    await page.waitForTimeout(250);
  }
}

/** The webview frame of a pair's panel that shows an error. */
async function errorFrame(predName: string, gtName: string, timeoutMs = 60_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      const hit = await frame
        .evaluate(([p, g]: string[]) => {
          const pred = document.querySelector('[data-role="pred"]')?.textContent ?? '';
          const gt = document.querySelector('[data-role="gt"]')?.textContent ?? '';
          const error = document.getElementById('error');
          return pred.endsWith(p) && gt.endsWith(g) && !!error && !error.hidden && (error.textContent ?? '') !== '';
        }, [predName, gtName])
        .catch(() => false);
      if (hit) return frame;
    }
    if (Date.now() > deadline) throw new Error(`no SegScope panel showing an error for ${predName} ⇄ ${gtName} within ${timeoutMs} ms`);
    await page.waitForTimeout(250);
  }
}

/** The loss values a panel shows: the text of each summary cell and its full-precision data-loss. */
async function shownLosses(frame: Frame): Promise<Record<string, { text: string; value: number }>> {
  return frame.evaluate((ids: string[]) => {
    const out: Record<string, { text: string; value: number }> = {};
    for (const id of ids as string[]) {
      const cell = document.querySelector<HTMLElement>(`[data-scope="loss"][data-id="${id}"]`);
      if (!cell) continue;
      const raw = cell.dataset.loss ?? 'NaN';
      out[id] = { text: (cell.textContent ?? '').trim(), value: raw === 'Infinity' ? Infinity : raw === '-Infinity' ? -Infinity : Number(raw) };
    }
    return out;
  }, [...CHECKED]);
}

async function assertPanelMatchesCli(frame: Frame, pred: string, gt: string): Promise<void> {
  const expected = cliJson(join(workspace, pred), join(workspace, gt));
  const shown = await shownLosses(frame);
  for (const id of CHECKED) {
    const want = num(expected.losses[id]);
    const got = shown[id];
    assert.ok(got, `the panel shows ${id}`);
    assert.equal(got.text, fixed4(want), `${id} as shown (${got.text}) vs the CLI (${expected.losses[id]})`);
    if (Number.isFinite(want)) assert.ok(Math.abs(got.value - want) < 5e-5, `${id} full precision ${got.value} vs the CLI ${want}`);
    else assert.equal(got.value, want);
  }
}

async function closeEditors(): Promise<void> {
  await page.keyboard.press('Escape');
  await runCommand('View: Close All Editors');
}

/**
 * Wait until the workbench knows the extension's command (the remote extension host scans the
 * installed extensions a while after the page loads): the palette lists "SegScope: Evaluate Mask Pair".
 */
async function waitForCommand(timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 30_000 });
    await input.fill('>Evaluate Mask Pair');
    const hit = await page
      .locator('.quick-input-widget .monaco-list-row', { hasText: 'SegScope: Evaluate Mask Pair' })
      .first()
      .waitFor({ timeout: 3_000 })
      .then(() => true, () => false);
    if (hit) return;
    if (Date.now() > deadline) throw new Error(`the command palette never listed "SegScope: Evaluate Mask Pair" (${timeoutMs} ms)`);
  }
}

/**
 * Run a command from the palette. The palette lists the commands known when it opens (right after
 * a reload, not yet every extension's), and a palette still closing hides the new one's input:
 * so wait until none is open, and open it again when the command is not listed.
 */
async function runCommand(title: string): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('input').first();
  for (let attempt = 1; ; attempt++) {
    await widget.first().waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => page.keyboard.press('Escape'));
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible', timeout: 30_000 });
    await input.fill(`>${title}`);
    const listed = await widget.locator('.monaco-list-row', { hasText: title }).first().waitFor({ timeout: 15_000 }).then(() => true, () => false);
    if (listed) break;
    if (attempt >= 4) throw new Error(`the command palette does not list "${title}"`);
    await page.keyboard.press('Escape');
  }
  await page.keyboard.press('Enter');
}

// ---------------------------------------------------------------------------------------------
// The Loss Comparison view and the notebook outputs
// ---------------------------------------------------------------------------------------------

type CompareJson = { predictions: { path: string; step: number | null; result: Json }[] };

/** `segscope compare GT PRED… --json` with the default options. */
function cliCompare(gt: string, preds: string[]): CompareJson {
  const r = spawnSync(process.execPath, [CLI, 'compare', gt, ...preds, '--json'], { encoding: 'utf8', timeout: 180_000 });
  assert.equal(r.status, 0, `the CLI failed on compare: ${r.stderr}`);
  return JSON.parse(r.stdout) as CompareJson;
}

/** The comparison view's frame once it has drawn a comparison of `count` predictions. */
async function comparisonFrame(count: number, timeoutMs = 180_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      const hit = await frame
        .evaluate((n: number) =>
          document.body?.dataset.view === 'comparison' &&
          document.body.dataset.rendered === 'true' &&
          document.querySelectorAll('td[data-scope="comparison"][data-measure="dice"]').length === n &&
          !document.querySelector('li[data-entry][data-status="queued"], li[data-entry][data-status="running"]'), count)
        .catch(() => false);
      if (hit) return frame;
    }
    if (Date.now() > deadline) throw new Error(`no comparison view showing ${count} predictions within ${timeoutMs} ms`);
    await page.waitForTimeout(250);
  }
}

/** The value cells of one measure in the comparison view, by prediction index: display text and full precision. */
function comparisonCells(frame: Frame, measure: string): Promise<{ text: string; value: number; best: boolean }[]> {
  return frame.evaluate((m: string) =>
    Array.from(document.querySelectorAll<HTMLElement>(`td[data-scope="comparison"][data-measure="${m}"]`))
      .sort((a, b) => Number(a.dataset.prediction) - Number(b.dataset.prediction))
      .map((td) => ({ text: (td.textContent ?? '').replace(/[★\s]/g, ''), value: Number(td.dataset.loss), best: td.dataset.best === 'true' })), measure);
}

/** The notebook renderer's frame once `count` SegScope outputs are in a final state. */
async function notebookFrame(count: number, timeoutMs = 180_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      const hit = await frame
        .evaluate((n: number) => {
          const outs = Array.from(document.querySelectorAll<HTMLElement>('[data-segscope-output]'));
          return outs.length === n && outs.every((o) => ['rendered', 'error', 'invalid'].includes(o.dataset.state ?? ''));
        }, count)
        .catch(() => false);
      if (hit) return frame;
    }
    if (Date.now() > deadline) throw new Error(`no notebook renderer frame with ${count} finished SegScope outputs within ${timeoutMs} ms`);
    await page.waitForTimeout(250);
  }
}

describe('SegScope in code-server (VS Code 1.139, Chromium)', { timeout: 15 * 60_000 }, () => {
  before(async () => {
    const missing = checkInstalled();
    if (missing) throw new Error(missing);
    rmSync(SHOTS, { recursive: true, force: true });
    mkdirSync(SHOTS, { recursive: true });
    workspace = writeDemoWorkspace(join(WORK, 'workspace'));
    await writeDemoNotebook(workspace);
    // the file a notebook output names outside the workspace (it must be refused, not read)
    mkdirSync(join(WORK, 'outside'), { recursive: true });
    writeFileSync(join(WORK, 'outside', 'secret_gt.png'), readFileSync(join(workspace, 'comparison', 'gt.png')));
    const profile = makeProfile(join(WORK, 'profile'));
    // the extension's test-only commands (extension/e2eHooks.ts)
    server = await startCodeServer(profile, workspace, undefined, 60_000, { SEGSCOPE_E2E_HOOKS: '1' });
    // playwright-core lives in .e2e/ (installed with code-server, not a dependency of the package)
    const require = createRequire(join(E2E_DIR, 'package.json'));
    const { chromium } = require('playwright-core') as typeof import('playwright-core');
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
    });
    const context = await browser.newContext({ viewport: { width: 1500, height: 950 }, permissions: ['clipboard-read', 'clipboard-write'] });
    page = await context.newPage();
    await page.goto(server.url);
    await page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
    await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 90_000 });
    await shot('workbench');
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the extension is installed and its command is in the palette', () =>
    scenario('palette', async () => {
      await waitForCommand();
      await shot('palette');
      await page.keyboard.press('Escape');
    }));

  test('2D binary pair: Ctrl+click two files, right-click → Evaluate Mask Pair', () =>
    scenario('binary2d', async () => {
      const p = DEMO_PAIRS.find((x) => x.name === 'binary2d')!;
      // the ground truth first: the extension must still take the .npy probability map as the prediction
      await select([p.gt, p.pred], 'Control');
      await shot('binary2d-selected');
      await evaluateFromContextMenu(p.pred);
      const frame = await panelFrame('case01_pred.npy', 'case01_gt.png');
      await shot('binary2d-panel');
      await assertPanelMatchesCli(frame, p.pred, p.gt);

      // "Copy results: JSON" goes through the host to the clipboard (vscode.env.clipboard)
      await frame.locator('button[data-copy="json"]').click();
      await frame.waitForFunction(() => /Copied the results as JSON/.test(document.getElementById('status')?.textContent ?? ''), undefined, { timeout: 60_000 });
      const copied = JSON.parse(await page.evaluate(() => navigator.clipboard.readText())) as Json;
      assert.equal(Number(copied.losses.dice).toFixed(6), num(cliJson(join(workspace, p.pred), join(workspace, p.gt)).losses.dice).toFixed(6));

      // "Save plot: PNG" asks where (showSaveDialog: code-server's simple file dialog) and writes the file
      const target = join(workspace, 'binary2d', 'segscope-perclass.png');
      rmSync(target, { force: true });
      await frame.locator('button[data-save="perclass:png"]').click();
      const dialog = page.locator('.quick-input-widget input');
      await dialog.waitFor({ timeout: 30_000 });
      // the dialog opens on the host's default (beside the prediction); typing races the simple dialog's completion, so only type when it differs
      const deadline = Date.now() + 20_000;
      while ((await dialog.inputValue()) !== target && Date.now() < deadline) {
        await dialog.fill(target);
        await page.waitForTimeout(300);
      }
      assert.equal(await dialog.inputValue(), target, 'the save dialog names the file');
      await page.keyboard.press('Enter');
      await frame.waitForFunction(() => /Saved /.test(document.getElementById('status')?.textContent ?? ''), undefined, { timeout: 60_000 });
      const png = readFileSync(target);
      assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], 'a PNG file was written');
      await shot('binary2d-saved-plot');

      // a segscope.* setting (here the workspace's segscope.losses) re-evaluates the open panel
      const settingsDir = join(workspace, '.vscode');
      mkdirSync(settingsDir, { recursive: true });
      writeFileSync(join(settingsDir, 'settings.json'), JSON.stringify({ 'segscope.losses': ['dice', 'iou', 'hd95'] }));
      const lossCells = () => frame.evaluate(() => document.querySelectorAll('[data-scope="loss"]').length);
      await frame.waitForFunction(() => document.body.dataset.rendered === 'true' && document.querySelectorAll('[data-scope="loss"]').length === 3, undefined, { timeout: 60_000 });
      const subset = cliJson(join(workspace, p.pred), join(workspace, p.gt), ['--losses', 'dice,iou,hd95']);
      assert.deepEqual(Object.keys(subset.losses).sort(), ['dice', 'hd95', 'iou']);
      await assertPanelMatchesCli(frame, p.pred, p.gt);
      await shot('binary2d-losses-setting');
      rmSync(settingsDir, { recursive: true, force: true });
      await frame.waitForFunction(() => document.body.dataset.rendered === 'true' && document.querySelectorAll('[data-scope="loss"]').length > 3, undefined, { timeout: 60_000 });
      assert.ok((await lossCells()) > 3);
    }));

  test('2D multi-class pair in pred/ and gt/ folders, found from one file', () =>
    scenario('multiclass2d', async () => {
      const p = DEMO_PAIRS.find((x) => x.name === 'multiclass2d')!;
      await reveal(p.gt);
      await select([p.pred]);
      // one file: the extension finds gt/scene.png as the partner
      await evaluateFromContextMenu(p.pred);
      const frame = await panelFrame('pred/scene.png', 'gt/scene.png');
      await shot('multiclass2d-panel');
      await frame.evaluate(() => document.querySelector('[data-component="per-class"]')?.scrollIntoView());
      await shot('multiclass2d-per-class');
      await assertPanelMatchesCli(frame, p.pred, p.gt);
      // classes.json beside the masks names the classes
      const classNames = await frame.evaluate(() => document.querySelector('[data-component="per-class"] [data-part="class-table"]')?.textContent ?? '');
      assert.match(classNames, /disc/);
      // one click swaps prediction and ground truth (both are label maps) and evaluates again
      await frame.locator('#swap').click();
      const swapped = await panelFrame('gt/scene.png', 'pred/scene.png');
      await shot('multiclass2d-swapped');
      await assertPanelMatchesCli(swapped, p.gt, p.pred);
      await swapped.locator('#swap').click();
      await panelFrame('pred/scene.png', 'gt/scene.png');
    }));

  test('3D NIfTI pair: Shift+click', () =>
    scenario('volume3d', async () => {
      const p = DEMO_PAIRS.find((x) => x.name === 'volume3d')!;
      await select([p.gt, p.pred], 'Shift');
      await evaluateFromContextMenu(p.gt);
      const frame = await panelFrame('liver_pred.nii.gz', 'liver_gt.nii.gz');
      await shot('volume3d-panel');
      await frame.evaluate(() => document.querySelector('[data-component="overlay"]')?.scrollIntoView());
      await shot('volume3d-overlay');
      await assertPanelMatchesCli(frame, p.pred, p.gt);
      const expected = cliJson(join(workspace, p.pred), join(workspace, p.gt));
      assert.equal(expected.target.shape.length, 3);
      // the overlay is a slice of the volume
      const slice = await frame.evaluate(() => (document.querySelector('[data-component="overlay"]') as HTMLElement | null)?.dataset.slice ?? '');
      assert.match(slice, /^\d:\d+$/, `the overlay shows a slice (${slice})`);
      // another slice is computed by the extension host (a 'slice' message answered by an 'overlay')
      const hausdorff = frame.locator('[data-component="overlay"] button[data-part="goto-worst"]', { hasText: /Hausdorff point/ });
      if ((await hausdorff.count()) > 0 && (await hausdorff.first().isEnabled())) {
        await hausdorff.first().click();
      } else {
        const slider = frame.locator('[data-component="overlay"] input[type="range"][data-axis="0"]');
        await slider.first().fill('3');
        await slider.first().dispatchEvent('change');
      }
      await frame.waitForFunction((before: string) => {
        const el = document.querySelector('[data-component="overlay"]') as HTMLElement | null;
        return !!el && !!el.dataset.slice && el.dataset.slice !== before && document.body.dataset.rendered === 'true';
      }, slice, { timeout: 60_000 });
      await frame.evaluate(() => document.querySelector('[data-component="overlay"]')?.scrollIntoView());
      await shot('volume3d-other-slice');
    }));

  test('mismatched pair: an error notification names the file and both shapes', () =>
    scenario('mismatched', async () => {
      const p = DEMO_PAIRS.find((x) => x.name === 'mismatched')!;
      const cliMessage = cliError(join(workspace, p.pred), join(workspace, p.gt));
      await select([p.pred, p.gt], 'Control');
      await evaluateFromContextMenu(p.pred);
      const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'SegScope' }).filter({ hasText: /64/ });
      await toast.first().waitFor({ timeout: 60_000 });
      const text = (await toast.first().innerText()).replace(/\s+/g, ' ');
      assert.match(text, /small_(pred|gt)\.png/, `the notification names the file: ${text}`);
      assert.match(text, /64/, text);
      assert.match(text, /80/, text);
      // it says what the CLI says (with workspace-relative paths)
      const problem = cliMessage.replace(/^segscope:\s*/i, '').split(`${workspace}/`).join('');
      assert.ok(text.includes(problem), `notification "${text}" says what the CLI says: "${problem}"`);
      // the panel shows the error too
      const frame = await errorFrame('small_pred.png', 'small_gt.png');
      const shown = await frame.evaluate(() => document.getElementById('error')?.textContent ?? '');
      assert.ok(shown.replace(/\s+/g, ' ').includes(problem.replace(/^[^:]*: /, '')), `the panel shows "${shown}"`);
      assert.match(shown, /small_pred\.png/);
      await page.locator('.notifications-toasts .notification-toast', { hasText: 'evaluating' }).first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
      await shot('mismatched-notification');
    }));

  test('panels are restored after a window reload and evaluate again', () =>
    scenario('restore', async () => {
      const p = DEMO_PAIRS.find((x) => x.name === 'volume3d')!;
      // make the 3D panel the active editor, then reload the window (a proper shutdown: state is saved)
      await page.locator('.tabs-container .tab', { hasText: 'liver_pred.nii.gz ⇄ liver_gt.nii.gz' }).first().click();
      await panelFrame('liver_pred.nii.gz', 'liver_gt.nii.gz', 30_000);
      await reloadWindow();
      const frame = await panelFrame('liver_pred.nii.gz', 'liver_gt.nii.gz', 120_000);
      await shot('restored-3d-panel');
      await assertPanelMatchesCli(frame, p.pred, p.gt);
      // a panel in a background tab is restored when it is shown
      const m = DEMO_PAIRS.find((x) => x.name === 'multiclass2d')!;
      await page.locator('.tabs-container .tab', { hasText: 'pred/scene.png ⇄ gt/scene.png' }).first().click();
      const multi = await panelFrame('pred/scene.png', 'gt/scene.png', 120_000);
      await shot('restored-background-panel');
      await assertPanelMatchesCli(multi, m.pred, m.gt);
      await closeEditors();
    }));
  test('20 evaluations at once: every value correct, the extension host stays responsive', () =>
    scenario('concurrency', async () => {
      const pairs = Array.from({ length: 20 }, (_, i) => {
        const p = DEMO_PAIRS.filter((x) => !x.mismatched)[i % 3]!;
        return { pred: join(workspace, p.pred), gt: join(workspace, p.gt) };
      });
      const dir = join(workspace, '.segscope-e2e');
      mkdirSync(dir, { recursive: true });
      for (const f of ['concurrency.json', 'concurrency-started.json']) rmSync(join(dir, f), { force: true });
      await runCommand('Focus on Loss Comparison View'); // the extension is active (onView), whatever ran before
      await runCommand('View: Show Explorer');
      // the extension's test hook (extension/e2eHooks.ts) polls for the request and starts them all at once
      writeFileSync(join(dir, 'concurrency-request.json.tmp'), JSON.stringify({ pairs }));
      renameSync(join(dir, 'concurrency-request.json.tmp'), join(dir, 'concurrency-request.json'));
      await waitForFile(join(dir, 'concurrency-started.json'), 60_000, 'the extension host did not take the request of 20 evaluations within 60 s');
      type Report = { results: { pred: string; gt: string; dice?: number | string; error?: string }[]; delayMs: { max: number; p99: number; mean: number }; ms: number; failed?: string };
      const report = JSON.parse(await waitForFile(join(dir, 'concurrency.json'), 240_000, 'the 20 evaluations did not finish within 240 s')) as Report;
      assert.equal(report.failed, undefined, `the evaluations failed: ${report.failed}`);
      const expected = new Map<string, number>();
      for (const r of report.results) {
        assert.equal(r.error, undefined, `${r.pred}: ${r.error}`);
        const key = `${r.pred}|${r.gt}`;
        if (!expected.has(key)) expected.set(key, num(cliJson(r.pred, r.gt).losses.dice));
        assert.ok(Math.abs(num(r.dice) - expected.get(key)!) < 5e-5, `${r.pred}: ${r.dice} vs the CLI ${expected.get(key)}`);
      }
      assert.equal(report.results.length, 20);
      console.log(`20 evaluations at once: ${report.ms} ms; extension host event-loop delay max ${report.delayMs.max.toFixed(1)} ms, p99 ${report.delayMs.p99.toFixed(1)} ms, mean ${report.delayMs.mean.toFixed(1)} ms`);
      assert.ok(report.delayMs.max < 100, `the extension host's event loop stalled ${report.delayMs.max.toFixed(1)} ms`);
    }));

  test('Loss Comparison: the ground truth and three predictions from the explorer; the values equal segscope compare; the disagreement shows', () =>
    scenario('comparison', async () => {
      await closeEditors();
      await runCommand('View: Show Explorer');
      await reveal('comparison/gt.png');
      await select(['comparison/gt.png']);
      await contextMenu('comparison/gt.png', 'Set as Comparison Ground Truth');
      const trio = ['comparison/model_a.png', 'comparison/model_b.png', 'comparison/model_c.png'];
      await select(trio, 'Control');
      await contextMenu(trio[0]!, 'Add to Loss Comparison');
      const frame = await comparisonFrame(3);
      await shot('comparison-trio');
      const expected = cliCompare(join(workspace, 'comparison', 'gt.png'), trio.map((t) => join(workspace, t)));
      for (const measure of ['dice', 'hd95']) {
        const cells = await comparisonCells(frame, measure);
        assert.equal(cells.length, 3);
        expected.predictions.forEach((p, i) => {
          const want = num(p.result.losses[measure]);
          assert.equal(cells[i]!.text, fixed4(want), `${measure} of ${trio[i]} as shown vs the CLI (${want})`);
          assert.ok(Math.abs(cells[i]!.value - want) < 5e-5, `${measure} of ${trio[i]}: ${cells[i]!.value} vs ${want}`);
        });
      }
      // the constructed trio: model_a has the better Dice and the worse HD95 than model_b
      assert.equal((await comparisonCells(frame, 'dice'))[0]!.best, true, 'model_a has the best Dice');
      assert.equal((await comparisonCells(frame, 'hd95'))[0]!.best, false, 'model_a has not the best HD95');
      const disagreements = await frame.evaluate(() => Array.from(document.querySelectorAll('ul[data-part="disagreement-list"] > li')).map((li) => li.textContent ?? ''));
      assert.ok(disagreements.some((d: string) => /model_a beats model_b on .*\bdice\b.*; model_b beats model_a on .*\bhd95\b/.test(d)), disagreements.join('\n'));
      // the disagreement comes first in the view
      const first = await frame.evaluate(() => document.querySelector('[data-part="content"] [data-component]')?.getAttribute('data-component'));
      assert.equal(first, 'comparison-disagreements');
    }));

  test('Loss Comparison: a folder of five epochs draws five points per loss; a click on a point opens that pair', () =>
    scenario('comparison-epochs', async () => {
      await runCommand('View: Show Explorer');
      await reveal('comparison/epochs/epoch_1.png');
      await select(['comparison/epochs']);
      await contextMenu('comparison/epochs', 'Add to Loss Comparison');
      const frame = await comparisonFrame(3 + EPOCHS.length);
      const traces = await frame.evaluate(() => {
        const plot = document.querySelector('[data-component="comparison-checkpoints"] [data-part="plot"]') as (HTMLElement & { data?: { x: number[]; uid?: string }[] }) | null;
        return (plot?.data ?? []).map((t) => ({ uid: t.uid, x: [...t.x] }));
      });
      assert.ok(traces.length >= 2, `one line per loss (${traces.length})`);
      for (const t of traces) assert.deepEqual(t.x, EPOCHS, `${t.uid}: five points, in natural order`);
      await frame.evaluate(() => document.querySelector('[data-component="comparison-checkpoints"]')?.scrollIntoView());
      await shot('comparison-epochs');
      // a click on a point opens the results panel on that prediction and the ground truth
      const point = frame.locator('[data-component="comparison-checkpoints"] .scatterlayer .trace .points path').first();
      await point.click({ force: true });
      const opened = await Promise.any(EPOCHS.map((e) => panelFrame(`epoch_${e}.png`, 'comparison/gt.png', 60_000)));
      await shot('comparison-opened-pair');
      assert.ok(opened);
    }));

  test('Loss Comparison: the table survives a window reload', () =>
    scenario('comparison-reload', async () => {
      const before = await comparisonCells(await comparisonFrame(3 + EPOCHS.length), 'dice');
      await closeEditors();
      await reloadWindow();
      await runCommand('Focus on Loss Comparison View');
      const after = await comparisonCells(await comparisonFrame(3 + EPOCHS.length, 120_000), 'dice');
      assert.deepEqual(after.map((c) => c.value), before.map((c) => c.value));
      await shot('comparison-after-reload');
    }));

  test('a saved notebook renders its SegScope outputs with no kernel: report, masks, files, and a refused path', () =>
    scenario('notebook', async () => {
      await closeEditors();
      await runCommand('Go to File...').catch(() => undefined);
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ timeout: 30_000 });
      await input.fill(DEMO_NOTEBOOK);
      await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'segscope-demo.ipynb' }).first().waitFor({ timeout: 30_000 });
      await page.keyboard.press('Enter');
      const frame = await notebookFrame(4);
      await shot('notebook');
      // VS Code places output containers absolutely: the cells' order is the outputs' order on the page
      const outputs = await frame.evaluate(() =>
        Array.from(document.querySelectorAll<HTMLElement>('[data-segscope-output]')).sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top).map((o) => ({
          kind: o.dataset.kind,
          state: o.dataset.state,
          dice: o.querySelector<HTMLElement>('[data-scope="loss"][data-id="dice"]')?.dataset.loss ?? null,
          error: o.querySelector('[data-part="error"]')?.textContent ?? '',
        })));
      assert.deepEqual(outputs.map((o: { kind?: string }) => o.kind), ['report', 'masks', 'files', 'files'], JSON.stringify(outputs));
      const b = DEMO_PAIRS.find((x) => x.name === 'binary2d')!;
      const v = DEMO_PAIRS.find((x) => x.name === 'volume3d')!;
      const expect = [
        num(cliJson(join(workspace, b.pred), join(workspace, b.gt), ['--backend', 'reference']).losses.dice),
        num(cliJson(join(workspace, 'comparison', 'model_b.png'), join(workspace, 'comparison', 'gt.png')).losses.dice),
        num(cliJson(join(workspace, v.pred), join(workspace, v.gt)).losses.dice),
      ];
      expect.forEach((want, i) => {
        assert.equal(outputs[i]!.state, 'rendered', `output ${i}: ${outputs[i]!.error}`);
        assert.ok(Math.abs(Number(outputs[i]!.dice) - want) < 5e-5, `output ${i} (${outputs[i]!.kind}): Dice ${outputs[i]!.dice} vs the CLI ${want}`);
      });
      assert.equal(outputs[3]!.state, 'error');
      assert.match(outputs[3]!.error, /outside\/secret_gt\.png: refused, it is outside the workspace folders/);
      await closeEditors();
    }));

  test('folder against folder: select two folders, right-click → Evaluate Folder Against…; the worst case equals the CLI', () =>
    scenario('folders', async () => {
      // 50 binary 64 × 64 pairs, written now (the explorer picks them up): a disc, predicted shifted and resized
      const predDir = join(workspace, 'folders', 'pred');
      const gtDir = join(workspace, 'folders', 'gt');
      mkdirSync(predDir, { recursive: true });
      mkdirSync(gtDir, { recursive: true });
      const S = 64;
      const disc = (cy: number, cx: number, r: number) => {
        const m = new Uint8Array(S * S);
        for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) m[y * S + x] = (y - cy) ** 2 + (x - cx) ** 2 <= r * r ? 255 : 0;
        return m;
      };
      for (let i = 0; i < 50; i++) {
        const random = rng(4242 + i);
        const [cy, cx, r] = [24 + random() * 16, 24 + random() * 16, 9 + random() * 8];
        const name = `case_${String(i).padStart(3, '0')}.png`;
        writeFileSync(join(gtDir, name), encodePng(disc(cy, cx, r), [S, S]));
        writeFileSync(join(predDir, name), encodePng(disc(cy + (random() - 0.5) * 12, cx + (random() - 0.5) * 12, r * (0.7 + random() * 0.6)), [S, S]));
      }
      await closeEditors();
      await runCommand('View: Show Explorer');
      // the progress notification may come and go quickly: watch for it from now on
      // (a string: tsx would wrap named functions of a callback in a helper the page does not have)
      await page.evaluate(`(() => {
        window.__segscopeFolderProgress = false;
        new MutationObserver(() => {
          if (Array.from(document.querySelectorAll('.notifications-toasts .notification-toast')).some((t) => /SegScope: evaluating pred against gt/.test(t.textContent || ''))) window.__segscopeFolderProgress = true;
        }).observe(document.body, { childList: true, subtree: true, characterData: true });
      })()`);
      await runCommand('File: Refresh Explorer').catch(() => undefined);
      await reveal('folders/gt');
      // pred first: its plain click expands it below gt, so gt stays in view for the Ctrl+click
      await select(['folders/pred', 'folders/gt'], 'Control');
      await contextMenu('folders/pred', 'Evaluate Folder Against…');

      // the folder panel, complete: 50 rows (two folders selected: no dialog)
      const deadline = Date.now() + 240_000;
      let frame: Frame | undefined;
      while (!frame) {
        for (const f of page.frames()) {
          const hit = await f
            .evaluate(() =>
              document.body?.dataset.view === 'folders' &&
              document.body.dataset.rendered === 'true' &&
              document.querySelectorAll('[data-component="folder-table"] [data-part="table"] tr[data-case]').length === 50)
            .catch(() => false);
          if (hit) frame = f;
        }
        if (frame) break;
        if (Date.now() > deadline) throw new Error('no rendered folder panel with 50 cases within 240 s');
        await page.waitForTimeout(250);
      }
      assert.equal(await page.evaluate(() => (window as unknown as { __segscopeFolderProgress?: boolean }).__segscopeFolderProgress), true, 'the progress notification appeared');
      assert.match((await frame.textContent('[data-role="pred"]')) ?? '', /folders\/pred$/);
      assert.match((await frame.textContent('[data-role="gt"]')) ?? '', /folders\/gt$/);

      // the first row is the worst case by the default loss (Dice): the CLI's folder mode names the same one
      type Row = { key: string; cells: Record<string, { text: string; value: number }> };
      const rows: Row[] = await frame.evaluate((ids: string[]) =>
        Array.from(document.querySelectorAll<HTMLElement>('[data-component="folder-table"] [data-part="table"] tbody tr[data-case]')).map((tr) => ({
          key: tr.dataset.case ?? '',
          cells: Object.fromEntries(ids.map((id) => {
            const td = tr.querySelector<HTMLElement>(`td[data-measure="${id}"]`);
            return [id, { text: (td?.textContent ?? '').trim(), value: Number(td?.dataset.loss ?? 'NaN') }];
          })),
        })), ['dice', 'hd95']);
      assert.equal(rows.length, 50);
      const diceLosses = rows.map((r) => r.cells.dice!.value);
      assert.deepEqual(diceLosses, [...diceLosses].sort((a, b) => b - a), 'worst first: the Dice loss descending');
      const folderRun = spawnSync(process.execPath, [CLI, 'evaluate', predDir, gtDir, '--json'], { encoding: 'utf8', timeout: 180_000 });
      assert.equal(folderRun.status, 0, folderRun.stderr);
      const worst = (JSON.parse(folderRun.stdout) as { worst: { measure: string; cases: { case: string }[] } }).worst;
      assert.equal(worst.measure, 'dice');
      const first = rows[0]!;
      assert.equal(first.key, worst.cases[0]!.case, 'the first row is the CLI\'s worst case');
      const expected = cliJson(join(predDir, `${first.key}.png`), join(gtDir, `${first.key}.png`));
      for (const id of ['dice', 'hd95'] as const) {
        const want = num(expected.losses[id]);
        assert.equal(first.cells[id]!.text, fixed4(want), `${id} of ${first.key} as shown vs the CLI (${expected.losses[id]})`);
        if (Number.isFinite(want)) assert.ok(Math.abs(first.cells[id]!.value - want) < 5e-5, `${id} of ${first.key}: ${first.cells[id]!.value} vs the CLI ${want}`);
      }
      await shot('folders');
      await frame.evaluate(() => document.querySelector('[data-component="folder-distribution"]')?.scrollIntoView());
      await shot('folders-distribution');
      await closeEditors();
    }));
});
