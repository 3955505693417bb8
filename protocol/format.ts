/**
 * Pure formatters of an evaluation result (the CLI's JSON document) for the panel's copy buttons
 * (formatted by the host, which puts them on the clipboard) and the views' cells: JSON, CSV (long
 * format, one number per row), Markdown tables, display numbers.
 * No DOM; unit-tested in test/unit/format.test.ts.
 */
import type { EvaluationJson } from './messages.js';
import { fromJsonNumber, type JsonNumber } from './jsonNumber.js';

/** Full precision text of a value: shortest round-trip decimal, or Infinity / -Infinity / NaN. */
export function fullPrecision(v: JsonNumber | undefined | null): string {
  return String(fromJsonNumber(v));
}

/**
 * A value for display: `digits` decimals (default 4), `∞` / `−∞` / `NaN` for the rest, and
 * scientific notation for tiny non-zero magnitudes that would print as 0.0000.
 */
export function formatValue(v: JsonNumber | undefined | null, digits = 4): string {
  const x = fromJsonNumber(v);
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '∞';
  if (x === -Infinity) return '−∞';
  if (x !== 0 && Math.abs(x) < 0.5 * 10 ** -digits) return x.toExponential(2);
  const s = x.toFixed(digits);
  return s.startsWith('-') && Number(s) === 0 ? s.slice(1) : s;
}

/** Milliseconds for display. */
export function formatMs(v: JsonNumber | undefined | null): string {
  const x = fromJsonNumber(v);
  if (!Number.isFinite(x)) return '';
  return x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0);
}

/** The result as the CLI's `--json` document, two-space indented. */
export function formatJson(result: EvaluationJson): string {
  return JSON.stringify(result, null, 2);
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Order of per-class keys: the `class` key first, then as they appear. */
function valueKeys(entry: Record<string, unknown>): string[] {
  return Object.keys(entry).filter((k) => k !== 'class');
}

/**
 * The result as CSV in long form, one value per row, full precision:
 * `section,class,class_name,name,value` with sections `loss`, `loss_per_class`, `metric`,
 * `metric_per_class`, `metric_mean_foreground`, `timing_ms`. Non-finite values are written as
 * Infinity / -Infinity / NaN (as the JSON strings).
 */
export function formatCsv(result: EvaluationJson, classNames: string[] = []): string {
  const rows: string[][] = [['section', 'class', 'class_name', 'name', 'value']];
  const name = (c: number) => classNames[c] ?? '';
  for (const [k, v] of Object.entries(result.losses)) rows.push(['loss', '', '', k, fullPrecision(v)]);
  for (const e of result.perClass) {
    for (const k of valueKeys(e)) rows.push(['loss_per_class', String(e.class), name(e.class), k, fullPrecision(e[k])]);
  }
  rows.push(['metric', '', '', 'pixelAccuracy', fullPrecision(result.metrics.pixelAccuracy)]);
  for (const e of result.metrics.perClass) {
    for (const k of valueKeys(e as unknown as Record<string, unknown>)) {
      rows.push(['metric_per_class', String(e.class), name(e.class), k, fullPrecision((e as unknown as Record<string, JsonNumber>)[k])]);
    }
  }
  for (const [k, v] of Object.entries(result.metrics.meanForeground)) {
    rows.push(['metric_mean_foreground', '', '', k, fullPrecision(v)]);
  }
  for (const [k, v] of Object.entries(result.timingsMs)) rows.push(['timing_ms', '', '', k, fullPrecision(v)]);
  return rows.map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

function mdCell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function mdTable(header: string[], rows: string[][], align: ('l' | 'r')[]): string {
  const line = (cells: string[]) => `| ${cells.map(mdCell).join(' | ')} |`;
  const sep = `|${align.map((a) => (a === 'r' ? ' ---: ' : ' --- ')).join('|')}|`;
  return [line(header), sep, ...rows.map(line)].join('\n');
}

/**
 * The result as Markdown: a summary table (loss, value, time), a per-class table of the losses'
 * class terms, and the metrics table. Values with `digits` decimals (default 6).
 */
export function formatMarkdown(result: EvaluationJson, classNames: string[] = [], digits = 6): string {
  const out: string[] = [];
  const label = (c: number) => (classNames[c] ? `${c} (${classNames[c]})` : String(c));
  out.push(`## SegScope: ${result.prediction.path} vs ${result.target.path}`);
  out.push('');
  out.push(
    `${result.binary ? 'Binary' : 'Multi-class'}, ${result.classes} classes, shape [${result.target.shape.join(', ')}], ` +
      `spacing [${result.spacing.map((v) => fullPrecision(v)).join(', ')}], backend ${result.backend}.`,
  );
  out.push('');
  out.push('### Losses');
  out.push('');
  out.push(
    mdTable(
      ['Loss', 'Value', 'Time (ms)'],
      Object.entries(result.losses).map(([k, v]) => [k, formatValue(v, digits), formatMs(result.timingsMs[k])]),
      ['l', 'r', 'r'],
    ),
  );
  const keys: string[] = [];
  for (const e of result.perClass) for (const k of valueKeys(e)) if (!keys.includes(k)) keys.push(k);
  if (result.perClass.length > 0 && keys.length > 0) {
    out.push('');
    out.push('### Per class');
    out.push('');
    out.push(
      mdTable(
        ['Class', ...keys],
        result.perClass.map((e) => [label(e.class), ...keys.map((k) => (k in e ? formatValue(e[k], digits) : ''))]),
        ['l', ...keys.map(() => 'r' as const)],
      ),
    );
  }
  out.push('');
  out.push('### Metrics');
  out.push('');
  const m = result.metrics;
  out.push(
    mdTable(
      ['Class', 'Dice', 'IoU', 'Precision', 'Recall', 'TP', 'FP', 'FN'],
      [
        ...m.perClass.map((e) => [
          label(e.class),
          formatValue(e.dice, digits),
          formatValue(e.iou, digits),
          formatValue(e.precision, digits),
          formatValue(e.recall, digits),
          fullPrecision(e.tp),
          fullPrecision(e.fp),
          fullPrecision(e.fn),
        ]),
        [
          'mean foreground',
          formatValue(m.meanForeground.dice, digits),
          formatValue(m.meanForeground.iou, digits),
          formatValue(m.meanForeground.precision, digits),
          formatValue(m.meanForeground.recall, digits),
          '',
          '',
          '',
        ],
      ],
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  out.push('');
  out.push(`Pixel accuracy: ${formatValue(m.pixelAccuracy, digits)}`);
  if (result.warnings.length > 0) {
    out.push('');
    out.push('### Warnings');
    out.push('');
    for (const w of result.warnings) out.push(`- ${w.replace(/\r?\n/g, ' ')}`);
  }
  return out.join('\n') + '\n';
}
