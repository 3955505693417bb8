/**
 * Float sums of a multi-class pair with C channel planes of probabilities or logits, one sums
 * kernel per chunk whose threads cover (tile, class, row), so every class streams over its own plane.
 *
 * Logits first go through a per-pixel prep kernel (the max, the logsumexp and log(1 - p_max)), so
 * no class needs more than its own plane and logsumexp is computed once per pixel, not per class.
 */
import type { GPU } from 'gpu.js';
import type { PixelSums } from '../types.js';
import { planChunks, stagePlanes, stageTarget, TILE_SIZE, type Chunk } from './chunks.js';
import { cachedBuild, cachedKernel, type GpuBackend, type KernelCall } from './gpuInstances.js';
import { CHANNEL_LOGIT_PREP, CHANNEL_LOGIT_SUMS, CHANNEL_PROBABILITY_SUMS } from './kernelSources.js';
import { kernelSettings } from './kernelSettings.js';
import { accumulators, addPartialRow, type PartialRow } from './partials.js';

export interface ChannelInput {
  values: Float32Array | Float64Array;
  logits: boolean;
  classes: number;
  target: Int32Array;
}

/**
 * prep (3 quantities per pixel) then sums: (planes, target, gamma) => partials. On the GL-type
 * backends the prep output stays on the device as a texture (gpu.js `pipeline: true`; mutable, as
 * each call consumes it before the next overwrites it); the CPU backends pass plain arrays.
 */
function buildLogitChain(gpu: GPU, backend: GpuBackend, classes: number, chunk: Chunk): KernelCall {
  const constants = { tileSize: TILE_SIZE, chunkLength: chunk.chunkLength, classes };
  const onDevice = backend === 'headlessgl' || backend === 'webgpu';
  const prep = gpu.createKernel(CHANNEL_LOGIT_PREP, {
    ...kernelSettings(backend, [3 * chunk.chunkLength], constants), pipeline: onDevice, immutable: false,
  }) as unknown as KernelCall;
  const sums = gpu.createKernel(CHANNEL_LOGIT_SUMS,
    kernelSettings(backend, [chunk.tiles, classes, 2], constants)) as unknown as KernelCall;
  return async (planes: unknown, target: unknown, gamma: unknown) => sums(planes, target, await prep(planes), gamma);
}

async function chunkKernel(backend: GpuBackend, input: ChannelInput, chunk: Chunk): Promise<KernelCall> {
  const C = input.classes;
  if (input.logits) {
    return cachedBuild(backend, `channels:logits:C${C}:${chunk.tiles}`,
      (gpu) => buildLogitChain(gpu, backend, C, chunk));
  }
  return cachedKernel(backend, `channels:probabilities:C${C}:${chunk.tiles}`, CHANNEL_PROBABILITY_SUMS,
    kernelSettings(backend, [chunk.tiles, C, 2], { tileSize: TILE_SIZE, chunkLength: chunk.chunkLength }));
}

/** Fills sumP, tp, bce, ce and focal of `sums` (C classes). */
export async function addChannelSums(sums: PixelSums, input: ChannelInput, focalGamma: number,
  backend: GpuBackend): Promise<void> {
  const C = input.classes;
  const N = input.target.length;
  // per class: [sumP, bceRest] over every pixel, [tp, ce, focal] over the class's pixels
  const everyPixel = accumulators(C);
  const ownPixels = accumulators(C);
  for (const chunk of planChunks(N, C + 1)) {
    const kernel = await chunkKernel(backend, input, chunk);
    const out = (await kernel(stagePlanes(input.values, N, C, chunk, !input.logits), stageTarget(input.target, chunk),
      focalGamma)) as PartialRow[][];
    for (let c = 0; c < C; c++) {
      addPartialRow(out[0][c], everyPixel[c]);
      addPartialRow(out[1][c], ownPixels[c]);
    }
  }
  for (let c = 0; c < C; c++) {
    const [sumP, bceRest] = everyPixel[c];
    const [tp, ce, focal] = ownPixels[c];
    sums.sumP[c] = sumP;
    sums.tp[c] = tp;
    sums.ce[c] = ce;
    sums.bce[c] = ce + bceRest;
    sums.focal[c] = focal;
  }
}
