/**
 * Progress of a folder run on stderr (docs/spec/cli.md, Folders): a cli-progress bar when stderr is
 * a terminal, otherwise (a batch job's log) one line every 10 seconds, plus one at the end.
 */
import cliProgress from 'cli-progress';
import type { FolderProgress } from './folders.js';

export interface ProgressSink {
  update(p: FolderProgress): void;
  stop(p?: FolderProgress): void;
}

function rate(done: number, seconds: number): string {
  return seconds > 0 ? `${(done / seconds).toFixed(1)} cases/s` : '';
}

function duration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The line a non-terminal gets: `segscope: 120/5000 cases (2.4%), 3 failed, 0 resumed, 12.3 cases/s, ETA 6m40s`. */
export function progressLine(p: FolderProgress, seconds: number): string {
  const pct = p.total ? ((100 * p.done) / p.total).toFixed(1) : '100.0';
  const computed = p.done - p.resumed;
  const eta = computed > 0 ? ((p.total - p.done) * seconds) / computed : NaN;
  return `segscope: ${p.done}/${p.total} cases (${pct}%), ${p.failed} failed, ${p.resumed} resumed, ${rate(computed, seconds)}, ETA ${duration(eta)}`;
}

export function createProgress(
  stream: NodeJS.WriteStream = process.stderr,
  { intervalMs = 10_000, tty = !!stream.isTTY }: { intervalMs?: number; tty?: boolean } = {},
): ProgressSink {
  const t0 = Date.now();
  if (tty) {
    const bar = new cliProgress.SingleBar(
      { stream, format: 'segscope {bar} {value}/{total} cases | {failed} failed | {resumed} resumed | {eta_formatted} left', hideCursor: true, clearOnComplete: false, etaBuffer: 50 },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(p) {
        if (!started) {
          bar.start(p.total, 0, { failed: 0, resumed: 0 });
          started = true;
        }
        bar.update(p.done, { failed: p.failed, resumed: p.resumed });
      },
      stop(p) {
        if (started) {
          if (p) bar.update(p.done, { failed: p.failed, resumed: p.resumed });
          bar.stop();
        }
      },
    };
  }
  // a line every interval, whether or not a case finished in it (a long case still shows the run is alive)
  let latest: FolderProgress | undefined;
  const timer = setInterval(() => {
    if (latest) stream.write(`${progressLine(latest, (Date.now() - t0) / 1000)}\n`);
  }, intervalMs);
  timer.unref();
  return {
    update(p) {
      latest = p;
    },
    stop(p) {
      clearInterval(timer);
      const final = p ?? latest;
      // nothing when the run never started (a bad argument: its one line is the error)
      if (final) stream.write(`${progressLine(final, (Date.now() - t0) / 1000)}\n`);
    },
  };
}
