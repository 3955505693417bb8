import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pairFromSavedState, resolveInside, within } from '../../extension/workspacePaths.js';

const base = mkdtempSync(join(tmpdir(), 'segscope-paths-'));
const ws = join(base, 'workspace');
const outside = join(base, 'outside');
mkdirSync(join(ws, 'masks'), { recursive: true });
mkdirSync(outside, { recursive: true });
writeFileSync(join(ws, 'masks', 'a_pred.png'), 'x');
writeFileSync(join(ws, 'masks', 'a_gt.png'), 'x');
writeFileSync(join(outside, 'secret_gt.png'), 'x');
symlinkSync(join(outside, 'secret_gt.png'), join(ws, 'masks', 'link_gt.png'));

test('within: strictly inside, never the root itself or a sibling with a common prefix', () => {
  assert.equal(within(ws, join(ws, 'masks', 'a.png')), true);
  assert.equal(within(ws, ws), false);
  assert.equal(within(ws, `${ws}-other/a.png`), false);
  assert.equal(within(ws, join(ws, '..', 'outside', 'a.png')), false);
});

test('resolveInside: relative to the notebook, absolute, ../ escapes, links out, missing files', () => {
  assert.deepEqual(resolveInside('a_pred.png', [ws], join(ws, 'masks')), { path: join(ws, 'masks', 'a_pred.png') });
  assert.deepEqual(resolveInside(join(ws, 'masks', 'a_gt.png'), [ws], '/'), { path: join(ws, 'masks', 'a_gt.png') });
  assert.match((resolveInside('../../outside/secret_gt.png', [ws], join(ws, 'masks')) as { refused: string }).refused, /outside the workspace folders/);
  assert.match((resolveInside(join(outside, 'secret_gt.png'), [ws], ws) as { refused: string }).refused, /outside the workspace folders/);
  assert.match((resolveInside('masks/link_gt.png', [ws], ws) as { refused: string }).refused, /outside the workspace folders/, 'a link inside that points out');
  assert.match((resolveInside('masks/none.png', [ws], ws) as { refused: string }).refused, /file not found/);
  assert.match((resolveInside('a.png', [], ws) as { refused: string }).refused, /outside/, 'no workspace folder: nothing may be opened');
});

test('a restored panel whose saved state names a file outside the workspace is refused, not read', () => {
  assert.deepEqual(pairFromSavedState({ pair: { pred: 'masks/a_pred.png', gt: 'masks/a_gt.png' } }, [ws]), { pred: join(ws, 'masks', 'a_pred.png'), gt: join(ws, 'masks', 'a_gt.png') });
  for (const gt of [join(outside, 'secret_gt.png'), '../outside/secret_gt.png', 'masks/../../outside/secret_gt.png', 'masks/link_gt.png']) {
    const r = pairFromSavedState({ pair: { pred: 'masks/a_pred.png', gt } }, [ws]);
    assert.ok(r && 'refused' in r, `${gt} is refused (${JSON.stringify(r)})`);
  }
  assert.equal(pairFromSavedState({}, [ws]), null);
  assert.equal(pairFromSavedState({ pair: { pred: 1, gt: 'x' } }, [ws]), null);
  assert.equal(pairFromSavedState(null, [ws]), null);
});
