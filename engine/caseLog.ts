/**
 * The case log of folder mode (docs/spec/cli.md, `--out FILE.jsonl`): one JSON line per case,
 * `{"case", "predSha256", "gtSha256", "optionsSha256", "result" | "error"}`, and how a run resumes.
 *
 * While a run goes, each finished case is appended as one whole line (one write call), in the order
 * the cases finish, and the file is fsync'ed every second or 256 lines. A rerun with the same `--out`
 * reads the lines there (a torn last line, left by a kill, is cut off), and skips every case whose
 * line has a result and the same three hashes; failed cases are evaluated again (an error is cheap to
 * reproduce, and a worker that died may not die twice). When the run ends, the file is rewritten in
 * case-key order with one line per case of this run (the newest), through `FILE.jsonl.tmp`, fsync and
 * rename: so a run killed at any point and rerun ends with exactly the file of a clean run. A kill
 * during that rewrite leaves the old file whole; the next run removes the `.tmp` and redoes it.
 *
 * Results in the log carry no timings (`timingsMs` is dropped), so that their lines are the same
 * from run to run.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import * as fs from 'node:fs';
import { dirname } from 'node:path';
import type { EvaluationJson } from '../protocol/messages.js';

/** A result as the log stores it: the `evaluate --json` document without its timings. */
export type LoggedResult = Omit<EvaluationJson, 'timingsMs'>;

export interface CaseLine {
  case: string;
  /** null when the file could not be read (or the case has two files in one folder) */
  predSha256: string | null;
  gtSha256: string | null;
  optionsSha256: string;
  result?: LoggedResult;
  error?: string;
}

/** The result without its timings. */
export function loggedResult(result: EvaluationJson): LoggedResult {
  const { timingsMs: _timings, ...rest } = result;
  return rest;
}

/** One line of the log, with its fields in the contract's order. */
export function encodeCaseLine(line: CaseLine): string {
  const head = { case: line.case, predSha256: line.predSha256, gtSha256: line.gtSha256, optionsSha256: line.optionsSha256 };
  return JSON.stringify(line.error !== undefined ? { ...head, error: line.error } : { ...head, result: line.result });
}

/** A line of a log, or null when it is not one (a torn or foreign line). */
export function parseCaseLine(text: string): CaseLine | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  const hash = (x: unknown) => x === null || (typeof x === 'string' && /^[0-9a-f]{64}$/.test(x));
  if (typeof o.case !== 'string' || !hash(o.predSha256) || !hash(o.gtSha256) || typeof o.optionsSha256 !== 'string') return null;
  const hasResult = typeof o.result === 'object' && o.result !== null && !Array.isArray(o.result);
  const hasError = typeof o.error === 'string';
  if (hasResult === hasError) return null;
  return o as unknown as CaseLine;
}

/** SHA-256 of a file's bytes, hex, read as a stream. */
export function fileSha256(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path, { highWaterMark: 1 << 20 })
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** JSON with object keys sorted at every level (undefined dropped): the text the options hash covers. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}

/** SHA-256 of the canonical JSON of the evaluation options. */
export function optionsSha256(options: object): string {
  return createHash('sha256').update(canonicalJson(options)).digest('hex');
}

interface Entry {
  offset: number;
  length: number;
  /** `pred:gt:options` hashes of the line */
  hashes: string;
  ok: boolean;
}

const hashKey = (pred: string | null, gt: string | null, options: string) => `${pred}:${gt}:${options}`;

/** Reads a file's complete lines with their byte offsets; returns where the last complete line ends. */
export function scanLines(fd: number, visit: (text: string, offset: number, length: number) => void): number {
  const chunk = Buffer.allocUnsafe(1 << 20);
  let pending: Buffer[] = [];
  let pendingLength = 0;
  let lineStart = 0;
  let position = 0;
  for (;;) {
    const n = fs.readSync(fd, chunk, 0, chunk.length, position);
    if (n === 0) break;
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, from);
      if (nl < 0 || nl >= n) break;
      const piece = chunk.subarray(from, nl);
      const bytes = pendingLength ? Buffer.concat([...pending, piece]) : piece;
      visit(bytes.toString('utf8'), lineStart, bytes.length + 1);
      lineStart += bytes.length + 1;
      pending = [];
      pendingLength = 0;
      from = nl + 1;
    }
    if (from < n) {
      pending.push(Buffer.from(chunk.subarray(from, n)));
      pendingLength += n - from;
    }
    position += n;
  }
  return lineStart;
}

export interface CaseLogStats {
  /** complete lines read from an earlier run */
  linesRead: number;
  /** bytes of a torn last line cut off */
  tornBytes: number;
}

export class CaseLog {
  private readonly index = new Map<string, Entry>();
  private size = 0;
  private unsynced = 0;
  private lastSync = Date.now();
  private closed = false;

  private constructor(
    readonly path: string,
    private fd: number,
    readonly stats: CaseLogStats,
  ) {}

  /** Opens (or creates) a log, reading what an earlier run left and cutting off a torn last line. */
  static open(path: string): CaseLog {
    const tmp = `${path}.tmp`;
    if (existsSync(tmp)) unlinkSync(tmp); // a rewrite that was killed: the log itself is whole
    const fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
    const stats: CaseLogStats = { linesRead: 0, tornBytes: 0 };
    const log = new CaseLog(path, fd, stats);
    const end = scanLines(fd, (text, offset, length) => {
      stats.linesRead++;
      const line = parseCaseLine(text);
      if (line) log.index.set(line.case, { offset, length, hashes: hashKey(line.predSha256, line.gtSha256, line.optionsSha256), ok: line.result !== undefined });
    });
    const size = fs.fstatSync(fd).size;
    if (size > end) {
      stats.tornBytes = size - end;
      fs.ftruncateSync(fd, end);
      fs.fsyncSync(fd);
    }
    log.size = end;
    return log;
  }

  /** Whether the log holds a result for the case with these hashes (a resumed case). */
  has(key: string, predSha256: string | null, gtSha256: string | null, options: string): boolean {
    const e = this.index.get(key);
    return !!e && e.ok && predSha256 !== null && gtSha256 !== null && e.hashes === hashKey(predSha256, gtSha256, options);
  }

  /** Appends one case's line (a whole line in one write); it supersedes any earlier line of the case. */
  append(line: CaseLine): void {
    if (this.closed) throw new Error(`${this.path}: the case log is closed`);
    const buf = Buffer.from(`${encodeCaseLine(line)}\n`, 'utf8');
    let written = 0;
    while (written < buf.length) written += fs.writeSync(this.fd, buf, written, buf.length - written, this.size + written);
    this.index.set(line.case, { offset: this.size, length: buf.length, hashes: hashKey(line.predSha256, line.gtSha256, line.optionsSha256), ok: line.result !== undefined });
    this.size += buf.length;
    this.unsynced++;
    if (this.unsynced >= 256 || Date.now() - this.lastSync >= 1000) this.sync();
  }

  sync(): void {
    if (this.unsynced === 0) return;
    fs.fdatasyncSync(this.fd);
    this.unsynced = 0;
    this.lastSync = Date.now();
  }

  /** The stored text of a case's line (without the newline), or undefined. */
  read(key: string): string | undefined {
    const e = this.index.get(key);
    if (!e) return undefined;
    const buf = Buffer.allocUnsafe(e.length - 1);
    fs.readSync(this.fd, buf, 0, buf.length, e.offset);
    return buf.toString('utf8');
  }

  /**
   * Ends the run: visits the line of every case of `order` that has one, in that order, and, when
   * `rewrite`, replaces the log by exactly those lines in that order (tmp file, fsync, rename).
   * Returns how many cases of the log are not in `order` (their lines are not kept).
   */
  finish(order: readonly string[], visit: (key: string, text: string) => void, { rewrite = true }: { rewrite?: boolean } = {}): { dropped: number } {
    this.sync();
    const wanted = new Set(order);
    let dropped = 0;
    for (const key of this.index.keys()) if (!wanted.has(key)) dropped++;
    const tmp = `${this.path}.tmp`;
    const out = rewrite ? fs.openSync(tmp, 'w', 0o644) : -1;
    try {
      let position = 0;
      for (const key of order) {
        const text = this.read(key);
        if (text === undefined) continue;
        visit(key, text);
        if (out >= 0) {
          const buf = Buffer.from(`${text}\n`, 'utf8');
          let written = 0;
          while (written < buf.length) written += fs.writeSync(out, buf, written, buf.length - written, position + written);
          position += buf.length;
        }
      }
      if (out >= 0) fs.fsyncSync(out);
    } finally {
      if (out >= 0) fs.closeSync(out);
      this.close();
    }
    if (rewrite) {
      renameSync(tmp, this.path);
      syncDirectory(dirname(this.path));
    }
    return { dropped };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }
}

function syncDirectory(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // not every file system lets a directory be fsync'ed
  }
}

/** Writes a small file atomically (tmp + rename). */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

// ---------------------------------------------------------------------------------------------
// The run file beside the log: what `merge` needs that the lines do not carry

/** `FILE.jsonl` → `FILE.run.json` (any other name: `NAME.run.json`). */
export function runFilePath(logPath: string): string {
  return `${logPath.replace(/\.jsonl$/i, '')}.run.json`;
}

export interface RunFile {
  format: 'segscope-run';
  version: 1;
  /** the evaluation options, as the options hash covers them */
  options: Record<string, unknown>;
  optionsSha256: string;
  /** the empty-class rule the run reported with */
  empty: string;
  shard: { index: number; count: number; source: string; arrayTaskMin?: number } | null;
  /** false while the run goes; true once every case of the run has its line and the log is in case order */
  complete: boolean;
  /** the cases of this run (this shard) */
  cases: number;
}

export function readRunFile(logPath: string): RunFile | null {
  const path = runFilePath(logPath);
  if (!existsSync(path)) return null;
  try {
    const v = JSON.parse(fs.readFileSync(path, 'utf8')) as RunFile;
    return v && v.format === 'segscope-run' ? v : null;
  } catch {
    return null;
  }
}

export function writeRunFile(logPath: string, run: RunFile): void {
  writeFileAtomic(runFilePath(logPath), `${JSON.stringify(run, null, 2)}\n`);
}
