import { MaskInputError } from '../formats/types.js';
import { referenceBackend, type Backend } from './evaluate.js';
import type { BackendRequest } from './types.js';

/**
 * The backend for a request, as kernels/backends.ts resolveBackend decides ('auto' included):
 * 'reference' is the float64 TypeScript path; the others run the per-pixel sums in gpu.js
 * (float32), loaded only when one of them is chosen, so the reference path needs no gpu.js.
 */
let gpuLoaded = false;

export async function backendFor(request: BackendRequest): Promise<Backend> {
  const { resolveBackend } = await import('./backends.js');
  let backend;
  try {
    ({ backend } = await resolveBackend(request));
  } catch (error) {
    gpuLoaded = true; // the failed probe may have loaded gpu.js or a native module: release them too
    throw new MaskInputError('', `backend '${request}' is not available here: ${(error as Error).message}`);
  }
  if (backend === 'reference') return referenceBackend;
  gpuLoaded = true;
  const { computePixelSumsGpu } = await import('./gpu/index.js');
  return { name: backend, pixelSums: (pair, gamma) => computePixelSumsGpu(pair, gamma, backend) };
}

/** Frees gpu.js contexts and workers (if any were made) so a short-lived process exits promptly. */
export async function releaseBackends(): Promise<void> {
  if (!gpuLoaded) return;
  const { disposeGpu } = await import('./gpu/index.js');
  disposeGpu();
}
