/** `segscope compare`: every prediction against one ground truth, decoded once (engine/maskCache.ts). */
import { MaskCache } from './maskCache.js';
import { comparisonDocument } from './compare.js';
import { presentResult } from './present.js';
import { EvaluationSession, loadOptionsOf, type EvaluateFilesOptions } from './session.js';
import type { ComparisonJson, EvaluationJson } from '../protocol/messages.js';

export async function compareFiles(gtPath: string, predPaths: string[], options: EvaluateFilesOptions): Promise<ComparisonJson> {
  const cache = new MaskCache();
  const predictions: { path: string; result: EvaluationJson }[] = [];
  for (const path of predPaths) {
    const session = await EvaluationSession.open(path, gtPath, options, cache.acquire);
    predictions.push({ path, result: presentResult(await session.result()) });
    // the ground truth stays held for the next prediction; this prediction is done
    cache.release(path, loadOptionsOf(options));
  }
  return comparisonDocument(predictions[0].result.target, predictions);
}
