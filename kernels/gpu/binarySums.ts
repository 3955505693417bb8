/** Float sums of a binary pair (one foreground probability or logit per pixel, p_0 = 1 - p). */
import type { PixelSums } from '../types.js';
import { planChunks, stagePrediction, stageTarget, TILE_SIZE } from './chunks.js';
import { cachedKernel, type GpuBackend } from './gpuInstances.js';
import { BINARY_LOGIT_SUMS, BINARY_PROBABILITY_SUMS } from './kernelSources.js';
import { kernelSettings } from './kernelSettings.js';
import { accumulators, addPartialRow, type PartialRow } from './partials.js';

export interface BinaryInput {
  values: Float32Array | Float64Array;
  logits: boolean;
  /** counted targets (>= 0) must be 0 or 1 */
  target: Int32Array;
}

/** Fills sumP, tp, ce, bce (= ce for binary predictions) and focal of `sums` (two classes). */
export async function addBinarySums(sums: PixelSums, input: BinaryInput, focalGamma: number,
  backend: GpuBackend): Promise<void> {
  const [probabilitySums, logSums] = accumulators(2);
  const source = input.logits ? BINARY_LOGIT_SUMS : BINARY_PROBABILITY_SUMS;
  for (const chunk of planChunks(input.target.length, 2)) {
    const kernel = await cachedKernel(backend, `binary:${input.logits ? 'logits' : 'probabilities'}:${chunk.tiles}`,
      source, kernelSettings(backend, [chunk.tiles, 2], { tileSize: TILE_SIZE }));
    const out = (await kernel(stagePrediction(input.values, chunk, !input.logits), stageTarget(input.target, chunk),
      focalGamma)) as PartialRow[];
    addPartialRow(out[0], probabilitySums);
    addPartialRow(out[1], logSums);
  }
  const [sumP0, sumP1, tp0, tp1] = probabilitySums;
  const [ce0, ce1, focal0, focal1] = logSums;
  sums.sumP.set([sumP0, sumP1]);
  sums.tp.set([tp0, tp1]);
  sums.ce.set([ce0, ce1]);
  sums.bce.set([ce0, ce1]);
  sums.focal.set([focal0, focal1]);
}
