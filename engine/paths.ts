import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/engineWorker.js: beside the running ESM bundle (dist/cli.js), or the built one when running from source. */
export function engineWorkerScript(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const candidates = [join(here, 'engineWorker.js'), join(here, '..', 'dist', 'engineWorker.js')];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error('dist/engineWorker.js is missing: run `npm run build`');
  return found;
}
