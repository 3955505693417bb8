import { parentPort, workerData } from 'node:worker_threads';
import { configureDistanceThreads } from '../kernels/otherSideDistance.js';
import { MaskInputError } from '../formats/types.js';
import { evaluateFiles, type EvaluateFilesOptions } from './evaluateFiles.js';
import { toJsonDocument } from './jsonDocument.js';

/** A request to the evaluation worker (dist/evaluateWorker.js). */
export interface WorkerRequest {
  id: number;
  predPath: string;
  gtPath: string;
  options: EvaluateFilesOptions;
}

/** Its reply: the CLI's JSON document, or the user-facing error (never a stack trace). */
export type WorkerReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { file: string; message: string; userError: boolean } };

const threads = (workerData as { distanceThreads?: number } | null)?.distanceThreads;
if (threads) configureDistanceThreads(threads);

parentPort?.on('message', async (request: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    const result = await evaluateFiles(request.predPath, request.gtPath, request.options);
    reply = { id: request.id, ok: true, result: toJsonDocument(result) };
  } catch (error) {
    const userError = error instanceof MaskInputError;
    reply = {
      id: request.id,
      ok: false,
      error: {
        file: userError ? error.file : '',
        message: error instanceof Error ? error.message : String(error),
        userError,
      },
    };
  }
  parentPort!.postMessage(reply);
});
