/**
 * Bounded inflation for the compressed inputs (PNG image data, .nii.gz). zlib stops as soon as the
 * output passes the bound (`maxOutputLength`), so a decompression bomb costs at most the bound, never
 * what the stream would grow to; nothing is allocated from what a header claims.
 */
import { gunzipSync, inflateSync, constants as zlibConstants } from 'node:zlib';
import { DECODED_BYTES_CEILING } from './limits.js';

export type Flavour = 'gzip' | 'zlib';

/** The stream inflates to more than the bound: the caller names the file and the limit. */
export class InflateLimitExceeded extends Error {
  constructor(readonly limit: number) {
    super(`the decompressed data exceeds ${limit} bytes`);
    this.name = 'InflateLimitExceeded';
  }
}

function run(bytes: Uint8Array, flavour: Flavour, maxOutput: number): Uint8Array {
  // zlib accepts bounds in [1, kMaxLength]; the ceiling is within that on every supported Node.
  const maxOutputLength = Math.max(1, Math.min(Math.floor(maxOutput), DECODED_BYTES_CEILING));
  // Z_SYNC_FLUSH: a stream cut short gives what it holds (reported as truncation), not an error.
  const options = { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength };
  try {
    const out = flavour === 'gzip' ? gunzipSync(bytes, options) : inflateSync(bytes, options);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new InflateLimitExceeded(maxOutputLength);
    throw e;
  }
}

/**
 * The whole decompressed stream, refusing (InflateLimitExceeded) as soon as it passes `maxOutput`
 * bytes. Other zlib errors (corrupt data) are thrown as zlib gives them.
 */
export function inflateBounded(bytes: Uint8Array, flavour: Flavour, maxOutput: number): Uint8Array {
  return run(bytes, flavour, maxOutput);
}

/** Extra output allowed per attempt beyond what {@link inflateHead} wants. */
const HEAD_SLACK = 1 << 20;

/**
 * At least the first `want` bytes of the decompressed stream (all of it when it is shorter), without
 * ever inflating more than `want` + 1 MiB: growing prefixes of the compressed bytes are inflated under
 * that bound, and when a prefix passes it, the prefix is bisected (output only grows with input, and
 * one input byte adds at most a few KiB of output, so a prefix within the bound exists).
 */
export function inflateHead(bytes: Uint8Array, flavour: Flavour, want: number): Uint8Array {
  const bound = want + HEAD_SLACK;
  let short = 0; // a prefix length known to give fewer than `want` bytes
  let long = -1; // a prefix length known to pass the bound
  let k = Math.min(bytes.length, 1024);
  for (let attempt = 0; attempt < 80; attempt++) {
    let out: Uint8Array | undefined;
    try {
      out = run(bytes.subarray(0, k), flavour, bound);
    } catch (e) {
      if (!(e instanceof InflateLimitExceeded)) throw e;
      long = k;
    }
    if (out) {
      if (out.length >= want || k >= bytes.length) return out;
      short = k;
    }
    if (long < 0) k = Math.min(bytes.length, k * 4);
    else {
      if (long - short <= 1) break;
      k = short + ((long - short) >>> 1);
    }
  }
  throw new InflateLimitExceeded(bound);
}
