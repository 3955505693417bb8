/** gpu.js settings shared by every kernel of this module. */
import type { IGPUKernelSettings } from 'gpu.js';
import type { GpuBackend } from './gpuInstances.js';
import { helperSources } from './kernelSources.js';

/**
 * Float32 everywhere ('single' precision, and highp floats on GL with the 'precision' tactic);
 * fixed output and argument shapes, so each cached kernel compiles once. The GPU backends get the
 * branch-free helpers, the CPU ones (cpu, webasm) the branching ones.
 */
export function kernelSettings(backend: GpuBackend, output: number[], constants: Record<string, number>): IGPUKernelSettings {
  const style = backend === 'cpu' || backend === 'webasm' ? 'branch' : 'select';
  return {
    output,
    constants,
    functions: helperSources(style) as unknown as IGPUKernelSettings['functions'],
    precision: 'single',
    tactic: 'precision',
  };
}
