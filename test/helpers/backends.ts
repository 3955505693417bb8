import type { BackendName } from '../../kernels/types.js';

export interface BackendUnderTest {
  name: BackendName;
  /** false to run, or the visible reason it is skipped */
  skip: string | false;
}

/**
 * reference, cpu and webasm always; headlessgl and webgpu when they load here. Backends named in
 * SEGSCOPE_REQUIRE_BACKENDS must load, so CI cannot pass by silently skipping one.
 */
export async function backendsUnderTest(): Promise<BackendUnderTest[]> {
  const required = new Set((process.env.SEGSCOPE_REQUIRE_BACKENDS ?? 'cpu,webasm').split(',').filter(Boolean));
  const { availableBackends } = await import('../../kernels/backends.js');
  const available = await availableBackends();
  const out: BackendUnderTest[] = [{ name: 'reference', skip: false }];
  for (const name of ['cpu', 'webasm', 'headlessgl', 'webgpu'] as const) {
    const a = available[name];
    if (a.available) out.push({ name, skip: false });
    else if (required.has(name)) throw new Error(`backend ${name} is required (SEGSCOPE_REQUIRE_BACKENDS) but unavailable: ${a.reason}`);
    else out.push({ name, skip: `${name} unavailable here: ${a.reason}` });
  }
  return out;
}
