import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolveClassNames, SETTING_DEFAULTS, settingsToOptions } from '../../extension/settings.js';
import { BACKENDS, LOSS_IDS } from '../../kernels/types.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
const props: Record<string, { default: unknown; enum?: unknown[]; items?: { enum?: unknown[] } }> =
  pkg.contributes?.configuration?.properties ?? {};

test('package.json declares every setting with the defaults settings.ts assumes', () => {
  for (const [key, value] of Object.entries(SETTING_DEFAULTS)) {
    const p = props[`segscope.${key}`];
    assert.ok(p, `segscope.${key} is declared`);
    assert.deepEqual(p.default, value, `segscope.${key} default`);
  }
  assert.deepEqual(props['segscope.backend']?.enum, [...BACKENDS]);
  assert.deepEqual(props['segscope.losses']?.items?.enum, [...LOSS_IDS]);
});

test('defaults give the CLI defaults (context-dependent ones left to the engine)', () => {
  const { options, problems } = settingsToOptions({ ...SETTING_DEFAULTS });
  assert.deepEqual(problems, []);
  assert.deepEqual(options, {
    fromLogits: false,
    channelsLast: false,
    includeBackground: true,
    alpha: 0.3,
    beta: 0.7,
    ftGamma: 0.75,
    focalGamma: 2,
    smooth: 1e-5,
    nsdTolerance: 1,
    backend: 'auto',
    maxFileBytes: 512 * 1024 * 1024,
  });
  // nothing set at all: the same
  assert.deepEqual(settingsToOptions({}).options, options);
});

test('explicit values pass through', () => {
  const { options, problems } = settingsToOptions({
    losses: ['dice', 'iou', 'hd95', 'dice'],
    fromLogits: true,
    channelsLast: true,
    classes: 4,
    ignoreIndex: 0,
    includeBackground: false,
    spacing: [0.5, 0.5, 2],
    alpha: 0.5,
    beta: 0.5,
    ftGamma: 1,
    focalGamma: 0,
    focalAlpha: 0.4,
    classWeights: [0.1, 1, 2, 3],
    smooth: 1,
    nsdTolerance: 2.5,
    predScale: 255,
    backend: 'reference',
    maxFileSizeMB: 1,
  });
  assert.deepEqual(problems, []);
  assert.deepEqual(options, {
    losses: ['dice', 'iou', 'hd95'],
    fromLogits: true,
    channelsLast: true,
    classes: 4,
    ignoreIndex: 0,
    includeBackground: false,
    spacing: [0.5, 0.5, 2],
    alpha: 0.5,
    beta: 0.5,
    ftGamma: 1,
    focalGamma: 0,
    focalAlpha: 0.4,
    classWeights: [0.1, 1, 2, 3],
    smooth: 1,
    nsdTolerance: 2.5,
    predScale: 255,
    backend: 'reference',
    maxFileBytes: 1024 * 1024,
  });
});

test('ignore index: 255 is the spec default, noIgnore / "none" turn it off', () => {
  assert.equal('ignoreIndex' in settingsToOptions({ ignoreIndex: 255 }).options, false);
  assert.equal(settingsToOptions({ ignoreIndex: 7 }).options.ignoreIndex, 7);
  assert.equal(settingsToOptions({ ignoreIndex: 7, noIgnore: true }).options.ignoreIndex, null);
  assert.equal(settingsToOptions({ ignoreIndex: 'none' }).options.ignoreIndex, null);
});

test('focal alpha: null / "default" default, "none" off, numbers and numeric strings explicit', () => {
  assert.equal('focalAlpha' in settingsToOptions({ focalAlpha: null }).options, false);
  assert.equal('focalAlpha' in settingsToOptions({ focalAlpha: 'default' }).options, false);
  assert.equal(settingsToOptions({ focalAlpha: 'none' }).options.focalAlpha, null);
  assert.equal(settingsToOptions({ focalAlpha: '0.5' }).options.focalAlpha, 0.5);
  assert.equal(settingsToOptions({ focalAlpha: 1 }).options.focalAlpha, 1);
});

test('strings are accepted for lists (as the CLI writes them)', () => {
  const { options } = settingsToOptions({ spacing: '1.5, 1.5', classWeights: '1,2,3', losses: 'dice,iou' });
  assert.deepEqual(options.spacing, [1.5, 1.5]);
  assert.deepEqual(options.classWeights, [1, 2, 3]);
  assert.deepEqual(options.losses, ['dice', 'iou']);
});

test('invalid values are reported by name and fall back to the default', () => {
  const { options, problems } = settingsToOptions({
    losses: ['dice', 'nope'],
    fromLogits: 'yes',
    classes: 2.5,
    spacing: [1, -1],
    alpha: 'x',
    smooth: -1,
    focalAlpha: 3,
    classWeights: [1, 'a'],
    predScale: -3,
    backend: 'cuda',
    maxFileSizeMB: -2,
  });
  assert.equal(options.losses, undefined);
  assert.equal(options.fromLogits, false);
  assert.equal(options.classes, undefined);
  assert.equal(options.spacing, undefined);
  assert.equal(options.alpha, 0.3);
  assert.equal(options.smooth, 1e-5);
  assert.equal('focalAlpha' in options, false);
  assert.equal(options.classWeights, undefined);
  assert.equal(options.predScale, undefined);
  assert.equal(options.backend, 'auto');
  assert.equal(options.maxFileBytes, 512 * 1024 * 1024);
  for (const name of ['losses', 'fromLogits', 'classes', 'spacing', 'alpha', 'smooth', 'focalAlpha', 'classWeights', 'predScale', 'backend', 'maxFileSizeMB'])
    assert.ok(problems.some((p) => p.startsWith(`segscope.${name}:`)), `${name} reported`);
  assert.match(problems.find((p) => p.startsWith('segscope.losses'))!, /nope/);
});

test('maxFileSizeMB 0 means no limit; classes 0 and predScale 0 mean inferred / off', () => {
  const { options, problems } = settingsToOptions({ maxFileSizeMB: 0, classes: 0, predScale: 0 });
  assert.deepEqual(problems, []);
  assert.equal(options.maxFileBytes, 0, "0 reaches the engine, where it means no limit (as --max-file-mb 0)");
  assert.equal(options.classes, undefined);
  assert.equal(options.predScale, undefined);
});

test('class names: defaults, setting (array or map), classes.json overrides', () => {
  assert.deepEqual(resolveClassNames(3, []).names, ['background', 'class 1', 'class 2']);
  assert.deepEqual(resolveClassNames(2, [], undefined, true).names, ['background', 'foreground']);
  assert.deepEqual(resolveClassNames(3, ['bg', 'liver']).names, ['bg', 'liver', 'class 2']);
  assert.deepEqual(resolveClassNames(3, { '2': 'tumour' }).names, ['background', 'class 1', 'tumour']);
  assert.deepEqual(resolveClassNames(3, ['bg', 'liver'], { '1': 'kidney' }).names, ['bg', 'kidney', 'class 2']);
  assert.deepEqual(resolveClassNames(3, undefined, { labels: { background: 0, liver: 1, tumour: 2 } }).names, ['background', 'liver', 'tumour']);
  assert.deepEqual(resolveClassNames(2, undefined, { classes: ['a', 'b', 'c'] }).names, ['a', 'b']);
  const bad = resolveClassNames(2, 'oops');
  assert.equal(bad.problems.length, 1);
  assert.deepEqual(bad.names, ['background', 'class 1']);
});
