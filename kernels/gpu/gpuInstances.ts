/**
 * One gpu.js GPU instance per backend, and the compiled kernels (and kernel chains) made on it,
 * cached by a key that names their kind and shape: compiling is the slow part of a first call.
 * disposeGpu() destroys them all so a CLI process can exit promptly.
 */
import type { GPU, IGPUKernelSettings } from 'gpu.js';
import type { BackendName } from '../types.js';

export type GpuBackend = Exclude<BackendName, 'reference'>;

/** A compiled kernel or chain of kernels: gpu.js returns values synchronously or as Promises, by backend. */
export type KernelCall = (...args: unknown[]) => unknown;

type GpuJsModule = typeof import('gpu.js');

let gpuJs: GpuJsModule | null = null;

/** gpu.js, loaded on first use (CommonJS, so its exports may sit under `default`). */
export async function loadGpuJs(): Promise<GpuJsModule> {
  if (!gpuJs) {
    const loaded = (await import('gpu.js')) as GpuJsModule & { default?: GpuJsModule };
    gpuJs = loaded.default ?? loaded;
  }
  return gpuJs;
}

/** The loaded module; only valid after loadGpuJs() resolved. */
export function gpuJsLoaded(): GpuJsModule | null {
  return gpuJs;
}

interface BackendState {
  gpu: GPU;
  compiled: Map<string, KernelCall>;
  /** settles when the work queued on this backend so far has */
  queue: Promise<unknown>;
}

const states = new Map<GpuBackend, BackendState>();

export async function gpuFor(backend: GpuBackend): Promise<BackendState> {
  let state = states.get(backend);
  if (!state) {
    const { GPU } = await loadGpuJs();
    state = { gpu: new GPU({ mode: backend }), compiled: new Map(), queue: Promise.resolve() };
    states.set(backend, state);
  }
  return state;
}

/** A kernel compiled once per (backend, key). */
export async function cachedKernel(backend: GpuBackend, key: string, source: string,
  settings: IGPUKernelSettings): Promise<KernelCall> {
  const state = await gpuFor(backend);
  let kernel = state.compiled.get(key);
  if (!kernel) {
    kernel = state.gpu.createKernel(source, settings) as unknown as KernelCall;
    state.compiled.set(key, kernel);
  }
  return kernel;
}

/** Anything else built once per (backend, key) from the backend's GPU, e.g. a chain of kernels. */
export async function cachedBuild(backend: GpuBackend, key: string,
  build: (gpu: GPU) => Promise<KernelCall> | KernelCall): Promise<KernelCall> {
  const state = await gpuFor(backend);
  let built = state.compiled.get(key);
  if (!built) {
    built = await build(state.gpu);
    state.compiled.set(key, built);
  }
  return built;
}

/**
 * Runs `work` after the work queued before it on the same backend: cached kernels own their output
 * buffers and textures (re-rendered in place), so two evaluations must not interleave on one backend.
 */
export async function exclusively<T>(backend: GpuBackend, work: () => Promise<T>): Promise<T> {
  const state = await gpuFor(backend);
  const result = state.queue.then(work, work);
  state.queue = result.catch(() => undefined);
  return result;
}

/** Destroys every GPU instance (its kernels, GL context, wasm worker pools). */
export function disposeGpuInstances(): Promise<void> {
  const pending: Promise<void>[] = [];
  for (const state of states.values()) {
    state.compiled.clear();
    pending.push(Promise.resolve(state.gpu.destroy()).catch(() => undefined));
  }
  states.clear();
  return Promise.all(pending).then(() => undefined);
}
