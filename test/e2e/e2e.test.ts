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
import { mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';
import { DEMO_PAIRS, writeDemoWorkspace } from '../fixtures/demoWorkspace.js';
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
function cliJson(pred: string, gt: string): Json {
  const r = spawnSync(process.execPath, [CLI, 'evaluate', pred, gt, '--json'], { encoding: 'utf8', timeout: 120_000 });
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

async function shot(name: string): Promise<void> {
  step++;
  await page.screenshot({ path: join(SHOTS, `${String(step).padStart(2, '0')}-${name}.png`) });
}

/** The explorer row of a workspace-relative path (its folders must be expanded). */
function row(rel: string) {
  const name = rel.split('/').pop()!;
  const depth = rel.split('/').length;
  return page.locator(`.explorer-folders-view .monaco-list-row[aria-level="${depth}"]`).filter({
    has: page.locator('.label-name', { hasText: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }),
  });
}

/** Expand the folders above `rel` in the explorer (a click toggles a collapsed folder). */
async function reveal(rel: string): Promise<void> {
  const parts = rel.split('/');
  for (let i = 1; i < parts.length; i++) {
    const folder = row(parts.slice(0, i).join('/'));
    await folder.first().waitFor({ timeout: 30_000 });
    if ((await folder.first().getAttribute('aria-expanded')) !== 'true') await folder.first().click();
    await page.waitForFunction(
      ([sel]) => document.querySelector(sel as string)?.getAttribute('aria-expanded') === 'true',
      [`.explorer-folders-view .monaco-list-row[aria-expanded]`],
      { timeout: 2_000 },
    ).catch(() => undefined);
  }
  await row(rel).first().waitFor({ timeout: 30_000 });
}

/** Select files in the explorer: a click on the first, then Ctrl+ or Shift+click on the rest. */
async function select(rels: string[], modifier: 'Control' | 'Shift' = 'Control'): Promise<void> {
  for (const r of rels) await reveal(r);
  await row(rels[0]!).first().click();
  for (const r of rels.slice(1)) await row(r).first().click({ modifiers: [modifier] });
  for (const r of rels) await assert.doesNotReject(row(r).first().and(page.locator('.selected')).waitFor({ timeout: 5_000 }), `${r} is selected`);
}

/** Right-click a row → "Evaluate Mask Pair". */
async function evaluateFromContextMenu(rel: string): Promise<void> {
  await row(rel).first().click({ button: 'right' });
  const item = page.getByRole('menuitem', { name: /Evaluate Mask Pair/ });
  await item.first().waitFor({ timeout: 15_000 });
  await item.first().click();
}

/** The webview frame whose panel shows this pair (webviews are nested iframes). */
async function panelFrame(predName: string, gtName: string, timeoutMs = 120_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      try {
        const hit = await frame.evaluate(
          ([p, g]) => {
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

/** The loss values a panel shows: the text of each summary cell and its full-precision data-loss. */
async function shownLosses(frame: Frame): Promise<Record<string, { text: string; value: number }>> {
  return frame.evaluate((ids) => {
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

async function runCommand(title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 10_000 });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
}

describe('SegScope in code-server (VS Code 1.139, Chromium)', { timeout: 15 * 60_000 }, () => {
  before(async () => {
    const missing = checkInstalled();
    if (missing) throw new Error(missing);
    rmSync(SHOTS, { recursive: true, force: true });
    mkdirSync(SHOTS, { recursive: true });
    workspace = writeDemoWorkspace(join(WORK, 'workspace'));
    const profile = makeProfile(join(WORK, 'profile'));
    server = await startCodeServer(profile, workspace);
    // playwright-core lives in .e2e/ (installed with code-server, not a dependency of the package)
    const require = createRequire(join(E2E_DIR, 'package.json'));
    const { chromium } = require('playwright-core') as typeof import('playwright-core');
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
    });
    const context = await browser.newContext({ viewport: { width: 1500, height: 950 } });
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

  test('the extension is installed and its command is in the palette', async () => {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 10_000 });
    await input.fill('>Evaluate Mask Pair');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'SegScope: Evaluate Mask Pair' }).first().waitFor({ timeout: 15_000 });
    await shot('palette');
    await page.keyboard.press('Escape');
  });

  test('2D binary pair: Ctrl+click two files, right-click → Evaluate Mask Pair', async () => {
    const p = DEMO_PAIRS.find((x) => x.name === 'binary2d')!;
    // the ground truth first: the extension must still take the .npy probability map as the prediction
    await select([p.gt, p.pred], 'Control');
    await shot('binary2d-selected');
    await evaluateFromContextMenu(p.pred);
    const frame = await panelFrame('case01_pred.npy', 'case01_gt.png');
    await shot('binary2d-panel');
    await assertPanelMatchesCli(frame, p.pred, p.gt);
  });

  test('2D multi-class pair in pred/ and gt/ folders, found from one file', async () => {
    const p = DEMO_PAIRS.find((x) => x.name === 'multiclass2d')!;
    await reveal(p.gt);
    await select([p.pred]);
    // one file: the extension finds gt/scene.png as the partner
    await evaluateFromContextMenu(p.pred);
    const frame = await panelFrame('pred/scene.png', 'gt/scene.png');
    await shot('multiclass2d-panel');
    await assertPanelMatchesCli(frame, p.pred, p.gt);
    // classes.json beside the masks names the classes
    const classNames = await frame.evaluate(() => document.querySelector('#class-table')?.textContent ?? '');
    assert.match(classNames, /disc/);
  });

  test('3D NIfTI pair: Shift+click', async () => {
    const p = DEMO_PAIRS.find((x) => x.name === 'volume3d')!;
    await select([p.gt, p.pred], 'Shift');
    await evaluateFromContextMenu(p.gt);
    const frame = await panelFrame('liver_pred.nii.gz', 'liver_gt.nii.gz');
    await shot('volume3d-panel');
    await assertPanelMatchesCli(frame, p.pred, p.gt);
    const expected = cliJson(join(workspace, p.pred), join(workspace, p.gt));
    assert.equal(expected.target.shape.length, 3);
    // the overlay is a slice of the volume
    const slice = await frame.evaluate(() => (document.querySelector('#overlay') as HTMLElement | null)?.dataset.slice ?? '');
    assert.match(slice, /^\d:\d+$/, `the overlay shows a slice (${slice})`);
  });

  test('mismatched pair: an error notification names the file and both shapes', async () => {
    const p = DEMO_PAIRS.find((x) => x.name === 'mismatched')!;
    const cliMessage = cliError(join(workspace, p.pred), join(workspace, p.gt));
    await select([p.pred, p.gt], 'Control');
    await evaluateFromContextMenu(p.pred);
    const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'SegScope' }).filter({ hasText: /64/ });
    await toast.first().waitFor({ timeout: 60_000 });
    const text = (await toast.first().innerText()).replace(/\s+/g, ' ');
    await shot('mismatched-notification');
    assert.match(text, /small_(pred|gt)\.png/, `the notification names the file: ${text}`);
    assert.match(text, /64/, text);
    assert.match(text, /80/, text);
    // it says what the CLI says
    const core = cliMessage.replace(/^segscope:\s*/i, '').slice(0, 40);
    assert.ok(text.includes(core.slice(core.lastIndexOf(':') + 1).trim().slice(0, 20)), `notification "${text}" vs CLI "${cliMessage}"`);
  });

  test('panels are restored after a window reload and evaluate again', async () => {
    await page.reload();
    await page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
    // the restored (active) panel renders again with the same numbers
    const p = DEMO_PAIRS.find((x) => x.name === 'volume3d')!;
    const frame = await panelFrame('liver_pred.nii.gz', 'liver_gt.nii.gz', 120_000).catch(async () => {
      // the active editor after the reload may be another panel: bring the 3D one forward
      await page.locator('.tabs-container .tab', { hasText: 'liver_pred.nii.gz' }).first().click();
      return panelFrame('liver_pred.nii.gz', 'liver_gt.nii.gz', 60_000);
    });
    await shot('restored-panel');
    await assertPanelMatchesCli(frame, p.pred, p.gt);
    await closeEditors();
  });
});
