import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCsv, formatJson, formatMarkdown, formatMs, formatValue, fullPrecision } from '../../protocol/format.js';
import { fromJsonNumber as toNumber, toJsonNumber } from '../../protocol/jsonNumber.js';
import type { EvaluationJson } from '../../protocol/messages.js';
import { isEvaluationJson } from '../../protocol/validate.js';

const result: EvaluationJson = {
  prediction: { path: 'pred, "a".npy', shape: [3, 4, 4], kind: 'probabilities' },
  target: { path: 'gt.png', shape: [4, 4] },
  binary: false,
  classes: 3,
  spacing: [1, 0.5],
  losses: { dice: 0.123456789, hausdorff: 'Infinity', nsd: 0 },
  perClass: [
    { class: 0, dice: 0.1 },
    { class: 1, dice: 0.2, hausdorff: 3 },
    { class: 2, dice: 0.07037, hausdorff: 'Infinity' },
  ],
  metrics: {
    pixelAccuracy: 0.9375,
    perClass: [
      { class: 0, dice: 1, iou: 1, precision: 1, recall: 1, tp: 10, fp: 0, fn: 0 },
      { class: 1, dice: 0.5, iou: 1 / 3, precision: 'NaN', recall: 0.5, tp: 1, fp: 1, fn: 1 },
    ],
    meanForeground: { dice: 0.5, iou: 1 / 3, precision: 'NaN', recall: 0.5 },
  },
  warnings: ['class 2 | appears only\nin the prediction'],
  backend: 'reference',
  timingsMs: { load: 1.25, dice: 0.031 },
};

test('the fixture is a valid JSON document', () => assert.ok(isEvaluationJson(result)));

test('numbers', () => {
  assert.equal(toNumber('Infinity'), Infinity);
  assert.equal(toNumber('-Infinity'), -Infinity);
  assert.ok(Number.isNaN(toNumber('NaN')));
  assert.ok(Number.isNaN(toNumber(undefined)));
  assert.equal(toJsonNumber(Infinity), 'Infinity');
  assert.equal(toJsonNumber(-Infinity), '-Infinity');
  assert.equal(toJsonNumber(NaN), 'NaN');
  assert.equal(toJsonNumber(0.5), 0.5);
  assert.equal(fullPrecision(0.1 + 0.2), '0.30000000000000004');
  assert.equal(fullPrecision('Infinity'), 'Infinity');
  assert.equal(formatValue(0.123456789), '0.1235');
  assert.equal(formatValue(0.123456789, 2), '0.12');
  assert.equal(formatValue('Infinity'), '∞');
  assert.equal(formatValue('-Infinity'), '−∞');
  assert.equal(formatValue('NaN'), 'NaN');
  assert.equal(formatValue(0), '0.0000');
  assert.equal(formatValue(-0.00001), '-1.00e-5');
  assert.equal(formatValue(-0.00004, 4), '-4.00e-5');
  assert.equal(formatValue(-0.00006, 4), '-0.0001');
  assert.equal(formatValue(3e-9), '3.00e-9');
  assert.equal(formatValue(12.5), '12.5000');
  assert.equal(formatMs(1.234), '1.23');
  assert.equal(formatMs(12.34), '12.3');
  assert.equal(formatMs(1234.5), '1235');
  assert.equal(formatMs(undefined), '');
});

test('JSON is the CLI document, round-trips', () => {
  const text = formatJson(result);
  assert.deepEqual(JSON.parse(text), result);
  assert.match(text, /\n {2}"prediction"/);
});

test('CSV: long form, full precision, quoting', () => {
  const csv = formatCsv(result, ['background', 'liver', 'tumour, small']);
  const lines = csv.trimEnd().split('\n');
  assert.equal(lines[0], 'section,class,class_name,name,value');
  assert.ok(lines.includes('loss,,,dice,0.123456789'));
  assert.ok(lines.includes('loss,,,hausdorff,Infinity'));
  assert.ok(lines.includes('loss_per_class,2,"tumour, small",hausdorff,Infinity'));
  assert.ok(lines.includes('loss_per_class,1,liver,dice,0.2'));
  assert.ok(lines.includes('metric,,,pixelAccuracy,0.9375'));
  assert.ok(lines.includes(`metric_per_class,1,liver,iou,${String(1 / 3)}`));
  assert.ok(lines.includes('metric_per_class,1,liver,precision,NaN'));
  assert.ok(lines.includes('metric_per_class,0,background,tp,10'));
  assert.ok(lines.includes('metric_mean_foreground,,,recall,0.5'));
  assert.ok(lines.includes('timing_ms,,,load,1.25'));
  // every row has five fields
  const rows = 1 + 3 + 5 + 1 + 14 + 4 + 2;
  assert.equal(lines.length, rows);
  assert.ok(csv.endsWith('\n'));
});

test('Markdown: summary, per-class and metric tables, escaped cells', () => {
  const md = formatMarkdown(result, ['background', 'liver']);
  assert.match(md, /^## SegScope: pred, "a".npy vs gt.png$/m);
  assert.match(md, /^\| Loss \| Value \| Time \(ms\) \|$/m);
  assert.match(md, /^\| dice \| 0\.123457 \| 0\.03 \|$/m);
  assert.match(md, /^\| hausdorff \| ∞ \|  \|$/m);
  assert.match(md, /^\| Class \| dice \| hausdorff \|$/m);
  assert.match(md, /^\| 0 \(background\) \| 0\.100000 \|  \|$/m);
  assert.match(md, /^\| 2 \| 0\.070370 \| ∞ \|$/m);
  assert.match(md, /^\| 1 \(liver\) \| 0\.500000 \| 0\.333333 \| NaN \| 0\.500000 \| 1 \| 1 \| 1 \|$/m);
  assert.match(md, /^\| mean foreground \|/m);
  assert.match(md, /^Pixel accuracy: 0\.937500$/m);
  assert.match(md, /^- class 2 \| appears only in the prediction$/m);
  // table rows have consistent column counts
  for (const block of md.split('\n\n').filter((b) => b.startsWith('|'))) {
    const counts = block.split('\n').map((l) => l.replace(/\\\|/g, '').split('|').length);
    assert.ok(counts.every((c) => c === counts[0]), block);
  }
});
