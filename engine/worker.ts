/**
 * worker_threads entry (dist/engineWorker.js): the sessions of engine/pool.ts. Each session is one
 * decoded, prepared pair (engine/session.ts); a ground truth shared by several sessions is decoded
 * once (engine/maskCache.ts). Requests for a session wait for its `open`; failures are replies,
 * never an uncaught error.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { MaskInputError } from '../formats/types.js';
import { configureKernelThreads } from '../kernels/helperThread.js';
import { calibration, describeChoice } from './backendCalibration.js';
import { MaskCache } from './maskCache.js';
import { decodeNotebookArray } from './notebookArrays.js';
import { presentCurves, presentOverlay, presentResult } from './present.js';
import { EvaluationSession, loadOptionsOf } from './session.js';
import type { EngineCalls, EngineCall, EngineReply, EngineRequest, EngineWorkerData, PairRequest } from './workerMessages.js';

const threads = (workerData as EngineWorkerData | null)?.kernelThreads;
if (threads) configureKernelThreads(threads);

const cache = new MaskCache();
/** each open session, and the files it holds in the cache (none for a notebook's arrays) */
const sessions = new Map<number, { pair?: PairRequest; session: Promise<EvaluationSession> }>();

function openSession(pair: PairRequest): Promise<EvaluationSession> {
  return EvaluationSession.open(pair.predPath, pair.gtPath, pair.options, cache.acquire);
}

function releaseFiles(pair: PairRequest): void {
  const options = loadOptionsOf(pair.options);
  cache.release(pair.predPath, options);
  cache.release(pair.gtPath, options);
}

function sessionOf(id: number): Promise<EvaluationSession> {
  const entry = sessions.get(id);
  if (!entry) throw new Error(`no session ${id} is open in this worker`);
  return entry.session;
}

type Handler<K extends EngineCall> = (request: Extract<EngineRequest, { type: K }>) => Promise<EngineCalls[K]['reply']>;

const handlers: { [K in EngineCall]: Handler<K> } = {
  async open(r) {
    const pair = { predPath: r.predPath, gtPath: r.gtPath, options: r.options };
    const session = openSession(pair);
    sessions.set(r.session, { pair, session });
    try {
      await session;
    } catch (e) {
      sessions.delete(r.session);
      releaseFiles(pair);
      throw e;
    }
    return null;
  },
  async openMasks(r) {
    const pred = decodeNotebookArray('pred', r.payload.pred);
    const gt = decodeNotebookArray('gt', r.payload.gt);
    const session = EvaluationSession.open('pred', 'gt', r.options, async (name) => (name === 'pred' ? pred : gt));
    sessions.set(r.session, { session });
    try {
      await session;
    } catch (e) {
      sessions.delete(r.session);
      throw e;
    }
    return null;
  },
  result: async (r) => presentResult(await (await sessionOf(r.session)).result()),
  overlay: async (r) => presentOverlay((await sessionOf(r.session)).overlay(r.overlay)),
  curves: async (r) => presentCurves(await (await sessionOf(r.session)).curves()),
  async close(r) {
    const entry = sessions.get(r.session);
    if (entry) {
      sessions.delete(r.session);
      if (entry.pair) releaseFiles(entry.pair);
    }
    return null;
  },
  async evaluate(r) {
    const pair = { predPath: r.predPath, gtPath: r.gtPath, options: r.options };
    try {
      return presentResult(await (await openSession(pair)).result());
    } finally {
      releaseFiles(pair);
    }
  },
  stats: async () => ({ loads: cache.loads, sessions: sessions.size }),
  async calibrate(r) {
    const c = await calibration(r.file);
    return { backend: c.chosen, why: describeChoice(c) };
  },
};

function failure(e: unknown): Extract<EngineReply, { ok: false }>['error'] {
  const userError = e instanceof MaskInputError;
  return { file: userError ? e.file : '', message: e instanceof Error ? e.message : String(e), userError };
}

parentPort?.on('message', async (request: EngineRequest) => {
  let reply: EngineReply;
  try {
    const handle = handlers[request.type] as Handler<EngineCall>;
    reply = { id: request.id, ok: true, value: await handle(request as never) };
  } catch (e) {
    reply = { id: request.id, ok: false, error: failure(e) };
  }
  parentPort!.postMessage(reply);
});
