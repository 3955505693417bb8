import { Worker } from 'node:worker_threads';

/**
 * The one helper thread of the synchronous kernels (the distance transform's passes, the fused
 * per-pixel pass). A kernel splits its work into independent parts, posts the first half of them
 * to the helper, runs the rest on this thread and waits for the helper with Atomics.wait, so the
 * kernels stay plain synchronous functions. The helper runs a task's own functions, sent as source
 * (Function.prototype.toString): a task's functions use nothing but their arguments, each other
 * and globals. Their arguments travel by structured clone, so whatever the helper writes must be
 * in shared memory (sharedCopy, or a SharedArrayBuffer the caller made).
 */
export interface HelperTask<A> {
  readonly name: string;
  /** an expression that evaluates to the task's entry, (args, from, to) => void */
  readonly source: string;
  /** phantom: the arguments' type */
  readonly args?: A;
}

/**
 * A task from its entry and every function the entry calls (directly or not): the helper gets
 * their declarations and calls the entry with (args, from, to) for its half of the parts.
 */
export function helperTask<A>(name: string, entry: (args: A, from: number, to: number) => void, calls: readonly ((...a: never[]) => unknown)[]): HelperTask<A> {
  return { name, source: `(() => {\n${calls.map(String).join('\n')}\nreturn (${String(entry)});\n})()` };
}

const threading = { threads: 2, minSize: 1 << 18 };

/**
 * How many threads the kernels may use (1 or 2) and from which array size (pixels) the split
 * pays. Callers that already keep every core busy (the folder mode's worker pool) set 1.
 */
export function configureKernelThreads(threads: number, minSize = threading.minSize): { threads: number; minSize: number } {
  const before = { ...threading };
  threading.threads = threads;
  threading.minSize = minSize;
  return before;
}

/** Whether an array of `size` elements is split between two threads under the current settings. */
export function useHelperFor(size: number): boolean {
  return threading.threads >= 2 && size >= threading.minSize;
}

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const tasks = new Map();
parentPort.on('message', (m) => {
  if (m.define !== undefined) {
    try { tasks.set(m.define, new Function('return ' + m.source)()); } catch { /* reported when the task runs */ }
    return;
  }
  let state = 1;
  try {
    tasks.get(m.task)(m.args, m.from, m.to);
  } catch {
    state = 2;
  }
  Atomics.store(m.done, 0, state);
  Atomics.notify(m.done, 0);
});
`;

let helper: Worker | null = null;
let helperBroken = false;
const defined = new Set<string>();
/** parts run on the helper since this module loaded (tests read it to know the helper ran) */
let partsOnHelper = 0;
const done = new Int32Array(new SharedArrayBuffer(4));

function helperThread(): Worker | null {
  if (helperBroken) return null;
  if (!helper) {
    try {
      helper = new Worker(WORKER_SOURCE, { eval: true });
      helper.unref();
      helper.on('error', () => dropHelper());
      defined.clear();
    } catch {
      helperBroken = true;
      return null;
    }
  }
  return helper;
}

function dropHelper(): void {
  helperBroken = true;
  if (helper) void helper.terminate();
  helper = null;
}

/**
 * Runs parts [0, total) of `task`: [0, ⌊total/2⌋) on the helper and the rest here with `runHere`,
 * or all of them here when there is no helper. A helper that fails or never answers is dropped
 * and its parts are run here, so the result never depends on it.
 */
export function runSplit<A>(task: HelperTask<A>, args: A, total: number, runHere: (from: number, to: number) => void): void {
  const half = Math.floor(total / 2);
  const worker = half > 0 ? helperThread() : null;
  if (!worker) {
    runHere(0, total);
    return;
  }
  define(worker, task as HelperTask<unknown>);
  Atomics.store(done, 0, 0);
  worker.postMessage({ task: task.name, args, from: 0, to: half, done });
  const t0 = performance.now();
  runHere(half, total);
  // A healthy helper finishes about when this thread does; one that never answers (it crashed
  // before it could say so) is dropped after a generous wait.
  const patienceMs = Math.max(30_000, 20 * (performance.now() - t0));
  const waited = Atomics.wait(done, 0, 0, patienceMs);
  if (waited === 'timed-out' || Atomics.load(done, 0) !== 1) {
    dropHelper();
    runHere(0, half);
    return;
  }
  partsOnHelper += half;
}

/**
 * Starts the helper now, when a large array is on its way (a worker takes tens of milliseconds to
 * boot: started with the decoding, it is up by the time the first split comes), and sends it the
 * tasks' sources so that it compiles them meanwhile.
 */
export function startHelper(tasks: readonly HelperTask<unknown>[] = []): void {
  if (threading.threads < 2) return;
  const worker = helperThread();
  if (worker) for (const task of tasks) define(worker, task);
}

function define(worker: Worker, task: HelperTask<unknown>): void {
  if (defined.has(task.name)) return;
  worker.postMessage({ define: task.name, source: task.source });
  defined.add(task.name);
}

export function helperPartCount(): number {
  return partsOnHelper;
}

type SharedArrayType = Uint8Array | Int32Array | Float32Array | Float64Array;
const scratch = new Map<string, SharedArrayType>();

/**
 * `data` in shared memory, for the helper to read: itself when it already is, else a copy in a
 * scratch buffer kept per `slot` and grown as needed (a copy costs a fraction of a pass: memcpy speed).
 */
export function sharedCopy<T extends SharedArrayType>(slot: string, data: T): T {
  if (data.buffer instanceof SharedArrayBuffer) return data;
  const Ctor = data.constructor as { new (buffer: SharedArrayBuffer, offset?: number, length?: number): T; BYTES_PER_ELEMENT: number };
  let buf = scratch.get(slot);
  if (!buf || buf.constructor !== Ctor || buf.length < data.length) {
    buf = new Ctor(new SharedArrayBuffer(data.length * Ctor.BYTES_PER_ELEMENT));
    scratch.set(slot, buf);
  }
  const view = buf.subarray(0, data.length) as T;
  view.set(data);
  return view;
}
