/**
 * The pixel sums (see PixelSums) of a prepared pair on a gpu.js backend: the float sums by float32
 * kernels whose per-tile partials the host adds in float64, the counts and hard counts exactly on
 * the host. Agrees with computePixelSumsReference to the spec's relative 1e-4.
 */
import { releaseWebGpu, requireBackend } from '../backends.js';
import type { BackendName, PixelSums, PreparedPair } from '../types.js';
import { addBinarySums } from './binarySums.js';
import { addChannelSums } from './channelSums.js';
import { disposeGpuInstances, exclusively } from './gpuInstances.js';
import { hardCounts } from './hardCounts.js';
import { labelMapSums } from '../labelMapSums.js';

export async function computePixelSumsGpu(pair: PreparedPair, focalGamma: number,
  backend: Exclude<BackendName, 'reference'>): Promise<PixelSums> {
  await requireBackend(backend);
  const sums = hardCounts(pair);
  const { pred, target, classes } = pair;
  if (sums.n === 0) return sums;
  switch (pred.kind) {
    case 'binary':
      if (classes !== 2 || sums.count[0] + sums.count[1] !== sums.n) {
        throw new Error('a binary prediction needs two classes and targets 0, 1 or ignored (-1)');
      }
      await exclusively(backend, () =>
        addBinarySums(sums, { values: pred.values, logits: pred.logits, target }, focalGamma, backend));
      break;
    case 'channels':
      await exclusively(backend, () =>
        addChannelSums(sums, { values: pred.values, logits: pred.logits, classes, target }, focalGamma, backend));
      break;
    case 'labels':
      return labelMapSums(sums, focalGamma);
  }
  return sums;
}

/**
 * Destroys every gpu.js instance, kernel, pipeline, GL context and wasm worker pool this module
 * made, and the WebGPU device, so a CLI process exits promptly. Later calls build afresh.
 */
export function disposeGpu(): void {
  void disposeGpuInstances();
  releaseWebGpu();
}
