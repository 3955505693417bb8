/**
 * Runs inside VS Code's extension host (bundled to CommonJS by test/electron/run.mjs): the
 * end-to-end scenarios at the API level. Prints one line per test and a closing
 * "N passed, M failed" line; rejects when any test failed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { SegscopeApi } from '../../extension/extension.js';
import type { PanelSnapshot } from '../../extension/panel.js';

interface Expected {
  workspace: string;
  pairs: { name: string; pred: string; gt: string; mismatched?: boolean }[];
  expected: Record<string, { ok: true; json: { losses: Record<string, number | string> } } | { ok: false; stderr: string }>;
}

const CHECKED = ['dice', 'iou', 'hd95'];

function close(a: number | string | undefined, b: number | string | undefined, what: string): void {
  const n = (v: number | string | undefined) => (typeof v === 'number' ? v : v === 'Infinity' ? Infinity : NaN);
  const x = n(a);
  const y = n(b);
  if (Number.isFinite(y)) assert.ok(Math.abs(x - y) < 5e-5, `${what}: ${x} vs the CLI ${y}`);
  else assert.equal(String(a), String(b), what);
}

export async function run(): Promise<void> {
  const data = JSON.parse(readFileSync(process.env.SEGSCOPE_EXPECTED!, 'utf8')) as Expected;
  const ext = vscode.extensions.getExtension<SegscopeApi>('segscope.segscope');
  const results: { name: string; error?: unknown }[] = [];
  const test = async (name: string, fn: () => Promise<void>) => {
    try {
      await fn();
      results.push({ name });
      console.log(`  ✔ ${name}`);
    } catch (error) {
      results.push({ name, error });
      console.log(`  ✖ ${name}\n    ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    }
  };
  const uri = (rel: string) => vscode.Uri.file(join(data.workspace, rel));
  let api: SegscopeApi | undefined;

  await test('the extension activates and registers its command', async () => {
    assert.ok(ext, 'segscope.segscope is installed');
    api = await ext.activate();
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('segscope.evaluatePair'));
  });

  for (const p of data.pairs.filter((x) => !x.mismatched)) {
    await test(`${p.name}: Evaluate Mask Pair on two selected files (ground truth first) equals the CLI`, async () => {
      const exp = data.expected[p.name]!;
      assert.ok(exp.ok, `the CLI evaluated ${p.name}`);
      // as the explorer calls it: (clicked, [all selected])
      const snap = (await vscode.commands.executeCommand('segscope.evaluatePair', uri(p.gt), [uri(p.gt), uri(p.pred)])) as PanelSnapshot;
      assert.ok(snap, 'the command returned the panel');
      assert.equal(snap.pred, uri(p.pred).fsPath, 'the prediction was recognised');
      assert.equal(snap.gt, uri(p.gt).fsPath);
      assert.equal(snap.error, undefined, JSON.stringify(snap.error));
      for (const id of CHECKED) close(snap.result!.losses[id as 'dice'], exp.json.losses[id], `${p.name} ${id}`);
      const rendered = await api!.waitFor((s) => s.pred === snap.pred && s.gt === snap.gt && s.rendered > 0, 60_000);
      assert.ok(rendered.rendered > 0, 'the webview rendered the result');
    });
  }

  await test('multiclass2d: one selected file finds its partner in the workspace', async () => {
    const p = data.pairs.find((x) => x.name === 'multiclass2d')!;
    const snap = (await vscode.commands.executeCommand('segscope.evaluatePair', uri(p.pred), [uri(p.pred)])) as PanelSnapshot;
    assert.equal(snap.gt, uri(p.gt).fsPath);
  });

  await test('mismatched: the evaluation fails with a message naming the file and both shapes', async () => {
    const p = data.pairs.find((x) => x.mismatched)!;
    const snap = (await vscode.commands.executeCommand('segscope.evaluatePair', uri(p.pred), [uri(p.pred), uri(p.gt)])) as PanelSnapshot;
    assert.ok(snap.error, 'an error is shown');
    assert.match(snap.error.message, /small_(pred|gt)\.png/);
    assert.match(snap.error.message, /64/);
    assert.match(snap.error.message, /80/);
    assert.equal(snap.result, undefined);
  });

  await test('one panel per pair: evaluating a pair again reuses its panel', async () => {
    const p = data.pairs.find((x) => x.name === 'binary2d')!;
    const before = api!.panels().length;
    await vscode.commands.executeCommand('segscope.evaluatePair', uri(p.pred), [uri(p.pred), uri(p.gt)]);
    assert.equal(api!.panels().length, before);
  });

  const failed = results.filter((r) => r.error).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  if (failed) throw new Error(`${failed} of ${results.length} SegScope desktop tests failed`);
}
