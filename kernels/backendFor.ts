import { MaskInputError } from '../formats/types.js';
import { referenceBackend, type Backend } from './evaluate.js';
import type { BackendRequest } from './types.js';

/**
 * The backend for a request: 'reference' (and 'auto') is the float64 TypeScript path; the others
 * run the per-pixel sums in gpu.js (float32), loaded only when asked for so the reference path
 * needs no gpu.js.
 */
let gpuLoaded = false;

export async function backendFor(request: BackendRequest): Promise<Backend> {
  // 'auto' is the reference backend (kernels/backends.ts says why): no gpu.js to load
  if (request === 'reference' || request === 'auto') return referenceBackend;
  gpuLoaded = true;
  const { resolveBackend } = await import('./backends.js');
  const { computePixelSumsGpu } = await import('./gpu/index.js');
  let backend;
  try {
    ({ backend } = await resolveBackend(request));
  } catch (error) {
    throw new MaskInputError('', `backend '${request}' is not available here: ${(error as Error).message}`);
  }
  if (backend === 'reference') return referenceBackend;
  return { name: backend, pixelSums: (pair, gamma) => computePixelSumsGpu(pair, gamma, backend) };
}

/** Frees gpu.js contexts and workers (if any were made) so a short-lived process exits promptly. */
export async function releaseBackends(): Promise<void> {
  if (!gpuLoaded) return;
  const { disposeGpu } = await import('./gpu/index.js');
  disposeGpu();
}
