import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';
import { MaskInputError, type TypedArray } from '../../formats/types.js';
import { quoteForMessage, quotePath } from '../../formats/quote.js';
import { inflateBounded, inflateHead, InflateLimitExceeded } from '../../formats/inflate.js';
import {
  checkMaxClasses,
  checkMaxFileMb,
  DECODED_BYTES_CEILING,
  decodedBytesFor,
  DEFAULT_MAX_CLASSES,
  DEFAULT_MAX_ELEMENTS,
  DEFAULT_MAX_FILE_MB,
  fileBytesFromMb,
  MAX_CLASSES_CEILING,
  MAX_NPY_HEADER_BYTES,
} from '../../formats/limits.js';
import { decodeNpy } from '../../formats/npy.js';
import { decodePng } from '../../formats/png.js';
import { decodeNifti } from '../../formats/nifti.js';
import { decodeMask } from '../../formats/decode.js';
import { loadMaskFile } from '../../engine/loadMaskFile.js';
import { encodeNpy, encodePng, encodePngRaw, encodeNifti, type NiftiDatatype } from '../fixtures/encode.js';

/** Asserts fn throws a MaskInputError for `file` whose message matches `pattern`. */
function assertInputError(fn: () => unknown, file: string, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof MaskInputError, `expected MaskInputError, got ${String(e)}`);
    assert.equal(e.file, file);
    assert.match(e.message, pattern);
    return true;
  });
}

async function assertRejectsInput(p: Promise<unknown>, file: string, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof MaskInputError, `expected MaskInputError, got ${String(e)}`);
    assert.equal(e.file, file);
    assert.match(e.message, pattern);
    return true;
  });
}

const iota = (n: number) => Array.from({ length: n }, (_, i) => i);

// ---------------------------------------------------------------------------------------------
describe('NPY', () => {
  const cases: { descr: string; values: number[]; ctor: new (n: number) => TypedArray; integer: boolean }[] = [
    { descr: '|b1', values: [0, 1, 1, 0, 1, 0], ctor: Uint8Array, integer: true },
    { descr: '|i1', values: [-128, 127, 0, -1, 5, 6], ctor: Int8Array, integer: true },
    { descr: '|u1', values: [0, 255, 1, 2, 3, 4], ctor: Uint8Array, integer: true },
    { descr: '<i2', values: [-32768, 32767, 0, -1, 300, 6], ctor: Int16Array, integer: true },
    { descr: '<u2', values: [0, 65535, 1, 2, 40000, 4], ctor: Uint16Array, integer: true },
    { descr: '<i4', values: [-(2 ** 31), 2 ** 31 - 1, 0, -1, 7, 70000], ctor: Int32Array, integer: true },
    { descr: '<u4', values: [0, 2 ** 32 - 1, 1, 2, 3, 4], ctor: Uint32Array, integer: true },
    { descr: '<i8', values: [-(2 ** 53), 2 ** 53, -5, 0, 7, 1e15], ctor: Float64Array, integer: true },
    { descr: '<u8', values: [0, 2 ** 53, 1, 2 ** 40, 3, 4], ctor: Float64Array, integer: true },
    { descr: '<f2', values: [0, 0.5, -2, 65504, 2 ** -24, 1.5], ctor: Float32Array, integer: false },
    { descr: '<f4', values: [0, 0.25, -1.5, 1e30, 3, 1 / 1024], ctor: Float32Array, integer: false },
    { descr: '<f8', values: [0, 0.1, -1e300, Math.PI, 5, 6], ctor: Float64Array, integer: false },
    { descr: '>f4', values: [0, 0.25, -1.5, 1e30, 3, 1 / 1024], ctor: Float32Array, integer: false },
    { descr: '>i2', values: [-32768, 32767, 0, -1, 258, 6], ctor: Int16Array, integer: true },
    { descr: '>u4', values: [0, 2 ** 32 - 1, 1, 0x01020304, 3, 4], ctor: Uint32Array, integer: true },
    { descr: '>i8', values: [-(2 ** 53), 2 ** 53, -5, 0, 7, 1e15], ctor: Float64Array, integer: true },
    { descr: '>f2', values: [0, 0.5, -2, 65504, 2 ** -24, 1.5], ctor: Float32Array, integer: false },
    { descr: '>f8', values: [0, 0.1, -1e300, Math.PI, 5, 6], ctor: Float64Array, integer: false },
    { descr: '=f4', values: [0, 0.25, -1.5, 1e30, 3, 1 / 1024], ctor: Float32Array, integer: false },
  ];
  for (const c of cases) {
    test(`round trip ${c.descr}`, () => {
      const bytes = encodeNpy(new Float64Array(c.values), [2, 3], { dtype: c.descr });
      const m = decodeNpy(bytes, 'a.npy');
      assert.ok(m.data instanceof c.ctor, `${m.data.constructor.name} is not ${c.ctor.name}`);
      const expected = Array.from(new c.ctor(c.values.length).map((_, i) => c.values[i]));
      assert.deepEqual(Array.from(m.data), expected);
      assert.deepEqual(m.shape, [2, 3]);
      assert.equal(m.integer, c.integer);
      assert.equal(m.dtype, c.descr);
      assert.equal(m.format, 'npy');
      assert.equal(m.path, 'a.npy');
    });
  }

  test('bool bytes other than 0/1 read as 1', () => {
    const bytes = encodeNpy(new Uint8Array([0, 1, 0, 1]), [2, 2], { dtype: '|b1' });
    bytes[bytes.length - 1] = 7;
    assert.deepEqual(Array.from(decodeNpy(bytes, 'b.npy').data), [0, 1, 0, 1]);
  });

  test('Fortran order is transposed to C order (2D and 3D, little and big endian)', () => {
    const c3 = new Float32Array(iota(24));
    const m3 = decodeNpy(encodeNpy(c3, [2, 3, 4], { fortran: true }), 'f.npy');
    assert.deepEqual(Array.from(m3.data), Array.from(c3));
    assert.deepEqual(m3.shape, [2, 3, 4]);

    const c2 = new Float64Array(iota(15).map((i) => i * 1.5));
    const m2 = decodeNpy(encodeNpy(c2, [3, 5], { fortran: true, bigEndian: true }), 'f.npy');
    assert.equal(m2.dtype, '>f8');
    assert.deepEqual(Array.from(m2.data), Array.from(c2));
    // And the file really is in Fortran order: its raw first elements are column 0.
    const raw = encodeNpy(c2, [3, 5], { fortran: true });
    assert.equal(new DataView(raw.buffer).getFloat64(raw.length - 15 * 8 + 8, true), c2[5]);
  });

  test('format versions 2.0 and 3.0 read like 1.0', () => {
    const data = new Int16Array([1, -2, 3, -4, 5, -6]);
    for (const version of [1, 2, 3] as const) {
      const bytes = encodeNpy(data, [3, 2], { version });
      assert.equal(bytes[6], version);
      const m = decodeNpy(bytes, 'v.npy');
      assert.deepEqual(Array.from(m.data), Array.from(data));
      assert.deepEqual(m.shape, [3, 2]);
    }
  });

  test('decodes from an unaligned view and does not alias the input', () => {
    const bytes = encodeNpy(new Float32Array([1, 2, 3, 4]), [4]);
    const padded = new Uint8Array(bytes.length + 1);
    padded.set(bytes, 1);
    const view = padded.subarray(1);
    const m = decodeNpy(view, 'u.npy');
    assert.deepEqual(Array.from(m.data), [1, 2, 3, 4]);
    padded.fill(0);
    assert.deepEqual(Array.from(m.data), [1, 2, 3, 4]);
  });

  test('int64 values beyond 2^53 are refused', () => {
    assertInputError(
      () => decodeNpy(encodeNpy(new Float64Array([0, 2 ** 53 + 2]), [2], { dtype: '<i8' }), 'big.npy'),
      'big.npy',
      /int64 value 9007199254740994 at element 1 is beyond 2\^53/,
    );
    assertInputError(
      () => decodeNpy(encodeNpy(new Float64Array([-(2 ** 53) - 2, 0]), [2], { dtype: '>i8' }), 'neg.npy'),
      'neg.npy',
      /int64 value -9007199254740994 at element 0/,
    );
    assertInputError(
      () => decodeNpy(encodeNpy(new Float64Array([2 ** 63]), [1], { dtype: '<u8' }), 'u.npy'),
      'u.npy',
      /uint64 value 9223372036854775808/,
    );
  });

  test('truncated data', () => {
    const bytes = encodeNpy(new Float32Array(24), [4, 6]);
    assertInputError(
      () => decodeNpy(bytes.subarray(0, bytes.length - 10), 't.npy'),
      't.npy',
      /truncated: header says 96 bytes of data, file has 86/,
    );
  });

  test('truncated inside the header', () => {
    const bytes = encodeNpy(new Float32Array(4), [4]);
    assertInputError(() => decodeNpy(bytes.subarray(0, 40), 'h.npy'), 'h.npy', /truncated: the header says it is \d+ bytes long/);
  });

  test('a header whose length field lies', () => {
    const bytes = encodeNpy(new Float32Array(4), [4]);
    new DataView(bytes.buffer).setUint16(8, 20, true);
    assertInputError(() => decodeNpy(bytes, 'lie.npy'), 'lie.npy', /does not enclose a complete header dictionary/);
  });

  test('a header whose shape is smaller than the data', () => {
    const bytes = encodeNpy(new Float32Array(8), [8]);
    const text = new TextDecoder('latin1').decode(bytes).replace("'shape': (8,)", "'shape': (4,)");
    const fixed = Uint8Array.from(text, (c) => c.charCodeAt(0));
    assertInputError(() => decodeNpy(fixed, 's.npy'), 's.npy', /header says shape \(4\) of '<f4', 16 bytes of data, but 32 bytes follow the header/);
  });

  test('unsupported dtypes name the dtype', () => {
    const withDescr = (descr: string) => {
      const bytes = encodeNpy(new Float32Array(4), [4]);
      const text = new TextDecoder('latin1').decode(bytes).replace("'<f4'", `'${descr}'`.padEnd(5, ' '));
      return Uint8Array.from(text, (c) => c.charCodeAt(0));
    };
    assertInputError(() => decodeNpy(withDescr('<c8'), 'c.npy'), 'c.npy', /unsupported dtype '<c8' \(complex\)/);
    assertInputError(() => decodeNpy(withDescr('<U1'), 'u.npy'), 'u.npy', /unsupported dtype '<U1' \(unicode string\)/);
    assertInputError(() => decodeNpy(withDescr('|O'), 'o.npy'), 'o.npy', /unsupported dtype '\|O' \(Python object\)/);
    assertInputError(() => decodeNpy(withDescr('<f16'), 'l.npy'), 'l.npy', /unsupported dtype '<f16' \(extended-precision float\)/);
    assertInputError(() => decodeNpy(withDescr('<M8[ns]'), 'm.npy'), 'm.npy', /unsupported dtype '<M8\[ns\]' \(datetime\)/);
  });

  test('0-dimensional and empty arrays are refused', () => {
    const scalar = new TextDecoder('latin1').decode(encodeNpy(new Float32Array(1), [1])).replace("'shape': (1,)", "'shape': ()  ");
    assertInputError(() => decodeNpy(Uint8Array.from(scalar, (c) => c.charCodeAt(0)), 's.npy'), 's.npy', /0-dimensional/);
    const empty = encodeNpy(new Float32Array(0), [0, 4]);
    assertInputError(() => decodeNpy(empty, 'e.npy'), 'e.npy', /empty \(dimensions 0x4\)/);
  });

  test('a header declaring 1e12 elements in a 200-byte file fails fast with the limit message', () => {
    const head = encodeNpy(new Uint8Array(0), [0]);
    const text = new TextDecoder('latin1').decode(head).replace("'shape': (0,)", "'shape': (1000000, 1000000)");
    const bytes = Uint8Array.from(text.slice(0, 128).padEnd(200, '\0'), (c) => c.charCodeAt(0));
    assert.equal(bytes.length, 200);
    const t0 = performance.now();
    assertInputError(() => decodeNpy(bytes, 'huge.npy'), 'huge.npy', /dimensions 1000000x1000000 exceed the limit of 536870912 elements/);
    assert.ok(performance.now() - t0 < 100);
    assertInputError(
      () => decodeNpy(encodeNpy(new Uint8Array(16), [4, 4]), 'small.npy', { maxElements: 15 }),
      'small.npy',
      /dimensions 4x4 exceed the limit of 15 elements/,
    );
  });

  test('not an NPY file', () => {
    assertInputError(() => decodeNpy(new Uint8Array(64), 'z.npy'), 'z.npy', /not an NPY file/);
  });
});

// ---------------------------------------------------------------------------------------------
describe('PNG', () => {
  const H = 5;
  const W = 7;

  test('8-bit grey', () => {
    const data = Uint8Array.from(iota(H * W), (i) => (i * 37) % 256);
    const m = decodePng(encodePng(data, [H, W]), 'g.png');
    assert.ok(m.data instanceof Uint8Array);
    assert.deepEqual(Array.from(m.data), Array.from(data));
    assert.deepEqual(m.shape, [H, W]);
    assert.equal(m.dtype, 'uint8 grey PNG');
    assert.equal(m.integer, true);
    assert.equal(m.format, 'png');
  });

  test('16-bit grey', () => {
    const data = Uint16Array.from(iota(H * W), (i) => (i * 1873) % 65536);
    data[0] = 65535;
    const m = decodePng(encodePng(data, [H, W]), 'g16.png');
    assert.ok(m.data instanceof Uint16Array);
    assert.deepEqual(Array.from(m.data), Array.from(data));
    assert.equal(m.dtype, 'uint16 grey PNG');
  });

  test('Adam7-interlaced 8-bit grey', () => {
    const data = Uint8Array.from(iota(9 * 11), (i) => (i * 13) % 256);
    const m = decodePng(encodePng(data, [9, 11], { interlace: true }), 'i.png');
    assert.deepEqual(Array.from(m.data), Array.from(data));
  });

  test('palette PNG gives the palette indices, not the colours (Pascal VOC)', () => {
    const palette = iota(256).map((i) => [(i * 7) % 256, (i * 11) % 256, (i * 13) % 256]);
    const data = Uint8Array.from(iota(H * W), (i) => [0, 8, 15, 255][i % 4]);
    const m = decodePng(encodePng(data, [H, W], { palette }), 'voc.png');
    assert.equal(m.dtype, 'palette PNG');
    assert.ok(m.data instanceof Uint8Array);
    assert.deepEqual(Array.from(m.data), Array.from(data));
  });

  test('1-, 2- and 4-bit grey and palette PNGs unpack to one value per pixel', () => {
    for (const depth of [1, 2, 4]) {
      const width = 11; // not a multiple of 8 / depth: rows end in padding bits
      const values = iota(3 * width).map((i) => (i * 5) % (1 << depth));
      const rows = [0, 1, 2].map((y) => {
        const row = new Uint8Array(Math.ceil((width * depth) / 8));
        for (let x = 0; x < width; x++) row[(x * depth) >> 3] |= values[y * width + x] << (8 - depth - ((x * depth) & 7));
        return row;
      });
      const grey = decodePng(encodePngRaw({ width, height: 3, depth, colourType: 0, rows, filters: [0, 2, 2] }), 'g.png');
      assert.deepEqual(Array.from(grey.data), values, `grey depth ${depth}`);
      assert.equal(grey.dtype, `${depth}-bit grey PNG`);
      const palette = iota(1 << depth).map((i) => [i, 255 - i, 0]);
      const pal = decodePng(encodePngRaw({ width, height: 3, depth, colourType: 3, rows, palette }), 'p.png');
      assert.deepEqual(Array.from(pal.data), values, `palette depth ${depth}`);
      assert.equal(pal.dtype, 'palette PNG');
    }
  });

  test('grey+alpha uses the grey channel', () => {
    const data = Uint8Array.from(iota(H * W * 2), (i) => (i % 2 ? 255 - (i % 3) : (i >> 1) % 4));
    const m = decodePng(encodePng(data, [H, W, 2]), 'ga.png');
    assert.deepEqual(Array.from(m.data), iota(H * W).map((i) => i % 4));
    assert.equal(m.dtype, 'uint8 grey+alpha PNG');
  });

  // red, black, green, red, blue, ... in raster order
  const colours = [[255, 0, 0], [0, 0, 0], [0, 255, 0], [255, 0, 0], [0, 0, 255], [0, 0, 0]];
  const rgb = (alpha?: number) =>
    Uint8Array.from(colours.flatMap((c) => (alpha === undefined ? c : [...c, alpha])));

  test('RGB without a colour map: black is class 0, then order of first appearance', () => {
    const m = decodePng(encodePng(rgb(), [2, 3, 3]), 'c.png');
    assert.deepEqual(m.colourClasses, ['#000000', '#ff0000', '#00ff00', '#0000ff']);
    assert.deepEqual(Array.from(m.data), [1, 0, 2, 1, 3, 0]);
    assert.equal(m.dtype, 'RGB PNG');
    assert.deepEqual(m.shape, [2, 3]);
  });

  test('RGB without black: the first colour seen is class 0', () => {
    const m = decodePng(encodePng(Uint8Array.from([9, 9, 9, 1, 2, 3, 9, 9, 9, 1, 2, 3]), [2, 2, 3]), 'c.png');
    assert.deepEqual(m.colourClasses, ['#090909', '#010203']);
    assert.deepEqual(Array.from(m.data), [0, 1, 0, 1]);
  });

  test('RGBA with a colour map maps colours to classes and ignores alpha', () => {
    const colourMap = { '#000000': 0, '#FF0000': 3, '00ff00': 7, '#0000ff': 300 };
    const m = decodePng(encodePng(rgb(128), [2, 3, 4]), 'c.png', { colourMap });
    assert.equal(m.dtype, 'RGBA PNG');
    assert.ok(m.data instanceof Uint16Array, 'class 300 needs 16 bits');
    assert.deepEqual(Array.from(m.data), [3, 0, 7, 3, 300, 0]);
    assert.equal(m.colourClasses, undefined);
  });

  test('16-bit RGB with an 8-bit colour map', () => {
    const data = Uint16Array.from([0xffff, 0, 0, 0, 0, 0, 0x1212, 0x3434, 0x5656, 0, 0, 0]);
    const m = decodePng(encodePng(data, [2, 2, 3]), 'c16.png', { colourMap: { '#ff0000': 1, '#000000': 0, '#123456': 2 } });
    assert.deepEqual(Array.from(m.data), [1, 0, 2, 0]);
    assert.equal(m.dtype, 'RGB PNG (16-bit)');
  });

  test('a colour missing from the colour map names the colour and the pixel', () => {
    assertInputError(
      () => decodePng(encodePng(rgb(), [2, 3, 3]), 'c.png', { colourMap: { '#000000': 0, '#ff0000': 1, '#00ff00': 2 } }),
      'c.png',
      /colour #0000ff at pixel \(x=1, y=1\) is not in the colour map/,
    );
    assertInputError(
      () => decodePng(encodePng(rgb(), [2, 3, 3]), 'c.png', { colourMap: { red: 1 } }),
      'c.png',
      /'red' is not a colour/,
    );
  });

  test('corrupt PNG (damaged image data) is a MaskInputError, not a library stack', () => {
    const bytes = encodePng(Uint8Array.from(iota(64 * 64), (i) => i % 251), [64, 64]);
    const idat = Buffer.from(bytes).indexOf('IDAT');
    const bad = new Uint8Array(bytes);
    for (let i = idat + 10; i < idat + 30; i++) bad[i] ^= 0x5a;
    assertInputError(() => decodePng(bad, 'bad.png'), 'bad.png', /corrupt PNG/);
    // Damage that leaves the zlib stream valid is still caught by the CRC.
    const crcOnly = new Uint8Array(bytes);
    crcOnly[idat + 4 + Buffer.from(bytes).readUInt32BE(idat - 4)] ^= 1;
    assertInputError(() => decodePng(crcOnly, 'crc.png'), 'crc.png', /corrupt PNG: CRC mismatch/);
  });

  test('truncated PNG', () => {
    const bytes = encodePng(Uint8Array.from(iota(32 * 32), (i) => i % 7), [32, 32]);
    assertInputError(() => decodePng(bytes.subarray(0, bytes.length - 30), 't.png'), 't.png', /truncated/);
    assertInputError(() => decodePng(bytes.subarray(0, 20), 't.png'), 't.png', /truncated/);
  });

  test('image data shorter than IHDR says (a header that lies) is reported as truncation', () => {
    const rows = [new Uint8Array(8), new Uint8Array(8)];
    const bytes = encodePngRaw({ width: 8, height: 8, depth: 8, colourType: 0, rows });
    assertInputError(() => decodePng(bytes, 'short.png'), 'short.png', /truncated: header says 8x8 pixels, 72 bytes of image data, the file holds 18/);
  });

  test('IHDR declaring 100000x100000 fails on the limit before decoding', () => {
    const bytes = new Uint8Array(encodePng(new Uint8Array(4), [2, 2]));
    const v = new DataView(bytes.buffer);
    v.setUint32(16, 100000);
    v.setUint32(20, 100000);
    assertInputError(() => decodePng(bytes, 'big.png'), 'big.png', /dimensions 100000x100000 exceed the limit of 536870912 elements/);
  });

  test('not a PNG', () => {
    assertInputError(() => decodePng(new Uint8Array(100), 'n.png'), 'n.png', /not a PNG file/);
  });
});

// ---------------------------------------------------------------------------------------------
describe('NIfTI', () => {
  const shape3 = [4, 5, 6]; // [D, H, W]: dim = (6, 5, 4)
  const values3 = iota(120).map((i) => (i % 17) - 3);

  for (const version of [1, 2] as const) {
    for (const gzip of [false, true]) {
      for (const bigEndian of [false, true]) {
        test(`NIfTI-${version}${gzip ? ' gzip' : ''}${bigEndian ? ' big-endian' : ''}: shape, spacing order, data`, () => {
          const bytes = encodeNifti(new Int16Array(values3), shape3, { spacing: [2.5, 0.8, 0.7], version, gzip, bigEndian });
          assert.equal(bytes[0] === 0x1f && bytes[1] === 0x8b, gzip);
          const m = decodeNifti(bytes, 'v.nii.gz');
          assert.deepEqual(m.shape, [4, 5, 6]);
          const f = version === 1 ? Math.fround : (x: number) => x;
          assert.deepEqual(m.spacing, [f(2.5), f(0.8), f(0.7)]);
          assert.ok(m.data instanceof Int16Array);
          assert.deepEqual(Array.from(m.data), values3);
          assert.equal(m.dtype, `NIfTI-${version} int16`);
          assert.equal(m.integer, true);
          assert.equal(m.format, 'nifti');
        });
      }
    }
  }

  test('the x axis is the fastest on disk: dim = (nx, ny, nz) is the array [nz, ny, nx]', () => {
    const bytes = encodeNifti(new Uint8Array(iota(24)), [2, 3, 4]);
    const v = new DataView(bytes.buffer);
    assert.deepEqual([1, 2, 3].map((i) => v.getInt16(40 + i * 2, true)), [4, 3, 2]);
    const m = decodeNifti(bytes, 'x.nii');
    assert.deepEqual(m.shape, [2, 3, 4]);
    assert.equal(m.data[1], 1); // (x=1, y=0, z=0) is element 1
  });

  const datatypes: [NiftiDatatype, new (n: number) => TypedArray, number[]][] = [
    ['uint8', Uint8Array, [0, 255, 7, 1]],
    ['int8', Int8Array, [-128, 127, 0, -1]],
    ['int16', Int16Array, [-32768, 32767, 0, -1]],
    ['uint16', Uint16Array, [0, 65535, 3, 9]],
    ['int32', Int32Array, [-(2 ** 31), 2 ** 31 - 1, 0, -1]],
    ['uint32', Uint32Array, [0, 2 ** 32 - 1, 5, 6]],
    ['float32', Float32Array, [0.5, -1.25, 3, 1e-3]],
    ['float64', Float64Array, [0.1, -1e200, 3, Math.E]],
    ['int64', Float64Array, [-(2 ** 53), 2 ** 53, 0, -1]],
    ['uint64', Float64Array, [0, 2 ** 53, 5, 6]],
  ];
  for (const [datatype, ctor, values] of datatypes) {
    test(`datatype ${datatype}`, () => {
      for (const bigEndian of [false, true]) {
        const m = decodeNifti(encodeNifti(new Float64Array(values), [2, 2], { datatype, bigEndian }), 'd.nii');
        assert.ok(m.data instanceof ctor, `${m.data.constructor.name} for ${datatype}`);
        assert.deepEqual(Array.from(m.data), Array.from(new ctor(4).map((_, i) => values[i])));
        assert.equal(m.dtype, `NIfTI-1 ${datatype}`);
        assert.equal(m.integer, !datatype.startsWith('float'));
      }
    });
  }

  test('2D image: [ny, nx] with two spacings; a trailing nz = 1 is dropped', () => {
    const a = decodeNifti(encodeNifti(new Uint8Array(12), [3, 4], { spacing: [0.5, 0.25] }), 'a.nii');
    assert.deepEqual(a.shape, [3, 4]);
    assert.deepEqual(a.spacing, [0.5, 0.25]);
    const b = decodeNifti(encodeNifti(new Uint8Array(12), [1, 3, 4], { spacing: [9, 0.5, 0.25] }), 'b.nii');
    assert.deepEqual(b.shape, [3, 4]);
    assert.deepEqual(b.spacing, [0.5, 0.25]);
  });

  test('4D is channel-first [nt, nz, ny, nx]; with nz = 1 it is [nt, ny, nx]', () => {
    const data = new Float32Array(iota(2 * 3 * 4 * 5));
    const a = decodeNifti(encodeNifti(data, [2, 3, 4, 5], { spacing: [3, 2, 1] }), 'p.nii');
    assert.deepEqual(a.shape, [2, 3, 4, 5]);
    assert.deepEqual(a.spacing, [3, 2, 1]);
    assert.deepEqual(Array.from(a.data), Array.from(data));
    const b = decodeNifti(encodeNifti(new Float32Array(24), [2, 1, 3, 4], { spacing: [7, 2, 1] }), 'q.nii');
    assert.deepEqual(b.shape, [2, 3, 4]);
    assert.deepEqual(b.spacing, [2, 1]);
  });

  test('scl_slope / scl_inter', () => {
    const raw = new Int16Array([0, 1, -2, 100]);
    const intScaled = decodeNifti(encodeNifti(raw, [2, 2], { sclSlope: 2, sclInter: 1 }), 's.nii');
    assert.ok(intScaled.data instanceof Int32Array);
    assert.equal(intScaled.integer, true);
    assert.deepEqual(Array.from(intScaled.data), [1, 3, -3, 201]);

    const floatScaled = decodeNifti(encodeNifti(raw, [2, 2], { sclSlope: 0.5, sclInter: 0 }), 's.nii');
    assert.ok(floatScaled.data instanceof Float32Array);
    assert.equal(floatScaled.integer, false);
    assert.deepEqual(Array.from(floatScaled.data), [0, 0.5, -1, 50]);

    const wide = decodeNifti(encodeNifti(new Int32Array([2 ** 30, 1, 2, 3]), [2, 2], { sclSlope: 0.5 }), 's.nii');
    assert.ok(wide.data instanceof Float64Array);
    assert.equal(wide.data[0], 2 ** 29);

    for (const [sclSlope, sclInter] of [[0, 5], [1, 0]]) {
      const m = decodeNifti(encodeNifti(new Uint8Array([1, 2, 3, 4]), [2, 2], { sclSlope, sclInter }), 's.nii');
      assert.ok(m.data instanceof Uint8Array, `slope ${sclSlope} inter ${sclInter} leaves the data alone`);
      assert.deepEqual(Array.from(m.data), [1, 2, 3, 4]);
    }
  });

  test('affine: sform when sform_code > 0, else qform, else diag(pixdim)', () => {
    const sform = [[-0.8, 0, 0, 10], [0, 0.8, 0.1, -20], [0, 0, 2.5, 30.5], [0, 0, 0, 1]];
    const qform = { quatern: [0, 0, 1] as [number, number, number], offset: [1, 2, 3] as [number, number, number] };
    const data = new Uint8Array(24);
    const f = (a: number[][]) => a.map((r) => r.map(Math.fround));

    const s = decodeNifti(encodeNifti(data, [2, 3, 4], { spacing: [2.5, 0.8, 0.8], affine: sform, qform }), 's.nii');
    assert.deepEqual(s.affine, f(sform));

    // quaternion (0, 0, 1): 180 degrees about z, so x and y flip; pixdim (1, 2, 3)
    const q = decodeNifti(encodeNifti(data, [2, 3, 4], { spacing: [3, 2, 1], qform }), 'q.nii');
    assert.deepEqual(q.affine, [[-1, 0, 0, 1], [0, -2, 0, 2], [0, 0, 3, 3], [0, 0, 0, 1]]);
    const qNeg = decodeNifti(encodeNifti(data, [2, 3, 4], { spacing: [3, 2, 1], qform: { ...qform, qfac: -1 } }), 'q.nii');
    assert.equal(qNeg.affine![2][2], -3);
    const q2 = decodeNifti(encodeNifti(data, [2, 3, 4], { spacing: [3, 2, 1], qform, version: 2 }), 'q.nii');
    assert.deepEqual(q2.affine, q.affine);

    const d = decodeNifti(encodeNifti(data, [2, 3, 4], { spacing: [3, 2, 1] }), 'd.nii');
    assert.deepEqual(d.affine, [[1, 0, 0, 0], [0, 2, 0, 0], [0, 0, 3, 0], [0, 0, 0, 1]]);
  });

  test('a zero pixdim becomes spacing 1 with a warning', () => {
    const m = decodeNifti(encodeNifti(new Uint8Array(6), [2, 3], { spacing: [0, 0.5] }), 'z.nii');
    assert.deepEqual(m.spacing, [1, 0.5]);
    assert.match(m.warnings?.[0] ?? '', /pixdim\[2\] \(y spacing\) is 0; using 1/);
  });

  test('truncated .nii and .nii.gz', () => {
    const plain = encodeNifti(new Int16Array(2048), [2048]);
    assertInputError(() => decodeNifti(plain.subarray(0, 352 + 1000), 't.nii'), 't.nii', /truncated: header says 4096 bytes of data, file has 1000/);
    assertInputError(() => decodeNifti(plain.subarray(0, 200), 't.nii'), 't.nii', /truncated: the NIfTI-1 header needs 348 bytes/);
    const gz = encodeNifti(new Int16Array(iota(20000).map((i) => (i * 7919) % 30011)), [20000], { gzip: true });
    assertInputError(() => decodeNifti(gz.subarray(0, gz.length >> 1), 't.nii.gz'), 't.nii.gz', /truncated: header says 40000 bytes of data, file has \d+ after decompression/);
  });

  test('a header whose dimensions are smaller than the data', () => {
    const bytes = encodeNifti(new Uint8Array(100), [10, 10]);
    new DataView(bytes.buffer).setInt16(44, 5, true); // ny 10 -> 5
    assertInputError(() => decodeNifti(bytes, 'l.nii'), 'l.nii', /header says 10x5 uint8, 50 bytes of data, but 100 bytes follow vox_offset/);
    assertInputError(() => decodeNifti(new Uint8Array(gzipSync(bytes)), 'l.nii.gz'), 'l.nii.gz', /header says 10x5 uint8, 50 bytes of data, but the gzip stream holds more/);
  });

  test('corrupt gzip', () => {
    const gz = encodeNifti(new Uint8Array(1000), [10, 100], { gzip: true });
    const badCrc = new Uint8Array(gz);
    badCrc[gz.length - 6] ^= 0xff;
    assertInputError(() => decodeNifti(badCrc, 'c.nii.gz'), 'c.nii.gz', /corrupt gzip data: incorrect data check/);
    const garbage = new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, ...new Array(100).fill(0xff)]);
    assertInputError(() => decodeNifti(garbage, 'g.nii.gz'), 'g.nii.gz', /corrupt gzip data/);
  });

  test('unsupported datatypes name the code', () => {
    const bytes = encodeNifti(new Uint8Array(8), [8]);
    new DataView(bytes.buffer).setInt16(70, 32, true);
    assertInputError(() => decodeNifti(bytes, 'c.nii'), 'c.nii', /unsupported datatype 32 \(complex64\)/);
    new DataView(bytes.buffer).setInt16(70, 128, true);
    assertInputError(() => decodeNifti(bytes, 'c.nii'), 'c.nii', /unsupported datatype 128 \(RGB24\)/);
  });

  test('dimensions over the limit fail before decompressing or allocating', () => {
    const small = encodeNifti(new Uint8Array(8), [2, 2, 2]);
    const v = new DataView(small.buffer);
    v.setInt16(42, 10000, true);
    v.setInt16(44, 10000, true);
    v.setInt16(46, 10000, true);
    assertInputError(() => decodeNifti(small, 'h.nii'), 'h.nii', /dimensions 10000x10000x10000 exceed the limit of 536870912 elements/);
    assertInputError(() => decodeNifti(new Uint8Array(gzipSync(small)), 'h.nii.gz'), 'h.nii.gz', /exceed the limit/);
    const two = encodeNifti(new Uint8Array(8), [2, 2, 2], { version: 2 });
    new DataView(two.buffer).setBigInt64(24, 10n ** 12n, true);
    assertInputError(() => decodeNifti(two, 'h2.nii'), 'h2.nii', /dimensions 1000000000000x2x2 exceed the limit/);
  });

  test('not NIfTI, .hdr/.img pairs and ANALYZE are refused by name', () => {
    assertInputError(() => decodeNifti(new Uint8Array(400), 'n.nii'), 'n.nii', /not a NIfTI file/);
    const pair = encodeNifti(new Uint8Array(8), [8]);
    pair.set([0x6e, 0x69, 0x31], 344); // 'ni1'
    assertInputError(() => decodeNifti(pair, 'p.nii'), 'p.nii', /\.hdr\/\.img pairs are not supported/);
    const analyze = encodeNifti(new Uint8Array(8), [8]);
    analyze.fill(0, 344, 348);
    assertInputError(() => decodeNifti(analyze, 'a.nii'), 'a.nii', /ANALYZE 7\.5 is not supported/);
  });
});

// ---------------------------------------------------------------------------------------------
describe('loadMaskFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'segscope-formats-'));
  const file = (name: string, bytes: Uint8Array | string) => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };

  test('dispatches on the extension (any case) and reads every format', async () => {
    const npy = await loadMaskFile(file('a.npy', encodeNpy(new Float32Array([1, 2, 3, 4]), [2, 2])));
    assert.equal(npy.format, 'npy');
    assert.deepEqual(Array.from(npy.data), [1, 2, 3, 4]);
    const png = await loadMaskFile(file('a.PNG', encodePng(new Uint8Array([0, 255, 255, 0]), [2, 2])));
    assert.equal(png.format, 'png');
    assert.deepEqual(Array.from(png.data), [0, 255, 255, 0]);
    const nii = await loadMaskFile(file('a.NII.GZ', encodeNifti(new Uint8Array(8), [2, 2, 2], { gzip: true })));
    assert.equal(nii.format, 'nifti');
    assert.deepEqual(nii.shape, [2, 2, 2]);
  });

  test('gzip is detected by its magic, not by the name', async () => {
    const gzAsNii = await loadMaskFile(file('gz.nii', encodeNifti(new Uint8Array([5, 6]), [2], { gzip: true })));
    assert.deepEqual(Array.from(gzAsNii.data), [5, 6]);
    const plainAsGz = await loadMaskFile(file('plain.nii.gz', encodeNifti(new Uint8Array([7, 8]), [2])));
    assert.deepEqual(Array.from(plainAsGz.data), [7, 8]);
  });

  test('colour map and voxel limit are passed to the decoders', async () => {
    const png = file('c.png', encodePng(Uint8Array.from([255, 0, 0, 0, 0, 0]), [1, 2, 3]));
    const m = await loadMaskFile(png, { colourMap: { '#ff0000': 4, '#000000': 0 } });
    assert.deepEqual(Array.from(m.data), [4, 0]);
    const npy = file('v.npy', encodeNpy(new Uint8Array(100), [10, 10]));
    await assertRejectsInput(loadMaskFile(npy, { maxVoxels: 50 }), npy, /dimensions 10x10 exceed the limit of 50 elements/);
  });

  test('missing file', async () => {
    const p = join(dir, 'nope.npy');
    await assertRejectsInput(loadMaskFile(p), p, /file not found/);
  });

  test('a directory', async () => {
    const p = join(dir, 'folder.nii');
    mkdirSync(p);
    await assertRejectsInput(loadMaskFile(p), p, /is a directory/);
  });

  test('unknown extension', async () => {
    const p = file('mask.jpg', 'x');
    await assertRejectsInput(loadMaskFile(p), p, /unknown format '\.jpg' \(expected \.png, \.npy, \.nii or \.nii\.gz\)/);
    const q = file('mask', 'x');
    await assertRejectsInput(loadMaskFile(q), q, /unknown format \(no extension\)/);
  });

  test('a PNG named .npy is caught by its magic', async () => {
    const p = file('wrong.npy', encodePng(new Uint8Array(4), [2, 2]));
    await assertRejectsInput(loadMaskFile(p), p, /the name says a NumPy \.npy array but the content is a PNG image/);
  });

  test('a file over maxBytes is refused before it is read or decoded', async () => {
    const p = file('big.npy', 'not an npy file at all, but larger than the limit');
    await assertRejectsInput(loadMaskFile(p, { maxBytes: 10 }), p, /over the limit of 10 bytes/);
  });

  test('decodeMask works on bytes in memory', () => {
    const m = decodeMask(encodeNpy(new Int32Array([3, 4]), [2]), 'mem.npy');
    assert.deepEqual(Array.from(m.data), [3, 4]);
    assertInputError(() => decodeMask(new Uint8Array(4), 'mem.tif'), 'mem.tif', /unknown format '\.tif'/);
  });

  test('maxBytes 0 is no limit; a negative limit is an error, not a limit of negative bytes', async () => {
    const p = file('any.npy', encodeNpy(new Uint8Array(16), [4, 4]));
    assert.deepEqual((await loadMaskFile(p, { maxBytes: 0 })).shape, [4, 4]);
    await assert.rejects(loadMaskFile(p, { maxBytes: -5 * 1024 * 1024 }), (e: unknown) => e instanceof MaskInputError && /got -5242880/.test(e.message) && !/limit of -/.test(e.message));
  });

  test('the decompressed size of a .nii.gz is held to the file limit, checked before inflating', async () => {
    const p = file('zeros.nii.gz', encodeNifti(new Uint8Array(64 * 64 * 64), [64, 64, 64], { gzip: true }));
    await assertRejectsInput(loadMaskFile(p, { maxBytes: 100_000 }), p, /256\.3 KiB once decompressed, over the limit of 97\.7 KiB; raise it with --max-file-mb/);
    assert.deepEqual((await loadMaskFile(p, { maxBytes: 0 })).shape, [64, 64, 64]);
  });
});

// ---------------------------------------------------------------------------------------------
describe('quoteForMessage: text from files never reaches a message raw', () => {
  test('control characters, DEL, C1, bidi overrides and lone surrogates are escaped', () => {
    assert.equal(quoteForMessage('a\nb\x1b[31mc\x7f\x9b'), 'a\\x0ab\\x1b[31mc\\x7f\\x9b');
    assert.equal(quoteForMessage('x\u202ey\u200bz'), 'x\\u{202e}y\\u{200b}z');
    assert.equal(quoteForMessage('\ud800'), '\\u{d800}');
    assert.equal(quoteForMessage('liver \u00e9 \u{1f600} ≥ C:\\masks'), 'liver \u00e9 \u{1f600} ≥ C:\\masks', 'printable text and backslashes stay');
  });

  test('long text is cut with an ellipsis, keeping its head and tail, never inside an escape', () => {
    const long = 'h'.repeat(100) + 't'.repeat(100);
    const q = quoteForMessage(long, 80);
    assert.equal(q.length, 80);
    assert.ok(q.startsWith('hhh') && q.endsWith('ttt') && q.includes('…'));
    for (let max = 5; max < 40; max++) {
      const cut = quoteForMessage('\x1b'.repeat(50), max);
      assert.ok(cut.length <= max, `${cut.length} <= ${max}`);
      assert.match(cut, /^(\\x1b)*…(\\x1b)*$/, `max ${max}: ${cut}`);
    }
    assert.equal(quoteForMessage('x'.repeat(10_000_000), 80).length, 80, 'bounded work on huge text');
    assert.equal(quotePath('/a/'.repeat(50)), '/a/'.repeat(50), 'paths are cut only when absurdly long');
  });

  test('idempotent: escaping an escaped text changes nothing', () => {
    for (const s of ['a\nb', '\x1b[0m', 'plain', '\\x41', 'é\u0000']) {
      const once = quoteForMessage(s, 0);
      assert.equal(quoteForMessage(once, 0), once);
    }
  });

  test('MaskInputError escapes the file name and the problem once, and keeps the raw text in its fields', () => {
    const e = new MaskInputError('a\nb.npy', 'bad \x1b[2J');
    assert.equal(e.message, 'a\\x0ab.npy: bad \\x1b[2J');
    assert.equal(e.file, 'a\nb.npy');
    assert.equal(e.problem, 'bad \x1b[2J');
  });
});

describe('limits: one place, one meaning', () => {
  test('--max-file-mb: a positive number or 0 (no limit); negative or NaN is a clear error', () => {
    assert.equal(checkMaxFileMb(0), null);
    assert.equal(checkMaxFileMb(0.5), null);
    assert.match(checkMaxFileMb(-5)!, /--max-file-mb must be a number of MiB > 0, or 0 for no limit; got -5/);
    assert.match(checkMaxFileMb(NaN)!, /got NaN/);
    assert.equal(fileBytesFromMb(0), 0);
    assert.equal(fileBytesFromMb(2), 2 * 1024 * 1024);
    assert.equal(decodedBytesFor(0), DECODED_BYTES_CEILING);
    assert.equal(decodedBytesFor(undefined), DEFAULT_MAX_FILE_MB * 1024 * 1024);
  });

  test('--max-classes: an integer from 2 to the ceiling', () => {
    assert.equal(checkMaxClasses(DEFAULT_MAX_CLASSES), null);
    assert.equal(checkMaxClasses(MAX_CLASSES_CEILING), null);
    for (const bad of [1, 0, -3, 2.5, MAX_CLASSES_CEILING + 1, NaN]) assert.ok(checkMaxClasses(bad), `${bad} refused`);
  });

  test('the defaults', () => {
    assert.equal(DEFAULT_MAX_ELEMENTS, 2 ** 29);
    assert.equal(DEFAULT_MAX_CLASSES, 1024);
    assert.equal(MAX_NPY_HEADER_BYTES, 65536);
  });
});

describe('bounded inflation', () => {
  test('inflateBounded stops at the bound; inflateHead returns the head of a bomb without inflating it', () => {
    const bomb = deflateSync(Buffer.alloc(64 * 1024 * 1024));
    assert.throws(() => inflateBounded(bomb, 'zlib', 1000), (e: unknown) => e instanceof InflateLimitExceeded && e.limit === 1000);
    const before = process.memoryUsage().rss;
    const head = inflateHead(bomb, 'zlib', 540);
    assert.ok(head.length >= 540 && head.length <= 540 + (1 << 20) + 65536, `${head.length} bytes`);
    assert.ok(process.memoryUsage().rss - before < 32 * 1024 * 1024);
    assert.equal(inflateHead(deflateSync(Buffer.from('short')), 'zlib', 540).length, 5, 'a short stream is returned whole');
  });
});

