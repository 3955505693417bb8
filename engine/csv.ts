/**
 * `--csv FILE` of folder mode: one row per case × class, a column per loss (its per-class term) and
 * per hard-mask metric, plus one row per case with class `all` holding the case's losses and its
 * foreground-mean metrics; a failed case is one row with its error. Numbers as the JSON convention
 * writes them (shortest round-trip decimal; `Infinity` / `NaN`), an absent value empty. Rows are
 * written as the cases are visited (in case-key order), never held.
 */
import * as fs from 'node:fs';
import { LOSS_IDS } from '../kernels/registry.js';
import { fromJsonNumber, type JsonNumber } from '../protocol/jsonNumber.js';
import type { LoggedResult } from './caseLog.js';

const METRIC_COLUMNS = ['dice', 'iou', 'precision', 'recall'] as const;
const COUNT_COLUMNS = ['tp', 'fp', 'fn'] as const;

export const CSV_COLUMNS = ['case', 'class', ...LOSS_IDS, ...METRIC_COLUMNS.map((m) => `metrics.${m}`), ...COUNT_COLUMNS, 'error'] as const;

/** RFC 4180 quoting where needed. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function num(v: JsonNumber | number | undefined): string {
  if (v === undefined) return '';
  const x = typeof v === 'number' ? v : fromJsonNumber(v);
  if (Number.isFinite(x)) return String(x);
  return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
}

/** The CSV rows of one case (without the header). */
export function caseCsvRows(key: string, line: { result?: LoggedResult; error?: string }): string[] {
  const row = (cls: string, values: Record<string, string>) => CSV_COLUMNS.map((c) => (c === 'case' ? csvField(key) : c === 'class' ? cls : csvField(values[c] ?? ''))).join(',');
  if (line.error !== undefined || !line.result) return [row('', { error: line.error ?? 'no result' })];
  const r = line.result;
  const classes = [...new Set([...r.perClass.map((e) => e.class), ...r.metrics.perClass.map((e) => e.class)])].sort((a, b) => a - b);
  const rows: string[] = [];
  for (const c of classes) {
    const values: Record<string, string> = {};
    const losses = r.perClass.find((e) => e.class === c);
    if (losses) for (const id of LOSS_IDS) if (id in losses) values[id] = num(losses[id]);
    const metrics = r.metrics.perClass.find((e) => e.class === c);
    if (metrics) {
      for (const m of METRIC_COLUMNS) values[`metrics.${m}`] = num(metrics[m] as JsonNumber);
      for (const k of COUNT_COLUMNS) values[k] = num(metrics[k]);
    }
    rows.push(row(String(c), values));
  }
  const all: Record<string, string> = {};
  for (const id of LOSS_IDS) if (id in r.losses) all[id] = num(r.losses[id] as JsonNumber);
  for (const m of METRIC_COLUMNS) all[`metrics.${m}`] = num(r.metrics.meanForeground[m]);
  rows.push(row('all', all));
  return rows;
}

/** A CSV file written row by row. */
export class CsvWriter {
  private readonly fd: number;
  private position = 0;

  constructor(readonly path: string) {
    this.fd = fs.openSync(path, 'w', 0o644);
    this.write(`${CSV_COLUMNS.join(',')}\n`);
  }

  private write(text: string): void {
    const buf = Buffer.from(text, 'utf8');
    let done = 0;
    while (done < buf.length) done += fs.writeSync(this.fd, buf, done, buf.length - done, this.position + done);
    this.position += buf.length;
  }

  add(key: string, line: { result?: LoggedResult; error?: string }): void {
    const rows = caseCsvRows(key, line);
    if (rows.length) this.write(`${rows.join('\n')}\n`);
  }

  close(): void {
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
  }
}
