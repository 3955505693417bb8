import { checkNiftiGeometry } from '../formats/geometry.js';
import { loadMaskFile } from '../formats/load.js';
import { evaluate } from '../kernels/evaluate.js';
import { backendFor } from '../kernels/backendFor.js';
import type { EvaluateOptions, EvaluationResult } from '../kernels/types.js';

export interface EvaluateFilesOptions extends EvaluateOptions {
  /** Largest mask file to open, in bytes (checked before reading). */
  maxFileBytes?: number;
  /** RGB PNG colour map: '#rrggbb' -> class index. */
  colourMap?: Record<string, number>;
}

/** file -> formats -> kernels -> result: the one pipeline the CLI, the extension's worker and the bench share. */
export async function evaluateFiles(predPath: string, gtPath: string, options: EvaluateFilesOptions = {}): Promise<EvaluationResult> {
  const t0 = performance.now();
  const loadOptions = { maxBytes: options.maxFileBytes, colourMap: options.colourMap };
  const [pred, gt] = await Promise.all([loadMaskFile(predPath, loadOptions), loadMaskFile(gtPath, loadOptions)]);
  if (pred.format === 'nifti' && gt.format === 'nifti') checkNiftiGeometry(pred, gt);
  const loadMs = performance.now() - t0;
  const backend = await backendFor(options.backend ?? 'auto');
  const result = await evaluate(pred, gt, options, {
    predPath, targetPath: gtPath, predSpacing: pred.spacing, targetSpacing: gt.spacing,
  }, backend);
  result.timingsMs = { load: loadMs, ...result.timingsMs };
  result.warnings.unshift(...(pred.warnings ?? []), ...(gt.warnings ?? []));
  return result;
}
