/**
 * What `--backend auto` runs where a per-machine measurement is kept (the extension keeps one in
 * its global storage): every backend that loads here is run once on the same two calibration
 * pairs, its losses checked against the float64 reference within the golden tolerance
 * (test/golden/README.md), and the fastest correct one is chosen (reference, which is exact,
 * unless another is at least REFERENCE_MARGIN times faster). The measurement is cached in a
 * JSON file keyed by the machine (CPU, cores, platform, Node, X display) and taken again when the
 * key changes; a named backend (the segscope.backend setting) overrides it. Without a file, auto
 * runs `reference` (kernels/backends.ts says why).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { arch, cpus, platform } from 'node:os';
import { dirname } from 'node:path';
import { backendFor } from '../kernels/backendFor.js';
import { availableBackends, GPU_BACKENDS } from '../kernels/backends.js';
import { evaluate, type Backend } from '../kernels/evaluate.js';
import { LOSS_IDS, LOSSES } from '../kernels/registry.js';
import type { BackendName, EvaluateOptions, LossId, NdArray } from '../kernels/types.js';

export interface BackendTrial {
  backend: BackendName;
  /** the calibration pairs' evaluation, fastest of TIMED_ROUNDS, ms (backends that ran) */
  ms?: number;
  /** whether every loss agreed with reference within the golden tolerance */
  correct?: boolean;
  /** why it was not chosen: unavailable, wrong values, failed */
  problem?: string;
}

export interface Calibration {
  version: 1;
  machine: string;
  measuredAt: string;
  chosen: BackendName;
  trials: BackendTrial[];
}

/** The per-pixel losses: the only ones whose work moves between backends. */
const CALIBRATION_LOSSES: LossId[] = LOSS_IDS.filter((id) => LOSSES[id].sums.length > 0);
const TIMED_ROUNDS = 5;
/** how much faster than reference another backend must be to be chosen */
const REFERENCE_MARGIN = 1.1;

/** The machine a measurement holds for. */
export function machineKey(): string {
  const cpu = cpus();
  return [cpu[0]?.model ?? 'unknown CPU', `${cpu.length} cores`, `${platform()}-${arch()}`, `node ${process.version}`, process.env.DISPLAY ? 'X display' : 'no X display'].join('; ');
}

/** Two fixed pairs: a binary probability map and a 4-class softmax map, with a few ignored pixels. */
function calibrationPairs(): { pred: NdArray; target: NdArray; options: EvaluateOptions }[] {
  let seed = 12345;
  const random = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const binaryShape = [512, 512];
  const n = 512 * 512;
  const target = Uint8Array.from({ length: n }, (_, i) => (Math.hypot((i % 512) - 256, Math.floor(i / 512) - 256) < 120 ? 1 : 0));
  // probabilities at least 0.01 away from 0.5, so no hard label depends on float32 rounding
  const probs = Float32Array.from(target, (t) => {
    const p = t ? 0.51 + 0.48 * random() : 0.01 + 0.48 * random();
    return random() < 0.1 ? 1 - p : p;
  });
  const C = 4;
  const m = 256 * 256;
  const labels = Uint8Array.from({ length: m }, (_, i) => (random() < 0.02 ? 255 : Math.min(C - 1, Math.floor(((i % 256) / 256) * C))));
  const planes = new Float32Array(C * m);
  for (let i = 0; i < m; i++) {
    const y = labels[i] === 255 ? 0 : labels[i];
    const raw = Array.from({ length: C }, (_, c) => (c === y ? 2 : 0) + random());
    const total = raw.reduce((a, b) => a + b, 0);
    raw.forEach((v, c) => (planes[c * m + i] = v / total));
  }
  return [
    { pred: { shape: binaryShape, data: probs, integer: false, dtype: '<f4' }, target: { shape: binaryShape, data: target, integer: true, dtype: '|u1' }, options: { losses: CALIBRATION_LOSSES } },
    { pred: { shape: [C, 256, 256], data: planes, integer: false, dtype: '<f4' }, target: { shape: [256, 256], data: labels, integer: true, dtype: '|u1' }, options: { losses: CALIBRATION_LOSSES } },
  ];
}

function agrees(got: number, want: number): boolean {
  if (!Number.isFinite(want) || !Number.isFinite(got)) return Object.is(got, want);
  return Math.abs(got - want) <= Math.max(1e-4 * Math.max(Math.abs(got), Math.abs(want)), 1e-6);
}

/**
 * Measures every backend that loads here and chooses the fastest correct one. Each backend runs
 * the pairs once to compile and check, then TIMED_ROUNDS rounds take every backend in turn and
 * each keeps its fastest round: interference from the rest of the machine (an editor starting up)
 * then falls on all of them alike instead of on whichever ran at that moment.
 */
export async function calibrateBackends(now: Date = new Date()): Promise<Calibration> {
  const pairs = calibrationPairs();
  const runAll = async (backend: Backend) => {
    const results = [];
    for (const p of pairs) results.push(await evaluate(p.pred, p.target, p.options, {}, backend));
    return results;
  };
  const reference = await backendFor('reference');
  const expected = await runAll(reference);
  const trials: BackendTrial[] = [{ backend: 'reference', correct: true }];
  const timed = new Map<BackendTrial, Backend>([[trials[0], reference]]);
  const availability = await availableBackends();
  for (const name of GPU_BACKENDS) {
    const status = availability[name];
    if (!status.available) {
      trials.push({ backend: name, problem: `unavailable: ${status.reason ?? 'no reason given'}` });
      continue;
    }
    try {
      const backend = await backendFor(name);
      const wrong = (await runAll(backend)).flatMap((r, k) =>
        CALIBRATION_LOSSES.filter((id) => !agrees(r.losses[id] as number, expected[k].losses[id] as number)).map((id) => `${id} ${r.losses[id]} against ${expected[k].losses[id]}`),
      );
      const trial: BackendTrial = { backend: name, correct: wrong.length === 0, ...(wrong.length ? { problem: `wrong values (${wrong.slice(0, 2).join('; ')})` } : {}) };
      trials.push(trial);
      timed.set(trial, backend);
    } catch (error) {
      trials.push({ backend: name, problem: `failed: ${String((error as Error).message ?? error).split('\n')[0]}` });
    }
  }
  for (let round = 0; round < TIMED_ROUNDS; round++) {
    for (const [trial, backend] of timed) {
      const t0 = performance.now();
      await runAll(backend);
      trial.ms = Math.min(trial.ms ?? Infinity, performance.now() - t0);
    }
  }
  const fastest = trials.filter((t) => t.correct && t.ms !== undefined).reduce((best, t) => (t.ms! < best.ms! ? t : best));
  // reference is exact (float64): a float32 backend must be clearly faster, not faster by noise
  const chosen = fastest.ms! * REFERENCE_MARGIN < trials[0].ms! ? fastest.backend : 'reference';
  return { version: 1, machine: machineKey(), measuredAt: now.toISOString(), chosen, trials };
}

function isCalibration(x: unknown): x is Calibration {
  const c = x as Calibration;
  return typeof c === 'object' && c !== null && c.version === 1 && typeof c.machine === 'string' && typeof c.measuredAt === 'string' && (['reference', ...GPU_BACKENDS] as string[]).includes(c.chosen) && Array.isArray(c.trials);
}

/** The cached measurement in `file` when it is for this machine, else undefined (a missing or unreadable file included). */
export function readCalibration(file: string): Calibration | undefined {
  try {
    const c = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return isCalibration(c) && c.machine === machineKey() ? c : undefined;
  } catch {
    return undefined;
  }
}

const measuring = new Map<string, Promise<Calibration>>();

/** This machine's measurement: from `file`, or measured now (once per process and file) and written there. */
export function calibration(file: string, measure: () => Promise<Calibration> = calibrateBackends): Promise<Calibration> {
  const cached = readCalibration(file);
  if (cached) return Promise.resolve(cached);
  let pending = measuring.get(file);
  if (!pending) {
    pending = measure().then((c) => {
      try {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(`${file}.tmp`, JSON.stringify(c, null, 1));
        renameSync(`${file}.tmp`, file);
      } catch {
        // an unwritable cache: measured again next time
      }
      return c;
    });
    pending.finally(() => measuring.delete(file)).catch(() => undefined);
    measuring.set(file, pending);
  }
  return pending;
}

const fmtMs = (ms: number) => (ms < 10 ? ms.toFixed(1) : ms.toFixed(0));

/** Why auto ran what it ran, in one sentence for the results panel. */
export function describeChoice(c: Calibration): string {
  const timed = c.trials.filter((t) => t.ms !== undefined).sort((a, b) => a.ms! - b.ms!);
  const times = timed.map((t) => `${t.backend} ${fmtMs(t.ms!)} ms${t.correct ? '' : ' (wrong values)'}`).join(', ');
  const unavailable = c.trials.filter((t) => t.ms === undefined).map((t) => t.backend);
  return (
    `auto chose ${c.chosen}: ${c.chosen === 'reference' ? `exact, and no other backend was ${Math.round((REFERENCE_MARGIN - 1) * 100)} % faster` : 'the fastest correct backend'} on this machine (measured ${c.measuredAt.slice(0, 10)}: ${times}` +
    `${unavailable.length ? `; not available here: ${unavailable.join(', ')}` : ''}); set segscope.backend to choose one`
  );
}
