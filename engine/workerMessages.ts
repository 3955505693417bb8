/**
 * The typed request/response protocol between engine/pool.ts and its worker threads
 * (engine/worker.ts, bundled as dist/engineWorker.js). Node side only; every reply carries the id
 * of its request. Values are already view models (engine/present.ts), ready to post to a webview.
 */
import type { OverlayRequest } from '../kernels/overlay.js';
import type { BackendName } from '../kernels/types.js';
import type { CurveSet, EvaluationJson, MasksPayload, OverlayData } from '../protocol/messages.js';
import type { EvaluateFilesOptions } from './session.js';

export interface PairRequest {
  predPath: string;
  gtPath: string;
  options: EvaluateFilesOptions;
}

export interface EngineStats {
  /** mask files read and decoded by this worker since it started */
  loads: number;
  /** sessions open in this worker */
  sessions: number;
}

/** Each request type with its answer. */
export interface EngineCalls {
  /** open a session: decode and prepare the pair once */
  open: { request: PairRequest & { session: number }; reply: null };
  /** open a session on a notebook's arrays (docs/spec/notebook.md), named `pred` and `gt` in messages */
  openMasks: { request: { session: number; payload: MasksPayload; options: EvaluateFilesOptions }; reply: null };
  result: { request: { session: number }; reply: EvaluationJson };
  overlay: { request: { session: number; overlay: OverlayRequest }; reply: OverlayData };
  curves: { request: { session: number }; reply: CurveSet[] };
  close: { request: { session: number }; reply: null };
  /** open, result, close in one: folder mode's pairs */
  evaluate: { request: PairRequest; reply: EvaluationJson };
  stats: { request: Record<string, never>; reply: EngineStats };
  /** this machine's backend measurement, from the file or measured now and kept there (engine/backendCalibration.ts) */
  calibrate: { request: { file: string }; reply: { backend: BackendName; why: string } };
}

export type EngineCall = keyof EngineCalls;

export type EngineRequest = { [K in EngineCall]: { id: number; type: K } & EngineCalls[K]['request'] }[EngineCall];

export interface EngineFailure {
  /** the file a user error names ('' when none) */
  file: string;
  message: string;
  /** a bad input (MaskInputError), as opposed to an internal failure */
  userError: boolean;
}

export type EngineReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: EngineFailure };

export interface EngineWorkerData {
  /** threads each pair's kernels may use (kernels/helperThread.ts; 1 when several pairs run at once) */
  kernelThreads?: number;
}
