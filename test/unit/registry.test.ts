/**
 * kernels/registry.ts is the one source of the loss family's domain facts (docs/spec/losses.md §2).
 * Everything that restates one of them must agree with it: package.json's settings schema,
 * extension/settings.ts's defaults and ranges, the CLI's table names and the loss cards.
 */
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderTables } from '../../cli/table.js';
import { SETTING_DEFAULTS, settingsToOptions } from '../../extension/settings.js';
import {
  DEFAULT_IGNORE_INDEX, FAMILY_NAMES, LOSS_IDS, LOSSES, NUMERIC_PARAMS, type LossId, type NumericParam,
} from '../../kernels/registry.js';
import type { EvaluationResult } from '../../kernels/types.js';
import { LOSS_CARDS } from '../../webview/lossCards.js';

interface SettingSchema {
  type?: unknown;
  default?: unknown;
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  exclusiveMaximum?: number;
  markdownDescription?: string;
  items?: { enum?: unknown[] };
}

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
const props: Record<string, SettingSchema> = pkg.contributes?.configuration?.properties ?? {};
const PARAMS = Object.values(NUMERIC_PARAMS) as NumericParam[];

describe('package.json settings agree with kernels/registry.ts', () => {
  it('segscope.losses offers exactly LOSS_IDS, in order', () => {
    assert.deepEqual(props['segscope.losses']?.items?.enum, [...LOSS_IDS]);
  });

  for (const p of PARAMS) {
    it(`segscope.${p.id}: default ${p.default}, ${p.exclusive ? '>' : '≥'} ${p.min}${p.max !== undefined ? `, ≤ ${p.max}` : ''}`, () => {
      const s = props[`segscope.${p.id}`];
      assert.ok(s, `segscope.${p.id} is declared`);
      assert.equal(s.type, 'number');
      assert.equal(s.default, p.default, 'default');
      if (p.exclusive) {
        assert.equal(s.exclusiveMinimum, p.min, 'exclusiveMinimum');
        assert.equal(s.minimum, undefined, 'no inclusive minimum beside the exclusive one');
      } else {
        assert.equal(s.minimum, p.min, 'minimum');
        assert.equal(s.exclusiveMinimum, undefined, 'no exclusive minimum beside the inclusive one');
      }
      assert.equal(s.maximum, p.max, 'maximum');
      assert.equal(s.exclusiveMaximum, undefined, 'exclusiveMaximum');
      assert.equal(s.markdownDescription, `${p.description} (\`${p.flag}\`).`, 'description and flag');
    });
  }

  it('segscope.ignoreIndex defaults to DEFAULT_IGNORE_INDEX', () => {
    assert.equal(props['segscope.ignoreIndex']?.default, DEFAULT_IGNORE_INDEX);
  });
});

describe('extension/settings.ts agrees with kernels/registry.ts', () => {
  it('SETTING_DEFAULTS: the numeric parameters and the ignore index', () => {
    for (const p of PARAMS) assert.equal(SETTING_DEFAULTS[p.id], p.default, `SETTING_DEFAULTS.${p.id}`);
    assert.equal(SETTING_DEFAULTS.ignoreIndex, DEFAULT_IGNORE_INDEX);
  });

  it('settingsToOptions accepts and rejects each numeric parameter at the bounds of its range', () => {
    const problemsWith = (id: NumericParam['id'], value: number) => settingsToOptions({ ...SETTING_DEFAULTS, [id]: value }).problems;
    for (const p of PARAMS) {
      assert.deepEqual(problemsWith(p.id, p.default), [], `${p.id} = its default`);
      assert.equal(problemsWith(p.id, p.min).length, p.exclusive ? 1 : 0, `${p.id} = its ${p.exclusive ? 'exclusive' : 'inclusive'} minimum ${p.min}`);
      assert.equal(problemsWith(p.id, p.min - 1).length, 1, `${p.id} below its minimum`);
      if (p.max !== undefined) {
        assert.deepEqual(problemsWith(p.id, p.max), [], `${p.id} = its maximum`);
        assert.equal(problemsWith(p.id, p.max + 1).length, 1, `${p.id} above its maximum`);
      }
    }
  });
});

describe('the CLI tables name each loss as the registry does', () => {
  it('renderTables: every loss row shows LOSSES[id].name', () => {
    const metric = (c: number) => ({ class: c, dice: 1, iou: 1, precision: 1, recall: 1, tp: 4, fp: 0, fn: 0 });
    const result: EvaluationResult = {
      prediction: { path: 'pred.npy', shape: [4, 4], kind: 'probabilities' },
      target: { path: 'gt.png', shape: [4, 4] },
      binary: true,
      classes: 2,
      spacing: [1, 1],
      losses: Object.fromEntries(LOSS_IDS.map((id, i) => [id, i / 8])),
      perClass: [],
      metrics: { pixelAccuracy: 1, perClass: [metric(0), metric(1)], meanForeground: { dice: 1, iou: 1, precision: 1, recall: 1 } },
      warnings: [],
      backend: 'reference',
      timingsMs: { overlap: 1 },
    };
    const rows = renderTables(result)
      .split('\n')
      .map((line) => line.split(/[│|]/).map((cell) => cell.trim()).filter(Boolean))
      .filter((cells) => cells.length === 3 && (LOSS_IDS as readonly string[]).includes(cells[0]));
    assert.deepEqual(rows.map((r) => r[0]), [...LOSS_IDS], 'one row per loss, in order');
    for (const [id, name] of rows) assert.equal(name, LOSSES[id as LossId].name, `the ${id} row`);
  });
});

describe('the loss cards and the registry', () => {
  it('every registry loss has a card, and every card a registry loss', () => {
    assert.deepEqual(Object.keys(LOSS_CARDS), [...LOSS_IDS]);
  });

  it("the cards show the registry's name, family and direction (they restate none of them)", () => {
    // The card views (webview/components/summary.ts) show LOSSES[id].name, FAMILY_NAMES and
    // `better` beside the card's text; a card carrying its own copy could disagree.
    for (const id of LOSS_IDS) {
      const card = LOSS_CARDS[id] as object;
      for (const fact of ['id', 'name', 'family', 'better', 'unit', 'scale']) {
        assert.ok(!(fact in card), `LOSS_CARDS.${id} restates the registry's \`${fact}\`: take it from LOSSES.${id}`);
      }
    }
  });

  it('every loss: its own id, a family with a display name, and higher-is-better exactly for nsd', () => {
    assert.deepEqual(Object.keys(LOSSES), [...LOSS_IDS]);
    for (const id of LOSS_IDS) {
      const info = LOSSES[id];
      assert.equal(info.id, id);
      assert.ok(info.name.trim().length > 0, `${id} has a name`);
      assert.ok(Object.hasOwn(FAMILY_NAMES, info.family), `${id}'s family ${info.family} is in FAMILY_NAMES`);
      assert.equal(info.better === 'higher', id === 'nsd', `${id} is ${info.better} is better`);
    }
    assert.equal(new Set(LOSS_IDS.map((id) => LOSSES[id].name)).size, LOSS_IDS.length, 'names are distinct');
  });
});
