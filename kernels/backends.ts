/**
 * Which gpu.js backends work in this process, and which one a request resolves to.
 *
 * Each backend is probed once (cached): its prerequisites are checked with a reason for a
 * failure, then a tiny kernel is compiled and run on it and its result checked, so a backend
 * reported available has run a kernel of the kind the pixel sums use.
 *  - cpu: gpu.js's JavaScript backend, always there.
 *  - webasm: gpu.js's WebAssembly (SIMD) backend, per gpu.js's own support check.
 *  - headlessgl: the native `gl` module must load AND create a context (it needs a display:
 *    run under `xvfb-run -a`, or with DISPLAY set).
 *  - webgpu: the `webgpu` (Dawn) native module must load and give an adapter; its load error
 *    is the reason otherwise (e.g. it needs glibc 2.38).
 */
import { gpuFor, gpuJsLoaded, loadGpuJs, type GpuBackend } from './gpu/gpuInstances.js';
import type { BackendName, BackendRequest } from './types.js';

export type { GpuBackend };

export interface BackendAvailability {
  available: boolean;
  /** why not, when unavailable */
  reason?: string;
}

export const GPU_BACKENDS: readonly GpuBackend[] = ['cpu', 'webasm', 'headlessgl', 'webgpu'];

/**
 * What 'auto' runs: the reference backend, whose fused float64 per-pixel pass
 * (kernels/pixelPass.ts) computes only the sums the requested losses read. Measured by
 * `npm run bench` in two runs of 2026-12-02 (2-core machine, Mesa llvmpipe for headlessgl), it is
 * the fastest here or tied: each per-pixel loss alone on W1 26–133 ms against gpu.js's 108–436 ms;
 * all losses W1 0.78/0.90 s against headlessgl's 0.74/1.24 s, W2 1.84/3.06 s against
 * 2.85/2.91 s, W3 0.62/0.97 s against 0.87/1.20 s; W4 17 ms per pair against 24–31 ms. It is
 * also exact (float64) and loads no native module. The gpu.js backends stay
 * available by name. This is what `auto` means where nothing was measured (the CLI); the
 * extension's pool measures each machine once (engine/backendCalibration.ts) and runs `auto` on
 * what was fastest and correct there, which a real GPU can make a gpu.js backend.
 */

const probes = new Map<GpuBackend, Promise<BackendAvailability>>();

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0].trim();
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    timer.unref?.();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Runs a one-tile Array(4) kernel on the backend and checks what comes back. */
async function smokeTest(backend: GpuBackend): Promise<void> {
  const { gpu } = await gpuFor(backend);
  const kernel = gpu.createKernel(`function smoke(values) {
    const v = values[this.thread.x];
    return [v * 2.0, Math.log(v), Math.exp(v), 1.0];
  }`, { output: [4], precision: 'single' }) as unknown as (values: Float32Array) => unknown;
  try {
    const out = (await withTimeout(Promise.resolve(kernel(new Float32Array([1, 2, 3, 4]))), 30000,
      `a ${backend} test kernel`)) as ArrayLike<ArrayLike<number>>;
    const last = out[3];
    if (!last || Math.abs(last[0] - 8) > 1e-5 || Math.abs(last[1] - Math.log(4)) > 1e-5 || last[3] !== 1) {
      throw new Error(`a ${backend} test kernel returned wrong values`);
    }
  } finally {
    (kernel as unknown as { destroy?: () => void }).destroy?.();
  }
}

async function probeWebasm(): Promise<BackendAvailability> {
  const { GPU } = await loadGpuJs();
  if (!GPU.isWebAssemblySupported) {
    return { available: false, reason: 'gpu.js reports no WebAssembly support in this runtime' };
  }
  return { available: true };
}

/** The `gl` module's context factory, or the reason it did not load. */
async function loadHeadlessGl(): Promise<((w: number, h: number, o?: object) => unknown) | string> {
  try {
    const loaded = (await import('gl' as string)) as { default?: unknown };
    const createContext = (loaded.default ?? loaded) as unknown;
    if (typeof createContext !== 'function') return 'the native module `gl` loaded without a context factory';
    return createContext as (w: number, h: number, o?: object) => unknown;
  } catch (error) {
    return `the native module \`gl\` failed to load (${firstLine(error)})`;
  }
}

async function probeHeadlessGl(): Promise<BackendAvailability> {
  const createContext = await loadHeadlessGl();
  if (typeof createContext === 'string') return { available: false, reason: createContext };
  const context = createContext(2, 2) as { getExtension(name: string): { destroy?: () => void } | null } | null;
  if (!context) {
    const display = process.env.DISPLAY ? `DISPLAY=${process.env.DISPLAY} did not give one` : 'no X display (DISPLAY unset)';
    return { available: false, reason: `\`gl\` could not create a GL context: ${display}; run under \`xvfb-run -a\`` };
  }
  context.getExtension('STACKGL_destroy_context')?.destroy?.();
  const { GPU } = await loadGpuJs();
  if (!GPU.isHeadlessGLSupported) {
    return { available: false, reason: 'gpu.js could not set up its headless-gl context' };
  }
  return { available: true };
}

interface WebGpuModule {
  create(options: string[]): { requestAdapter(): Promise<unknown> };
  globals: Record<string, unknown>;
}

/** Set up by a successful webgpu probe: the Dawn `navigator.gpu` gpu.js looks for. */
let webGpuInstalled = false;

async function probeWebGpu(): Promise<BackendAvailability> {
  let dawn: WebGpuModule;
  try {
    dawn = (await import('webgpu' as string)) as WebGpuModule;
  } catch (error) {
    return { available: false, reason: `the native module \`webgpu\` failed to load (${firstLine(error)})` };
  }
  try {
    const gpuApi = dawn.create([]);
    const adapter = await withTimeout(gpuApi.requestAdapter(), 10000, 'the WebGPU adapter request');
    if (!adapter) return { available: false, reason: 'WebGPU (Dawn) loaded but found no adapter' };
    Object.assign(globalThis, dawn.globals);
    const holder = globalThis as { navigator?: { gpu?: unknown } };
    if (!holder.navigator) {
      Object.defineProperty(globalThis, 'navigator', { value: { gpu: gpuApi }, configurable: true, writable: true });
    } else if (!holder.navigator.gpu) {
      Object.defineProperty(holder.navigator, 'gpu', { value: gpuApi, configurable: true, writable: true });
    }
    webGpuInstalled = true;
    const { GPU } = await loadGpuJs();
    if (!(await GPU.isWebGPUAvailable())) return { available: false, reason: 'gpu.js found no WebGPU adapter' };
  } catch (error) {
    return { available: false, reason: `WebGPU setup failed (${firstLine(error)})` };
  }
  return { available: true };
}

async function probe(backend: GpuBackend): Promise<BackendAvailability> {
  let status: BackendAvailability;
  try {
    switch (backend) {
      case 'cpu': status = { available: true }; break;
      case 'webasm': status = await probeWebasm(); break;
      case 'headlessgl': status = await probeHeadlessGl(); break;
      case 'webgpu': status = await probeWebGpu(); break;
    }
  } catch (error) {
    status = { available: false, reason: firstLine(error) };
  }
  if (!status.available) return status;
  try {
    await smokeTest(backend);
  } catch (error) {
    return { available: false, reason: `a test kernel failed on ${backend}: ${firstLine(error)}` };
  }
  return status;
}

/** Whether one backend works here (probed once per process). */
export function backendAvailability(backend: GpuBackend): Promise<BackendAvailability> {
  let pending = probes.get(backend);
  if (!pending) {
    pending = probe(backend);
    probes.set(backend, pending);
  }
  return pending;
}

export async function availableBackends(): Promise<Record<GpuBackend, BackendAvailability>> {
  const entries = await Promise.all(GPU_BACKENDS.map(async (b) => [b, await backendAvailability(b)] as const));
  return Object.fromEntries(entries) as Record<GpuBackend, BackendAvailability>;
}

/** Throws an Error naming the backend and the reason when it is not available here. */
export async function requireBackend(backend: GpuBackend): Promise<void> {
  const status = await backendAvailability(backend);
  if (!status.available) throw new Error(`backend '${backend}' is not available: ${status.reason}`);
}

/**
 * The backend a request runs on: 'auto' and 'reference' the reference backend (see above); an
 * explicit gpu.js backend that is unavailable throws an Error naming it and the reason.
 */
export async function resolveBackend(request: BackendRequest): Promise<{ backend: BackendName }> {
  if (request === 'reference' || request === 'auto') return { backend: 'reference' };
  await requireBackend(request);
  return { backend: request };
}

/**
 * Destroys gpu.js's shared WebGPU device and forgets the Dawn navigator.gpu the probe installed
 * (Dawn keeps a process alive while it is referenced); a later webgpu request probes again.
 */
export function releaseWebGpu(): void {
  if (!webGpuInstalled) return;
  const loaded = gpuJsLoaded() as { WebGPUContext?: { destroy(): Promise<void> } } | null;
  if (loaded?.WebGPUContext) void Promise.resolve(loaded.WebGPUContext.destroy()).catch(() => undefined);
  probes.delete('webgpu');
  const holder = globalThis as { navigator?: { gpu?: unknown } };
  if (holder.navigator) {
    try {
      delete holder.navigator.gpu;
    } catch {
      // a non-configurable navigator.gpu stays
    }
  }
  webGpuInstalled = false;
}
