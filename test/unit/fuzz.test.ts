/**
 * Fuzzing every decoder and the input rules (issue #11): valid seeds of each format (NPY of every
 * dtype and version, PNG of every colour type, depth, filter and interlace, NIfTI-1/2 plain and
 * gzip'd, both byte orders) are truncated, bit-flipped, spliced, made to lie in their headers, or
 * given decompression bombs; label maps of absurd values go through preparePair. Every input must end
 * in a value or a typed MaskInputError (one line, escaped, naming the file) within 2 s, and the
 * process's RSS must stay within a bound. Prints the cases tried, the slowest case and the RSS peak.
 * Also: the PNG decoder against the pixels encoded (every filter, Adam7), and the NPY header parser's
 * time on 64 KiB adversarial headers.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { constants as zlibConstants, crc32, createDeflate, createGzip, deflateSync, gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { decodeMask } from '../../formats/decode.js';
import { MAX_NPY_HEADER_BYTES } from '../../formats/limits.js';
import { parseNpyHeader } from '../../formats/npy.js';
import { quoteForMessage } from '../../formats/quote.js';
import { InternalError, MaskInputError, type NdArray, type TypedArray } from '../../formats/types.js';
import { preparePair } from '../../kernels/prepare.js';
import type { EvaluateOptions } from '../../kernels/types.js';
import { encodeNifti, encodeNpy, type NiftiDatatype } from '../fixtures/encode.js';

const TIME_BOUND_MS = 2000;
const RSS_GROWTH_BOUND_MB = 400;
const SEED = Number(process.env.SEGSCOPE_FUZZ_SEED ?? 20240611);
const RUNS = Number(process.env.SEGSCOPE_FUZZ_RUNS ?? 1500);

const stats = { cases: 0, values: 0, inputErrors: 0, slowestMs: 0, slowest: '', rss0: process.memoryUsage().rss, rssMax: process.memoryUsage().rss };

/** Runs one case: a value (checked by `check`) or a MaskInputError naming `file`; anything else fails. */
function expectValueOrInputError<T>(label: string, file: string | null, fn: () => T, check?: (v: T) => void): void {
  const t0 = performance.now();
  let outcome: 'value' | 'error' = 'value';
  try {
    const v = fn();
    check?.(v);
  } catch (e) {
    if (!(e instanceof MaskInputError)) {
      throw new Error(`${label}: expected a value or a MaskInputError, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e });
    }
    outcome = 'error';
    if (file !== null && e.file !== '') assert.equal(e.file, file, `${label}: the error names the file`);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(e.message, /[\x00-\x1f\x7f]/, `${label}: one escaped line: ${JSON.stringify(e.message)}`);
    assert.ok(e.message.length < 2600, `${label}: a bounded message (${e.message.length} characters)`);
  }
  const ms = performance.now() - t0;
  stats.cases++;
  if (outcome === 'value') stats.values++;
  else stats.inputErrors++;
  if (ms > stats.slowestMs) {
    stats.slowestMs = ms;
    stats.slowest = label;
  }
  const rss = process.memoryUsage().rss;
  if (rss > stats.rssMax) stats.rssMax = rss;
  assert.ok(ms < TIME_BOUND_MS, `${label}: ${ms.toFixed(0)} ms (bound ${TIME_BOUND_MS} ms)`);
  assert.ok((rss - stats.rss0) / 2 ** 20 < RSS_GROWTH_BOUND_MB, `${label}: RSS grew ${((rss - stats.rss0) / 2 ** 20).toFixed(0)} MB (bound ${RSS_GROWTH_BOUND_MB} MB)`);
}

/** A decoded mask is consistent: its data holds the product of its shape. */
function consistent(m: ReturnType<typeof decodeMask>): void {
  assert.equal(m.data.length, m.shape.reduce((a, b) => a * b, 1));
  assert.ok(m.shape.every((d) => Number.isSafeInteger(d) && d > 0));
}

// ---------------------------------------------------------------------------------------------
// Seeds

const dims = (maxNd: number) => fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: maxNd });

const NPY_DTYPES = ['|b1', '|i1', '|u1', '<i2', '<u2', '<i4', '<u4', '<i8', '<u8', '<f2', '<f4', '<f8', '>f4', '>i2', '>u4', '>f8', '=f4'];

const npySeed = fc
  .record({ dtype: fc.constantFrom(...NPY_DTYPES), shape: dims(4), fortran: fc.boolean(), version: fc.constantFrom(1, 2, 3) as fc.Arbitrary<1 | 2 | 3>, salt: fc.integer() })
  .map(({ dtype, shape, fortran, version, salt }) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const values = Float64Array.from({ length: n }, (_, i) => ((i * 7 + salt) >>> 0) % 5);
    return { name: 'seed.npy', bytes: encodeNpy(values, shape, { dtype, fortran, version }), kind: 'npy' as const };
  });

type PngKind = 'grey8' | 'grey16' | 'ga8' | 'ga16' | 'rgb8' | 'rgb16' | 'rgba8' | 'palette8' | 'grey1' | 'grey2' | 'grey4' | 'palette2';
const PNG_KINDS: PngKind[] = ['grey8', 'grey16', 'ga8', 'ga16', 'rgb8', 'rgb16', 'rgba8', 'palette8', 'grey1', 'grey2', 'grey4', 'palette2'];

interface PngSpec {
  colourType: number;
  depth: number;
  channels: number;
}
const PNG_SPEC: Record<PngKind, PngSpec> = {
  grey8: { colourType: 0, depth: 8, channels: 1 },
  grey16: { colourType: 0, depth: 16, channels: 1 },
  ga8: { colourType: 4, depth: 8, channels: 2 },
  ga16: { colourType: 4, depth: 16, channels: 2 },
  rgb8: { colourType: 2, depth: 8, channels: 3 },
  rgb16: { colourType: 2, depth: 16, channels: 3 },
  rgba8: { colourType: 6, depth: 8, channels: 4 },
  palette8: { colourType: 3, depth: 8, channels: 1 },
  grey1: { colourType: 0, depth: 1, channels: 1 },
  grey2: { colourType: 0, depth: 2, channels: 1 },
  grey4: { colourType: 0, depth: 4, channels: 1 },
  palette2: { colourType: 3, depth: 2, channels: 1 },
};

function pngChunk(type: string, data: Uint8Array): Buffer {
  const t = Buffer.from(type, 'latin1');
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  t.copy(out, 4);
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(Buffer.concat([t, data])), 8 + data.length);
  return out;
}

const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];

/**
 * A PNG written here, independently of the decoder: `samples` (one per channel per pixel, row-major),
 * each scanline with the filter chosen by `filterOf(row)` (0..4), optionally Adam7-interlaced.
 */
function encodeRawPng(width: number, height: number, spec: PngSpec, samples: number[], interlace: boolean, filterOf: (row: number) => number): Uint8Array {
  const { depth, channels, colourType } = spec;
  const bpp = Math.max(1, (channels * depth) >> 3);
  const packRow = (y: number, xs: number[]) => {
    const bits = xs.length * channels * depth;
    const row = new Uint8Array(Math.ceil(bits / 8));
    let bit = 0;
    for (const x of xs) {
      for (let c = 0; c < channels; c++) {
        const v = samples[(y * width + x) * channels + c];
        if (depth === 16) {
          row[bit >> 3] = v >> 8;
          row[(bit >> 3) + 1] = v & 0xff;
        } else if (depth === 8) row[bit >> 3] = v;
        else row[bit >> 3] |= v << (8 - depth - (bit & 7));
        bit += depth;
      }
    }
    return row;
  };
  const lines: number[] = [];
  let rowIndex = 0;
  const emit = (rows: Uint8Array[]) => {
    let prev: Uint8Array | undefined;
    for (const row of rows) {
      const f = filterOf(rowIndex++);
      lines.push(f);
      for (let i = 0; i < row.length; i++) {
        const a = i >= bpp ? row[i - bpp] : 0;
        const b = prev ? prev[i] : 0;
        const c = prev && i >= bpp ? prev[i - bpp] : 0;
        const p = a + b - c;
        const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        const pred = f === 0 ? 0 : f === 1 ? a : f === 2 ? b : f === 3 ? (a + b) >> 1 : pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
        lines.push((row[i] - pred) & 0xff);
      }
      prev = row;
    }
  };
  if (!interlace) {
    emit(Array.from({ length: height }, (_, y) => packRow(y, Array.from({ length: width }, (_, x) => x))));
  } else {
    for (const [x0, y0, dx, dy] of ADAM7) {
      const xs: number[] = [];
      for (let x = x0; x < width; x += dx) xs.push(x);
      const rows: Uint8Array[] = [];
      if (xs.length) for (let y = y0; y < height; y += dy) rows.push(packRow(y, xs));
      emit(rows);
    }
  }
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, width);
  new DataView(ihdr.buffer).setUint32(4, height);
  ihdr.set([depth, colourType, 0, 0, interlace ? 1 : 0], 8);
  const palette = colourType === 3 ? [pngChunk('PLTE', Uint8Array.from({ length: 256 * 3 }, (_, i) => (i * 37) & 0xff))] : [];
  return new Uint8Array(
    Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), ...palette, pngChunk('IDAT', deflateSync(new Uint8Array(lines))), pngChunk('IEND', new Uint8Array(0))]),
  );
}

const pngCase = fc
  .record({
    kind: fc.constantFrom(...PNG_KINDS),
    width: fc.integer({ min: 1, max: 13 }),
    height: fc.integer({ min: 1, max: 11 }),
    interlace: fc.boolean(),
    filters: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 8 }),
    salt: fc.integer({ min: 0, max: 1 << 20 }),
  })
  .map(({ kind, width, height, interlace, filters, salt }) => {
    const spec = PNG_SPEC[kind];
    const max = (1 << Math.min(spec.depth, 16)) - 1;
    const colours = 3; // few distinct values, so an RGB image is a plausible label map
    const samples = Array.from({ length: width * height * spec.channels }, (_, i) => ((((i * 2654435761 + salt) >>> 0) % colours) * 977) % (max + 1));
    const interlaced = interlace && spec.depth >= 8;
    const bytes = encodeRawPng(width, height, spec, samples, interlaced, (r) => filters[r % filters.length]);
    return { name: 'seed.png', bytes, kind: 'png' as const, spec, width, height, samples, pngKind: kind };
  });

const NIFTI_TYPES: NiftiDatatype[] = ['uint8', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'float32', 'float64', 'int64', 'uint64'];

const niftiSeed = fc
  .record({
    datatype: fc.constantFrom(...NIFTI_TYPES),
    shape: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 2, maxLength: 4 }),
    version: fc.constantFrom(1, 2) as fc.Arbitrary<1 | 2>,
    gzip: fc.boolean(),
    bigEndian: fc.boolean(),
    slope: fc.constantFrom(0, 1, 2, 0.5),
    salt: fc.integer(),
  })
  .map(({ datatype, shape, version, gzip, bigEndian, slope, salt }) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const values = Float64Array.from({ length: n }, (_, i) => ((i * 3 + salt) >>> 0) % 4);
    const bytes = encodeNifti(values, shape, { datatype, version, gzip, bigEndian, sclSlope: slope, spacing: shape.slice(-3).map((_, i) => 0.5 + i) });
    return { name: gzip ? 'seed.nii.gz' : 'seed.nii', bytes, kind: 'nifti' as const, gzip };
  });

// ---------------------------------------------------------------------------------------------
// Mutations

type Mutation = { label: string; apply: (b: Uint8Array) => Uint8Array };

const at = (b: Uint8Array, r: number) => (b.length ? Math.floor(r * b.length) % b.length : 0);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.double({ min: 0, max: 1, noNaN: true }).map((r) => ({ label: `truncate@${r.toFixed(3)}`, apply: (b: Uint8Array) => b.subarray(0, Math.floor(r * b.length)) })),
  fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 8 }).map((flips) => ({
    label: `bitflip x${flips.length}`,
    apply: (b: Uint8Array) => {
      const out = new Uint8Array(b);
      for (const [r, bit] of flips) if (out.length) out[at(out, r)] ^= 1 << bit;
      return out;
    },
  })),
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 64 }), fc.uint8Array({ maxLength: 64 })).map(([r, del, ins]) => ({
    label: `splice del ${del} ins ${ins.length}`,
    apply: (b: Uint8Array) => {
      const i = at(b, r);
      return new Uint8Array(Buffer.concat([b.subarray(0, i), ins, b.subarray(Math.min(b.length, i + del))]));
    },
  })),
  fc.tuple(fc.integer({ min: 0, max: 600 }), fc.uint8Array({ maxLength: 2048 })).map(([keep, tail]) => ({
    label: `garbage after ${keep} bytes`,
    apply: (b: Uint8Array) => new Uint8Array(Buffer.concat([b.subarray(0, keep), tail])),
  })),
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 128 })).map(([r, s, len]) => ({
    label: `duplicate ${len}`,
    apply: (b: Uint8Array) => {
      const from = at(b, r);
      const to = at(b, s);
      return new Uint8Array(Buffer.concat([b.subarray(0, to), b.subarray(from, from + len), b.subarray(to)]));
    },
  })),
);

/** Extreme numbers a lying header field may hold. */
const extremeInt = fc.oneof(
  fc.constantFrom(0, 1, -1, 255, 256, 65535, 65536, 2 ** 31 - 1, -(2 ** 31), 2 ** 32 - 1, 2 ** 29, 40000, 1e6),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
);
const extremeFloat = fc.oneof(fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, 1e38, -1e38, 1e-38, 2e9, 65535), fc.double());

/** Header lies: a field of the format's header overwritten with an extreme value (PNG CRCs kept right, gzip re-made). */
function headerLie(kind: 'npy' | 'png' | 'nifti'): fc.Arbitrary<Mutation> {
  if (kind === 'npy') {
    const shapeText = fc.oneof(
      fc.array(fc.oneof(extremeInt.map(String), fc.constantFrom('99999999999999999999', '-1', '1L', '', ' ', '1.5', "'a'")), { maxLength: 70 }).map((xs) => `(${xs.join(', ')})`),
      fc.constantFrom('()', '(', ')', '[1, 2]', '((1, 2), 3)', '{}', 'None', '(1,,2)', '(1 2)'),
    );
    const descr = fc.oneof(fc.constantFrom("'<f4'", "'|O'", "'<c16'", "[('a', '<f4')]", "'<f99999'", "'\x1b[31m'", "'", "''", '"<i4"', 'True'), fc.string().map((s) => `'${s}'`));
    return fc.tuple(descr, fc.constantFrom('True', 'False', "'x'", 'None'), shapeText, fc.constantFrom(1, 2, 3)).map(([d, f, s, version]) => ({
      label: `npy header descr=${d} fortran=${f} shape=${s.slice(0, 40)}`,
      apply: (b: Uint8Array) => {
        const dict = `{'descr': ${d}, 'fortran_order': ${f}, 'shape': ${s}, }`.padEnd(118, ' ') + '\n';
        const text = Buffer.from(dict, version === 3 ? 'utf8' : 'latin1');
        const pre = version === 1 ? 10 : 12;
        const head = Buffer.alloc(pre);
        Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]).copy(head);
        if (version === 1) head.writeUInt16LE(Math.min(text.length, 65535), 8);
        else head.writeUInt32LE(text.length, 8);
        const dataAt = b[6] === 1 ? 10 + (b[8] | (b[9] << 8)) : 12 + (b[8] | (b[9] << 8) | (b[10] << 16));
        return new Uint8Array(Buffer.concat([head, text, b.subarray(Math.min(b.length, dataAt))]));
      },
    }));
  }
  if (kind === 'png') {
    return fc.tuple(fc.constantFrom(16, 20, 24, 25, 26, 27, 28), extremeInt).map(([field, value]) => ({
      label: `png IHDR@${field}=${value}`,
      apply: (b: Uint8Array) => {
        const out = new Uint8Array(b);
        const v = new DataView(out.buffer);
        if (field === 16 || field === 20) v.setUint32(field, value >>> 0);
        else out[field] = value & 0xff;
        v.setUint32(29, crc32(out.subarray(12, 29)));
        return out;
      },
    }));
  }
  return fc
    .tuple(
      fc.constantFrom('dim0', 'dim1', 'dim2', 'datatype', 'voxOffset', 'slope', 'inter', 'sform', 'qform', 'pixdim'),
      extremeInt,
      extremeFloat,
    )
    .map(([field, int, float]) => ({
      label: `nifti ${field}=${int}/${float}`,
      apply: (b: Uint8Array) => {
        const gz = b[0] === 0x1f && b[1] === 0x8b;
        let raw: Uint8Array;
        try {
          raw = gz ? new Uint8Array(gunzipSeed(b)) : new Uint8Array(b);
        } catch {
          return b;
        }
        if (raw.length < 540) return b;
        const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
        const le = v.getInt32(0, true) === 348 || v.getInt32(0, true) === 540;
        const two = v.getInt32(0, le) === 540;
        const set16or64 = (at1: number, at2: number, x: number) => (two ? v.setBigInt64(at2, BigInt(Math.trunc(x)), le) : v.setInt16(at1, x, le));
        const setF = (at1: number, at2: number, x: number) => (two ? v.setFloat64(at2, x, le) : v.setFloat32(at1, x, le));
        switch (field) {
          case 'dim0': set16or64(40, 16, int); break;
          case 'dim1': set16or64(42, 24, int); break;
          case 'dim2': set16or64(44, 32, int); break;
          case 'datatype': v.setInt16(two ? 12 : 70, int, le); break;
          case 'voxOffset': two ? v.setBigInt64(168, BigInt(int), le) : v.setFloat32(108, float, le); break;
          case 'slope': setF(112, 176, float); break;
          case 'inter': setF(116, 184, float); break;
          case 'sform': v.setInt16(two ? 348 : 254, 1, le); for (let k = 0; k < 12; k++) setF(280 + 4 * k, 400 + 8 * k, float); break;
          case 'qform': v.setInt16(two ? 344 : 252, 1, le); for (let k = 0; k < 6; k++) setF(256 + 4 * k, 352 + 8 * k, float); break;
          case 'pixdim': for (let k = 1; k < 4; k++) setF(76 + 4 * k, 104 + 8 * k, float); break;
        }
        return gz ? new Uint8Array(gzipSync(raw)) : raw;
      },
    }));
}

function gunzipSeed(b: Uint8Array): Buffer {
  return gunzipSync(b, { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: 1 << 24 });
}

// Decompression bombs: streams of zeros that inflate far past what their headers say.
const BOMB_BYTES = 2 ** 28; // 256 MiB of zeros in a ~256 KB stream

/** A zlib or gzip stream of `zeros` zero bytes, made without holding them. */
async function zeroStream(kind: 'zlib' | 'gzip', zeros: number): Promise<Uint8Array> {
  const z = kind === 'zlib' ? createDeflate({ level: 9, strategy: zlibConstants.Z_RLE }) : createGzip({ level: 9, strategy: zlibConstants.Z_RLE });
  const parts: Buffer[] = [];
  z.on('data', (c: Buffer) => parts.push(c));
  const done = new Promise((resolve) => z.on('end', resolve));
  const chunk = Buffer.alloc(1 << 22);
  for (let left = zeros; left > 0; left -= chunk.length) {
    if (!z.write(left >= chunk.length ? chunk : chunk.subarray(0, left))) await new Promise((resolve) => z.once('drain', resolve));
  }
  z.end();
  await done;
  return new Uint8Array(Buffer.concat(parts));
}

let zlibBomb: Uint8Array = new Uint8Array(0);
let gzipBomb: Uint8Array = new Uint8Array(0);
/** A .nii.gz of two gzip members: the header, then the bomb. */
const gzipBombAfterHeader = (header: Uint8Array) => new Uint8Array(Buffer.concat([gzipSync(header), gzipBomb]));

before(async () => {
  zlibBomb = await zeroStream('zlib', BOMB_BYTES);
  gzipBomb = await zeroStream('gzip', BOMB_BYTES);
  stats.rss0 = stats.rssMax = process.memoryUsage().rss;
});

// ---------------------------------------------------------------------------------------------

const fuzzParams = (seed: number) => ({ seed, numRuns: RUNS, endOnFailure: true });

after(() => {
  console.log(
    `\nfuzz: ${stats.cases} cases tried (${stats.values} values, ${stats.inputErrors} input errors); ` +
      `slowest ${stats.slowestMs.toFixed(1)} ms (${stats.slowest.slice(0, 120)}); ` +
      `RSS peak ${(stats.rssMax / 2 ** 20).toFixed(0)} MB (grew ${((stats.rssMax - stats.rss0) / 2 ** 20).toFixed(0)} MB; seed ${SEED}, ${RUNS} runs per property)`,
  );
});

describe('fuzz: every decoder ends in a value or a typed MaskInputError, fast and within memory', () => {

  const seeds = [
    ['NPY', npySeed],
    ['PNG', pngCase],
    ['NIfTI', niftiSeed],
  ] as const;

  for (const [name, seed] of seeds) {
    it(`${name}: truncated, bit-flipped, spliced`, () => {
      fc.assert(
        fc.property(seed, mutation, (s, m) => {
          const bytes = m.apply(s.bytes);
          expectValueOrInputError(`${name} ${m.label} (${bytes.length} bytes)`, s.name, () => decodeMask(bytes, s.name), consistent);
        }),
        fuzzParams(SEED),
      );
    });

    it(`${name}: headers that lie`, () => {
      fc.assert(
        fc.property(seed, headerLie(name === 'NPY' ? 'npy' : name === 'PNG' ? 'png' : 'nifti'), fc.option(fc.integer({ min: 1, max: 4096 })), (s, m, maxVoxels) => {
          const bytes = m.apply(s.bytes);
          const opts = maxVoxels === null ? {} : { maxVoxels };
          expectValueOrInputError(`${name} ${m.label}${maxVoxels ? ` maxVoxels ${maxVoxels}` : ''}`, s.name, () => decodeMask(bytes, s.name, opts), consistent);
        }),
        fuzzParams(SEED + 1),
      );
    });
  }

  it('PNG: the decoder returns exactly the samples written (every filter, Adam7, every depth and colour type)', () => {
    fc.assert(
      fc.property(pngCase, (c) => {
        const colourMap: Record<string, number> = {};
        const expected: number[] = [];
        const { channels, depth } = c.spec;
        for (let p = 0; p < c.width * c.height; p++) {
          const px = c.samples.slice(p * channels, p * channels + channels);
          if (channels >= 3) {
            const hex = '#' + px.slice(0, 3).map((v) => v.toString(16).padStart(depth === 16 ? 4 : 2, '0')).join('');
            colourMap[hex] ??= Object.keys(colourMap).length;
            expected.push(colourMap[hex]);
          } else expected.push(px[0]);
        }
        const m = decodeMask(c.bytes, c.name, channels >= 3 ? { colourMap } : {});
        assert.deepEqual(m.shape, [c.height, c.width]);
        assert.deepEqual(Array.from(m.data), expected, c.pngKind);
      }),
      fuzzParams(SEED + 2),
    );
  });

  it('decompression bombs: PNG image data and .nii.gz inflating to 256 MiB stop at the bound', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 64 }), fc.constantFrom(0, 2, 4, 6), fc.option(fc.integer({ min: 1024, max: 2 ** 27 })), (w, h, colourType, maxDecodedBytes) => {
        const ihdr = new Uint8Array(13);
        new DataView(ihdr.buffer).setUint32(0, w);
        new DataView(ihdr.buffer).setUint32(4, h);
        ihdr.set([8, colourType, 0, 0, 0], 8);
        const png = new Uint8Array(Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', zlibBomb), pngChunk('IEND', new Uint8Array(0))]));
        const opts = maxDecodedBytes === null ? {} : { maxDecodedBytes };
        expectValueOrInputError(`PNG bomb ${w}x${h} type ${colourType}`, 'bomb.png', () => decodeMask(png, 'bomb.png', opts), () => assert.fail('a bomb decoded'));
        const header = encodeNifti(new Uint8Array(w * h), [h, w]).subarray(0, 352);
        const nii = gzipBombAfterHeader(header);
        expectValueOrInputError(`NIfTI bomb ${w}x${h}`, 'bomb.nii.gz', () => decodeMask(nii, 'bomb.nii.gz', opts), () => assert.fail('a bomb decoded'));
      }),
      { seed: SEED + 3, numRuns: 40 },
    );
  });

  it('a .nii.gz whose gzip header hides the NIfTI header far in (long FNAME / FEXTRA) still reads, or fails typed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400_000 }), fc.boolean(), (pad, extra) => {
        const nii = encodeNifti(Uint8Array.from({ length: 24 }, (_, i) => i % 3), [2, 3, 4]);
        const deflated = gzipSync(nii).subarray(10); // the deflate stream and trailer
        const head = Buffer.from([0x1f, 0x8b, 8, extra ? 4 : 8, 0, 0, 0, 0, 0, 3]);
        const field = extra
          ? Buffer.concat([Buffer.from([Math.min(pad, 65535) & 0xff, Math.min(pad, 65535) >> 8]), Buffer.alloc(Math.min(pad, 65535), 0x41)])
          : Buffer.concat([Buffer.alloc(pad, 0x41), Buffer.from([0])]);
        const bytes = new Uint8Array(Buffer.concat([head, field, deflated]));
        expectValueOrInputError(`gzip header padded ${pad} (${extra ? 'FEXTRA' : 'FNAME'})`, 'padded.nii.gz', () => decodeMask(bytes, 'padded.nii.gz'), (m) => {
          assert.deepEqual(m.shape, [2, 3, 4]);
          assert.deepEqual(Array.from(m.data), Array.from(nii.subarray(352)));
        });
      }),
      { seed: SEED + 4, numRuns: 30 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The input rules on absurd label values and class counts

const hugeLabel = fc.oneof(fc.constantFrom(2e9, 2 ** 31 - 1, 65535, 1e6, 1024, 1023, 255, -1, -(2 ** 31), NaN, Infinity, 1e300, 0.5), fc.integer({ min: -5, max: 5 }));

describe('fuzz: absurd label values and class counts end in a value or a MaskInputError before anything is sized by them', () => {
  it('label maps and probability maps with extreme values, --classes and --max-classes', () => {
    const arrayOf = (ctor: 'i32' | 'f64' | 'u16' | 'u8', values: number[]): TypedArray =>
      ctor === 'i32' ? Int32Array.from(values) : ctor === 'f64' ? Float64Array.from(values) : ctor === 'u16' ? Uint16Array.from(values) : Uint8Array.from(values);
    fc.assert(
      fc.property(
        fc.array(hugeLabel, { minLength: 12, maxLength: 12 }),
        fc.array(hugeLabel, { minLength: 12, maxLength: 12 }),
        fc.constantFrom('i32', 'f64', 'u16', 'u8') as fc.Arbitrary<'i32' | 'f64' | 'u16' | 'u8'>,
        fc.constantFrom('labels', 'probabilities', 'channels') as fc.Arbitrary<'labels' | 'probabilities' | 'channels'>,
        fc.option(fc.oneof(fc.constantFrom(2, 3, 1024, 1025, 2e9, 0, -1, 1.5), fc.integer({ min: 2, max: 40 }))),
        fc.option(fc.constantFrom(2, 4, 1024, 16384, 16385, 0, 1.5)),
        fc.integer({ min: 1, max: 3000 }),
        (predValues, gtValues, ctor, predKind, classes, maxClasses, channels) => {
          const gt: NdArray = { data: arrayOf(ctor, gtValues), shape: [3, 4], integer: ctor !== 'f64', dtype: ctor };
          let pred: NdArray;
          if (predKind === 'labels') pred = { data: arrayOf(ctor, predValues), shape: [3, 4], integer: ctor !== 'f64', dtype: ctor };
          else if (predKind === 'probabilities') pred = { data: Float64Array.from(predValues, (v) => Math.abs(v) % 1.01), shape: [3, 4], integer: false, dtype: 'f64' };
          else pred = { data: new Float32Array(channels * 12).fill(1 / channels), shape: [channels, 3, 4], integer: false, dtype: 'f32' };
          const options: EvaluateOptions = classes === null ? {} : { classes };
          const ctx = { predPath: 'p.npy', targetPath: 'g.npy', ...(maxClasses === null ? {} : { maxClasses }) };
          expectValueOrInputError(`prepare ${predKind} ${ctor} classes=${classes} maxClasses=${maxClasses} channels=${channels}`, null, () => preparePair(pred, gt, options, ctx), (p) => {
            assert.ok(p.pair.classes <= (maxClasses ?? 1024), `classes ${p.pair.classes} within the limit`);
          });
        },
      ),
      { seed: SEED + 5, numRuns: RUNS * 2 },
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe('the NPY header parser is linear: 64 KiB adversarial headers', () => {
  const room = MAX_NPY_HEADER_BYTES - 200;
  const adversarial: [string, string][] = [
    ['an unclosed shape of ones', `{'descr': '<f4', 'fortran_order': False, 'shape': (${'1, '.repeat(room / 3)}}`],
    ['an unclosed shape of spaces', `{'descr': '<f4', 'fortran_order': False, 'shape': (${' '.repeat(room)}}`],
    ['a shape of digits', `{'descr': '<f4', 'fortran_order': False, 'shape': (${'9'.repeat(room)},), }`],
    ['nested parentheses', `{'descr': '<f4', 'fortran_order': False, 'shape': ${'('.repeat(room)}}`],
    ['quotes and colons', `{${"'descr': ".repeat(room / 9)}}`],
    ['many keys', `{${"'shape': (1,), ".repeat(room / 15)}'descr': '<f4', 'fortran_order': False}`],
    ['an unclosed string', `{'descr': '${'x'.repeat(room)}}`],
    ['an unclosed shape, then the text the old regex echoed', `{'descr': '<f4', 'fortran_order': False, 'shape': (${'1,'.repeat(room / 4)}'${'x'.repeat(room / 2)}}`],
    ['backslashes', `{'descr': '${'\\'.repeat(room)}'}`],
    ['a shape of 30000 dimensions', `{'descr': '<f4', 'fortran_order': False, 'shape': (${'1,'.repeat(room / 2 - 10)}), }`],
    ['control characters', `{'descr': '<f4', 'fortran_order': False, 'shape': (${'\x1b[31m'.repeat(room / 5)})}`],
    ['a header the old regex parser hung on (4 MB cut to 64 KiB)', `{'descr': '<f4', 'fortran_order': False, 'shape': (${'1, '.repeat(room / 3)}'shape': (}`],
  ];
  for (const [name, dict] of adversarial) {
    it(name, () => {
      const text = Buffer.from(dict.padEnd(MAX_NPY_HEADER_BYTES - 12, ' '), 'latin1');
      assert.ok(text.length <= MAX_NPY_HEADER_BYTES);
      const bytes = new Uint8Array(12 + text.length);
      bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0]);
      new DataView(bytes.buffer).setUint32(8, text.length, true);
      bytes.set(text, 12);
      const t0 = performance.now();
      let message = '(parsed)';
      try {
        parseNpyHeader(bytes, 'adversarial.npy');
      } catch (e) {
        assert.ok(e instanceof MaskInputError, String(e));
        message = e.message;
      }
      const ms = performance.now() - t0;
      console.log(`  npy header, ${name}: ${(text.length / 1024).toFixed(0)} KiB parsed in ${ms.toFixed(1)} ms -> ${quoteForMessage(message, 110)}`);
      assert.ok(ms < 250, `${ms.toFixed(0)} ms`);
      assert.ok(message.length < 400, `a short message: ${message.length} characters`);
    });
  }

  it('a header over 64 KiB is refused from its length field, before it is decoded', () => {
    const bytes = new Uint8Array(12 + 16);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0]);
    new DataView(bytes.buffer).setUint32(8, 4 * 2 ** 20, true);
    assert.throws(() => parseNpyHeader(bytes, 'h.npy'), /header length field says 4194304 bytes, over the limit of 65536/);
  });
});

describe('the prepare boundary', () => {
  it('an allocation failure while preparing is an input error naming the file, not a RangeError', () => {
    // a prediction whose channel-last layout cannot be moved: its length is beyond any typed array
    const huge = { length: 2 ** 33, constructor: Float32Array } as unknown as Float32Array;
    const pred: NdArray = { data: huge, shape: [2 ** 31, 4], integer: false, dtype: '<f4' };
    const gt: NdArray = { data: new Uint8Array(4), shape: [2, 2], integer: true, dtype: '|u1' };
    assert.throws(
      () => preparePair(pred, gt, { channelsLast: true }, { predPath: 'p.npy', targetPath: 'g.npy' }),
      (e: unknown) => e instanceof MaskInputError && e.file === 'p.npy' && /needs more memory than can be allocated \(Invalid typed array length/.test(e.message),
    );
  });

  it('a bug while preparing is an InternalError naming the file', () => {
    const gt: NdArray = { data: new Uint8Array(4), shape: [2, 2], integer: true, dtype: '|u1' };
    const broken = { data: null, shape: [2, 2], integer: true, dtype: '|u1' } as unknown as NdArray;
    assert.throws(() => preparePair(broken, gt, {}, { predPath: 'p.npy', targetPath: 'g.npy' }), (e: unknown) => e instanceof InternalError && e.file === 'p.npy' && e.cause instanceof TypeError);
  });
});

