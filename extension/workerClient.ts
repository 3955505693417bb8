/**
 * Runs one evaluation in dist/evaluateWorker.js (a worker_threads entry written with the engine):
 * postMessage({id, predPath, gtPath, options}) → {id, ok: true, result} | {id, ok: false, error: {file, message}}.
 * A fresh worker per evaluation keeps the extension host responsive and makes cancellation
 * simple and certain: cancel = terminate the worker. No `vscode` import (the token is structural).
 */
import { Worker } from 'node:worker_threads';
import type { EvaluationJson } from '../webview/protocol.js';
import type { EvaluateFilesOptions } from './settings.js';

/** A user-facing evaluation failure: `file` names the offending file when there is one. */
export class EvaluationError extends Error {
  constructor(
    readonly file: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'EvaluationError';
  }
}

export class EvaluationCancelled extends Error {
  constructor() {
    super('Evaluation cancelled');
    this.name = 'EvaluationCancelled';
  }
}

/** The part of vscode.CancellationToken used here. */
export interface CancelToken {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

let nextId = 1;

/** The message of an evaluation error, naming the file unless the message already does. */
export function errorText(file: string | undefined, message: string): string {
  if (!file || message.includes(file)) return message;
  return `${file}: ${message}`;
}

export function runEvaluation(
  workerPath: string,
  predPath: string,
  gtPath: string,
  options: EvaluateFilesOptions,
  token?: CancelToken,
): Promise<EvaluationJson> {
  return new Promise<EvaluationJson>((resolve, reject) => {
    if (token?.isCancellationRequested) {
      reject(new EvaluationCancelled());
      return;
    }
    const id = nextId++;
    let settled = false;
    let worker: Worker;
    try {
      worker = new Worker(workerPath);
    } catch (e) {
      reject(new EvaluationError(undefined, `could not start the evaluation worker (${workerPath}): ${(e as Error).message}`));
      return;
    }
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      sub?.dispose();
      void worker.terminate();
      fn();
    };
    const sub = token?.onCancellationRequested(() => finish(() => reject(new EvaluationCancelled())));
    worker.on('message', (msg: unknown) => {
      const m = msg as { id?: number; ok?: boolean; result?: EvaluationJson; error?: { file?: string; message?: string } };
      if (!m || m.id !== id) return;
      if (m.ok === true && m.result) finish(() => resolve(m.result!));
      else {
        const file = m.error?.file || undefined;
        finish(() => reject(new EvaluationError(file, errorText(file, m.error?.message ?? 'evaluation failed'))));
      }
    });
    worker.on('error', (e) => finish(() => reject(new EvaluationError(undefined, `evaluation worker failed: ${e.message}`))));
    worker.on('exit', (code) =>
      finish(() => reject(new EvaluationError(undefined, `evaluation worker exited with code ${code} before answering`))),
    );
    worker.postMessage({ id, predPath, gtPath, options });
  });
}
