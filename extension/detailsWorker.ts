/**
 * worker_threads entry (dist/detailsWorker.cjs): what the results panel shows beside the numbers,
 * computed off the extension host's thread. One worker per panel keeps the prepared pair, so a
 * 3D slice request only samples the cached whole-volume distance fields (kernels/overlay.ts).
 *
 * Requests: {id, type: 'open', predPath, gtPath, options} → {id, ok, overlay | overlayError}
 *           {id, type: 'overlay', request}                 → {id, ok, overlay}
 *           {id, type: 'curves'}                           → {id, ok, curves}
 * Failures: {id, ok: false, error: {file, message}}.
 */
import { parentPort } from 'node:worker_threads';
import { checkNiftiGeometry } from '../formats/geometry.js';
import { loadMaskFile } from '../formats/load.js';
import { MaskInputError } from '../formats/types.js';
import { computeCurves } from '../kernels/curves.js';
import { OverlayComputer, type OverlayRequest } from '../kernels/overlay.js';
import { preparePair } from '../kernels/prepare.js';
import type { PreparedPair } from '../kernels/types.js';
import type { EvaluateFilesOptions } from './settings.js';

export type DetailsRequest =
  | { id: number; type: 'open'; predPath: string; gtPath: string; options: EvaluateFilesOptions }
  | { id: number; type: 'overlay'; request: OverlayRequest }
  | { id: number; type: 'curves' };

export type DetailsReply =
  | { id: number; ok: true; overlay?: unknown; curves?: unknown }
  | { id: number; ok: false; error: { file: string; message: string } };

let pair: PreparedPair | undefined;
let overlays: OverlayComputer | undefined;
let options: EvaluateFilesOptions = {};

async function handle(req: DetailsRequest): Promise<DetailsReply> {
  switch (req.type) {
    case 'open': {
      options = req.options;
      const load = { maxBytes: req.options.maxFileBytes, colourMap: req.options.colourMap };
      const [pred, gt] = await Promise.all([loadMaskFile(req.predPath, load), loadMaskFile(req.gtPath, load)]);
      if (pred.format === 'nifti' && gt.format === 'nifti') checkNiftiGeometry(pred, gt);
      pair = preparePair(pred, gt, req.options, {
        predPath: req.predPath,
        targetPath: req.gtPath,
        predSpacing: pred.spacing,
        targetSpacing: gt.spacing,
      }).pair;
      overlays = new OverlayComputer(pair);
      return { id: req.id, ok: true, overlay: overlays.overlay({}) };
    }
    case 'overlay': {
      if (!overlays) throw new Error('no pair is open');
      return { id: req.id, ok: true, overlay: overlays.overlay(req.request) };
    }
    case 'curves': {
      if (!pair) throw new Error('no pair is open');
      const curves = await computeCurves(pair, { evaluate: options });
      return { id: req.id, ok: true, curves };
    }
  }
}

// Requests run one at a time, in order (a slice after an open sees the opened pair).
let queue: Promise<void> = Promise.resolve();
parentPort?.on('message', (req: DetailsRequest) => {
  queue = queue.then(async () => {
    let reply: DetailsReply;
    try {
      reply = await handle(req);
    } catch (e) {
      const file = e instanceof MaskInputError ? e.file : '';
      reply = { id: req.id, ok: false, error: { file, message: e instanceof Error ? e.message : String(e) } };
    }
    parentPort!.postMessage(reply);
  });
});
