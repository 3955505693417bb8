/**
 * The one worker pool of the node side: the CLI's folder mode, the results panel and the views to
 * come all evaluate through it. Typed request/response with ids (engine/workerMessages.ts);
 * cancellation through an AbortSignal (the worker running the request is terminated and replaced:
 * synchronous kernels cannot be interrupted otherwise); a worker that dies is replaced and its
 * requests fail with a message. Sessions stick to one worker, and sessions of the same ground truth
 * to the same worker, so that worker decodes it once.
 */
import { Worker } from 'node:worker_threads';
import type { OverlayRequest } from '../kernels/overlay.js';
import type { MasksPayload } from '../protocol/messages.js';
import type { EvaluateFilesOptions } from './session.js';
import type { EngineCall, EngineCalls, EngineFailure, EngineReply, EngineRequest, EngineStats, EngineWorkerData } from './workerMessages.js';

/** A failure the engine reported: a bad input (`userError`, naming `file`) or an internal error. */
export class EngineError extends Error {
  constructor(
    readonly file: string | undefined,
    message: string,
    readonly userError: boolean,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

export class EngineCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'EngineCancelled';
  }
}

/** The message of an engine failure, naming the file unless the message already does. */
export function errorText(file: string | undefined, message: string): string {
  if (!file || message.includes(file)) return message;
  return `${file}: ${message}`;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

class PoolWorker {
  readonly worker: Worker;
  readonly pending = new Map<number, Pending>();
  /** sessions living in this worker */
  readonly sessions = new Set<number>();
  alive = true;

  constructor(script: string, data: EngineWorkerData, onDeath: (w: PoolWorker, why: string) => void) {
    this.worker = new Worker(script, { workerData: data });
    this.worker.on('message', (reply: EngineReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.value);
      else p.reject(failureError(reply.error));
    });
    this.worker.on('error', (e) => onDeath(this, `failed: ${e.message}`));
    this.worker.on('exit', (code) => onDeath(this, `exited with code ${code}`));
  }

  kill(reason: (id: number) => Error): void {
    this.alive = false;
    for (const [id, p] of this.pending) p.reject(reason(id));
    this.pending.clear();
    this.sessions.clear();
    void this.worker.terminate();
  }
}

function failureError(f: EngineFailure): EngineError {
  const file = f.file || undefined;
  return new EngineError(file, errorText(file, f.message), f.userError);
}

export interface PoolOptions {
  /** dist/engineWorker.js */
  script: string;
  size: number;
  workerData?: EngineWorkerData;
  /**
   * Where this machine's backend measurement is kept (engine/backendCalibration.ts): with it, a
   * request for `auto` runs the backend measured fastest and correct here, measured once by one worker.
   */
  calibrationFile?: string;
}

type Payload<K extends EngineCall> = EngineCalls[K]['request'];

export class WorkerPool {
  private readonly workers: PoolWorker[] = [];
  private nextId = 1;
  private nextSession = 1;
  /** each open session's ground truth, for placing sessions of the same one together */
  private readonly sessionGt = new Map<number, string>();
  private disposed = false;

  constructor(private readonly config: PoolOptions) {
    for (let i = 0; i < Math.max(1, config.size); i++) this.workers.push(this.spawn());
  }

  get size(): number {
    return this.workers.length;
  }

  private spawn(): PoolWorker {
    return new PoolWorker(this.config.script, this.config.workerData ?? {}, (w, why) => this.died(w, why));
  }

  private died(w: PoolWorker, why: string): void {
    if (!w.alive) return;
    w.kill(() => new EngineError(undefined, `the evaluation worker ${why} before answering`, false));
    this.replace(w);
  }

  private replace(w: PoolWorker): void {
    const i = this.workers.indexOf(w);
    if (i >= 0 && !this.disposed) this.workers[i] = this.spawn();
  }

  /** The worker with the fewest requests in flight. */
  private leastBusy(): PoolWorker {
    return this.workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  }

  /** Sends one request to `worker` (default: the least busy one). */
  call<K extends EngineCall>(type: K, payload: Payload<K>, { signal, worker }: { signal?: AbortSignal; worker?: PoolWorker } = {}): Promise<EngineCalls[K]['reply']> {
    if (this.disposed) return Promise.reject(new EngineError(undefined, 'the evaluation workers were stopped', false));
    if (signal?.aborted) return Promise.reject(new EngineCancelled());
    const w = worker ?? this.leastBusy();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        if (!w.pending.has(id)) return;
        // the kernels run synchronously in the worker: stop it, and say so to its other requests
        w.kill((other) => (other === id ? new EngineCancelled() : new EngineError(undefined, 'the evaluation worker was restarted (another evaluation was cancelled); try again', false)));
        this.replace(w);
      };
      w.pending.set(id, {
        resolve: (v) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(v as EngineCalls[K]['reply']);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      w.worker.postMessage({ id, type, ...payload } as EngineRequest);
    });
  }

  /** Evaluates one pair in a worker, keeping nothing (folder mode). */
  async evaluate(predPath: string, gtPath: string, options: EvaluateFilesOptions, signal?: AbortSignal): Promise<EngineCalls['evaluate']['reply']> {
    return this.call('evaluate', { predPath, gtPath, options: await this.chooseBackend(options) }, { signal });
  }

  private choice?: Promise<EngineCalls['calibrate']['reply']>;

  /** `options` with `auto` replaced by the backend this machine's measurement chose, and why (PoolOptions.calibrationFile). */
  async chooseBackend(options: EvaluateFilesOptions): Promise<EvaluateFilesOptions> {
    const file = this.config.calibrationFile;
    if (!file || (options.backend ?? 'auto') !== 'auto') return options;
    this.choice ??= this.call('calibrate', { file });
    try {
      const { backend, why } = await this.choice;
      return { ...options, backend, backendChoice: why };
    } catch (e) {
      this.choice = undefined; // measured again next time
      return { ...options, backendChoice: `auto chose reference: measuring the backends on this machine failed (${e instanceof Error ? e.message : String(e)})` };
    }
  }

  /** A session: the pair decoded and prepared once in one worker, then asked for what the views need. */
  openSession(predPath: string, gtPath: string, options: EvaluateFilesOptions): PooledSession {
    const id = this.nextSession++;
    this.sessionGt.set(id, gtPath);
    return new PooledSession(this, id, { kind: 'files', predPath, gtPath, options });
  }

  /** A session on a notebook's arrays (decoded in the worker). */
  openMasksSession(payload: MasksPayload, options: EvaluateFilesOptions): PooledSession {
    return new PooledSession(this, this.nextSession++, { kind: 'masks', payload, options });
  }

  /** The worker for a session: the one already holding a session of the same ground truth, else the least loaded. */
  placeSession(id: number): PoolWorker {
    const gt = this.sessionGt.get(id);
    const sharing = gt === undefined ? undefined : this.workers.find((w) => [...w.sessions].some((s) => s !== id && this.sessionGt.get(s) === gt));
    const w = sharing ?? this.workers.reduce((a, b) => (b.sessions.size + b.pending.size < a.sessions.size + a.pending.size ? b : a));
    w.sessions.add(id);
    return w;
  }

  forgetSession(id: number): void {
    this.sessionGt.delete(id);
  }

  /** Each worker's counters, in worker order. */
  stats(): Promise<EngineStats[]> {
    return Promise.all(this.workers.map((w) => this.call('stats', {}, { worker: w })));
  }

  dispose(): void {
    this.disposed = true;
    for (const w of this.workers) w.kill(() => new EngineError(undefined, 'the evaluation workers were stopped', false));
  }
}

/**
 * A session's handle on the host side. If its worker was replaced (a cancellation, a crash), the
 * next request opens the pair again in a live worker.
 */
export class PooledSession {
  private worker?: PoolWorker;
  private opening?: Promise<PoolWorker>;
  private closed = false;

  constructor(
    private readonly pool: WorkerPool,
    readonly id: number,
    private readonly source:
      | { kind: 'files'; predPath: string; gtPath: string; options: EvaluateFilesOptions }
      | { kind: 'masks'; payload: MasksPayload; options: EvaluateFilesOptions },
  ) {}

  private async live(signal?: AbortSignal): Promise<PoolWorker> {
    if (this.closed) throw new EngineError(undefined, 'this evaluation session was closed', false);
    if (this.worker?.alive && this.worker.sessions.has(this.id)) return this.worker;
    if (!this.opening) {
      const w = this.pool.placeSession(this.id);
      const src = this.source;
      const opened = this.pool.chooseBackend(src.options).then((options) =>
        src.kind === 'files'
          ? this.pool.call('open', { session: this.id, predPath: src.predPath, gtPath: src.gtPath, options }, { signal, worker: w })
          : this.pool.call('openMasks', { session: this.id, payload: src.payload, options }, { signal, worker: w }),
      );
      this.opening = opened
        .then(() => {
          this.worker = w;
          return w;
        })
        .finally(() => {
          this.opening = undefined;
        });
      this.opening.catch(() => w.sessions.delete(this.id));
    }
    return this.opening;
  }

  async result(signal?: AbortSignal): Promise<EngineCalls['result']['reply']> {
    return this.pool.call('result', { session: this.id }, { signal, worker: await this.live(signal) });
  }

  async overlay(request: OverlayRequest, signal?: AbortSignal): Promise<EngineCalls['overlay']['reply']> {
    return this.pool.call('overlay', { session: this.id, overlay: request }, { signal, worker: await this.live(signal) });
  }

  async curves(signal?: AbortSignal): Promise<EngineCalls['curves']['reply']> {
    return this.pool.call('curves', { session: this.id }, { signal, worker: await this.live(signal) });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pool.forgetSession(this.id);
    const w = this.worker;
    if (w?.alive && w.sessions.delete(this.id)) void this.pool.call('close', { session: this.id }, { worker: w }).catch(() => undefined);
  }
}
