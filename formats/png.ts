/**
 * PNG masks, decoded here rather than by a library: every chunk's CRC is checked, the image data is
 * inflated once under a bound (formats/inflate.ts), and ancillary chunks are never decompressed (a
 * library that inflates iCCP or zTXt would let a small file grow without bound).
 */
import { inflateBounded, InflateLimitExceeded } from './inflate.js';
import { DECODED_BYTES_CEILING, humanBytes, RAISE_FILE_LIMIT, resolveDecodeLimits } from './limits.js';
import { quoteForMessage } from './quote.js';
import { MaskInputError, type DecodedMask } from './types.js';
import { checkElementCount, type DecodeLimits } from './npy.js';

export interface PngDecodeOptions extends DecodeLimits {
  /** RGB(A) label maps: '#rrggbb' (or '#rrrrggggbbbb' for 16-bit images) -> class index. */
  colourMap?: Record<string, number>;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function isPng(bytes: Uint8Array): boolean {
  return PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

enum ColourType {
  Grey = 0,
  RGB = 2,
  Palette = 3,
  GreyAlpha = 4,
  RGBA = 6,
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

interface PngLayout {
  width: number;
  height: number;
  depth: number;
  colourType: ColourType;
  channels: number;
  interlaced: boolean;
  idat: Uint8Array[];
}

/** CRC-32 (ISO 3309, as PNG uses it) of bytes[start, end). */
let crcTable: Int32Array | undefined;
function crc32(bytes: Uint8Array, start: number, end: number): number {
  if (!crcTable) {
    crcTable = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c;
    }
  }
  let c = -1;
  for (let i = start; i < end; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** A chunk type for a message: its four bytes as text, escaped (a crafted type may hold anything). */
function shownType(bytes: Uint8Array, at: number): string {
  return quoteForMessage(String.fromCharCode(...bytes.subarray(at, at + 4)), 20);
}

/** Validates the signature, IHDR, the chunk structure and every chunk's CRC, without decoding any pixels. */
function readLayout(bytes: Uint8Array, path: string, maxElements: number): PngLayout {
  if (!isPng(bytes)) throw new MaskInputError(path, 'not a PNG file (the PNG signature is missing)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const typeIs = (at: number, name: string) =>
    bytes[at] === name.charCodeAt(0) && bytes[at + 1] === name.charCodeAt(1) && bytes[at + 2] === name.charCodeAt(2) && bytes[at + 3] === name.charCodeAt(3);
  if (bytes.length < 33 || !typeIs(12, 'IHDR')) {
    throw new MaskInputError(path, bytes.length < 33 ? 'truncated: the file ends inside the PNG header' : 'corrupt PNG: the first chunk is not IHDR');
  }
  if (view.getUint32(8) !== 13) throw new MaskInputError(path, `corrupt PNG: IHDR is ${view.getUint32(8)} bytes long, not 13`);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const depth = bytes[24];
  const colourType = bytes[25] as ColourType;
  const interlace = bytes[28];
  const channels = CHANNELS[colourType];
  if (channels === undefined) throw new MaskInputError(path, `corrupt PNG: unknown colour type ${colourType}`);
  if (!DEPTHS[colourType].includes(depth)) {
    throw new MaskInputError(path, `corrupt PNG: bit depth ${depth} is not valid for colour type ${colourType}`);
  }
  if (width === 0 || height === 0) throw new MaskInputError(path, `the image is empty (${width}x${height})`);
  if (bytes[26] !== 0) throw new MaskInputError(path, `corrupt PNG: unknown compression method ${bytes[26]}`);
  if (bytes[27] !== 0) throw new MaskInputError(path, `corrupt PNG: unknown filter method ${bytes[27]}`);
  if (interlace > 1) throw new MaskInputError(path, `corrupt PNG: unknown interlace method ${interlace}`);
  // the size IHDR claims is checked before anything else is read
  checkElementCount(path, [height, width], maxElements);
  if (interlace === 1 && depth < 8) {
    throw new MaskInputError(path, `interlaced (Adam7) ${depth}-bit PNGs are not supported; save it without interlacing`);
  }

  const idat: Uint8Array[] = [];
  let at = 8;
  for (;;) {
    if (at + 8 > bytes.length) {
      throw new MaskInputError(path, `truncated: the file ends at byte ${bytes.length} before the IEND chunk`);
    }
    const length = view.getUint32(at);
    const end = at + 12 + length;
    if (end > bytes.length) {
      throw new MaskInputError(
        path,
        `truncated: chunk '${shownType(bytes, at + 4)}' at byte ${at} declares ${length} bytes, the file has ${Math.max(0, bytes.length - at - 12)} left`,
      );
    }
    if (crc32(bytes, at + 4, at + 8 + length) !== view.getUint32(at + 8 + length)) {
      throw new MaskInputError(path, `corrupt PNG: CRC mismatch in chunk '${shownType(bytes, at + 4)}' at byte ${at}`);
    }
    if (typeIs(at + 4, 'IDAT')) idat.push(bytes.subarray(at + 8, at + 8 + length));
    if (typeIs(at + 4, 'IEND')) break;
    at = end;
  }
  if (idat.length === 0) throw new MaskInputError(path, 'corrupt PNG: no image data (IDAT) chunk');
  return { width, height, depth, colourType, channels, interlaced: interlace === 1, idat };
}

/** Adam7 passes: x0, y0, dx, dy. */
const ADAM7 = [
  [0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2],
] as const;

interface Pass {
  x0: number;
  y0: number;
  dx: number;
  dy: number;
  width: number;
  height: number;
}

function passesOf({ width, height, interlaced }: PngLayout): Pass[] {
  if (!interlaced) return [{ x0: 0, y0: 0, dx: 1, dy: 1, width, height }];
  const out: Pass[] = [];
  for (const [x0, y0, dx, dy] of ADAM7) {
    const pw = Math.ceil((width - x0) / dx);
    const ph = Math.ceil((height - y0) / dy);
    if (pw > 0 && ph > 0) out.push({ x0, y0, dx, dy, width: pw, height: ph });
  }
  return out;
}

/** Bytes of one unfiltered scanline `w` pixels wide (no filter byte). */
const lineBytesOf = (w: number, layout: PngLayout) => Math.ceil((w * layout.depth * layout.channels) / 8);

/** Size of the filtered scanline stream that IHDR implies. */
function rawSize(layout: PngLayout): number {
  let total = 0;
  for (const p of passesOf(layout)) total += p.height * (1 + lineBytesOf(p.width, layout));
  return total;
}

/**
 * Inflates the image data on our side, bounded by the size IHDR implies (and the decompressed-bytes
 * limit, checked before inflating): a short stream is reported as truncation, and a decompression
 * bomb stops at the bound (a little slack for encoders that write a few bytes too many) instead of growing.
 */
function inflateImageData(layout: PngLayout, path: string, maxDecodedBytes: number): Uint8Array {
  const expected = rawSize(layout);
  const what = `${layout.width}x${layout.height} pixels`;
  if (expected > maxDecodedBytes) {
    throw new MaskInputError(
      path,
      `header says ${what}, ${humanBytes(expected)} of image data once decompressed, over the limit of ${humanBytes(maxDecodedBytes)}; ${RAISE_FILE_LIMIT}`,
    );
  }
  const total = layout.idat.reduce((n, c) => n + c.length, 0);
  const stream = new Uint8Array(total);
  let o = 0;
  for (const c of layout.idat) {
    stream.set(c, o);
    o += c.length;
  }
  const slack = 65536 + 1 + lineBytesOf(layout.width, layout);
  let raw: Uint8Array;
  try {
    raw = inflateBounded(stream, 'zlib', Math.min(expected + slack, DECODED_BYTES_CEILING));
  } catch (e) {
    if (e instanceof InflateLimitExceeded) {
      throw new MaskInputError(
        path,
        `corrupt PNG: the image data inflates to more than the ${expected} bytes that ${what} need (a decompression bomb or a wrong header); stopped at ${humanBytes(e.limit)}`,
      );
    }
    throw new MaskInputError(path, `corrupt PNG: the image data does not decompress (${(e as Error).message})`);
  }
  if (raw.length < expected) {
    throw new MaskInputError(path, `truncated: header says ${what}, ${expected} bytes of image data, the file holds ${raw.length}`);
  }
  return raw;
}

/** Undoes the per-scanline filters of one pass; returns the packed rows (no filter bytes), `rows x lineBytes`. */
function unfilter(raw: Uint8Array, offset: number, pass: Pass, layout: PngLayout, path: string): { data: Uint8Array; next: number } {
  const lineBytes = lineBytesOf(pass.width, layout);
  const bpp = Math.max(1, (layout.channels * layout.depth) >> 3);
  const out = new Uint8Array(pass.height * lineBytes);
  let at = offset;
  for (let y = 0; y < pass.height; y++) {
    const filter = raw[at];
    const src = at + 1;
    const row = y * lineBytes;
    const up = row - lineBytes;
    switch (filter) {
      case 0:
        out.set(raw.subarray(src, src + lineBytes), row);
        break;
      case 1:
        for (let i = 0; i < lineBytes; i++) out[row + i] = raw[src + i] + (i >= bpp ? out[row + i - bpp] : 0);
        break;
      case 2:
        if (y === 0) out.set(raw.subarray(src, src + lineBytes), row);
        else for (let i = 0; i < lineBytes; i++) out[row + i] = raw[src + i] + out[up + i];
        break;
      case 3:
        for (let i = 0; i < lineBytes; i++) {
          const left = i >= bpp ? out[row + i - bpp] : 0;
          const above = y > 0 ? out[up + i] : 0;
          out[row + i] = raw[src + i] + ((left + above) >> 1);
        }
        break;
      case 4:
        for (let i = 0; i < lineBytes; i++) {
          const a = i >= bpp ? out[row + i - bpp] : 0;
          const b = y > 0 ? out[up + i] : 0;
          const c = i >= bpp && y > 0 ? out[up + i - bpp] : 0;
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          out[row + i] = raw[src + i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
        }
        break;
      default:
        throw new MaskInputError(path, `corrupt PNG: unknown filter type ${filter} on scanline ${y}${layout.interlaced ? ' of an Adam7 pass' : ''}`);
    }
    at = src + lineBytes;
  }
  return { data: out, next: at };
}

/** The image's samples, channels interleaved: bytes (8-bit), big-endian pairs read as Uint16 (16-bit), or packed rows (1/2/4-bit). */
function decodePixels(layout: PngLayout, raw: Uint8Array, path: string): Uint8Array | Uint16Array {
  const passes = passesOf(layout);
  let bytes: Uint8Array;
  if (!layout.interlaced) {
    bytes = unfilter(raw, 0, passes[0], layout, path).data;
  } else {
    // depth >= 8 here (interlaced packed depths are refused earlier): whole bytes per pixel
    const pixelBytes = (layout.channels * layout.depth) >> 3;
    bytes = new Uint8Array(layout.width * layout.height * pixelBytes);
    let offset = 0;
    for (const pass of passes) {
      const { data, next } = unfilter(raw, offset, pass, layout, path);
      offset = next;
      for (let py = 0; py < pass.height; py++) {
        const y = pass.y0 + py * pass.dy;
        for (let px = 0; px < pass.width; px++) {
          const x = pass.x0 + px * pass.dx;
          const from = (py * pass.width + px) * pixelBytes;
          bytes.set(data.subarray(from, from + pixelBytes), (y * layout.width + x) * pixelBytes);
        }
      }
    }
  }
  if (layout.depth !== 16) return bytes;
  const out = new Uint16Array(bytes.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = (bytes[2 * i] << 8) | bytes[2 * i + 1];
  return out;
}

/** Expands 1/2/4-bit packed scanlines (most significant bits first) to one byte per pixel. */
function unpackBits(packed: Uint8Array, width: number, height: number, depth: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const lineBytes = Math.ceil((width * depth) / 8);
  const mask = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    const row = y * lineBytes;
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      out[y * width + x] = (packed[row + (bit >> 3)] >> (8 - depth - (bit & 7))) & mask;
    }
  }
  return out;
}

function firstChannel(data: Uint8Array | Uint16Array, channels: number): Uint8Array | Uint16Array {
  const n = data.length / channels;
  const out = data instanceof Uint16Array ? new Uint16Array(n) : new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = data[i * channels];
  return out;
}

function colourString(key: number, depth: number): string {
  return '#' + key.toString(16).padStart(depth === 16 ? 12 : 6, '0');
}

/** Normalizes the user's colour map to numeric keys packed as the decoder packs pixels. */
function parseColourMap(map: Record<string, number>, depth: number, path: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const [rawKey, cls] of Object.entries(map)) {
    const hex = rawKey.trim().toLowerCase().replace(/^#/, '');
    if (!Number.isInteger(cls) || cls < 0 || cls > 65535) {
      throw new MaskInputError(path, `colour map: class for '${quoteForMessage(rawKey, 30)}' must be an integer 0..65535, got ${quoteForMessage(String(cls), 30)}`);
    }
    let key: number;
    if (/^[0-9a-f]{6}$/.test(hex)) {
      const [r, g, b] = [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
      // A 16-bit image stores an 8-bit colour v as v * 257 (0xab -> 0xabab).
      key = depth === 16 ? (r * 257) * 2 ** 32 + (g * 257) * 2 ** 16 + b * 257 : (r << 16) | (g << 8) | b;
    } else if (/^[0-9a-f]{12}$/.test(hex) && depth === 16) {
      key = parseInt(hex, 16);
    } else {
      throw new MaskInputError(path, `colour map: '${quoteForMessage(rawKey, 30)}' is not a colour like '#ff0000'`);
    }
    out.set(key, cls);
  }
  return out;
}

/** Colour-coded RGB(A) label map -> class indices (with the user's map, or by order of appearance). */
function coloursToClasses(
  data: Uint8Array | Uint16Array,
  layout: PngLayout,
  path: string,
  colourMap: Record<string, number> | undefined,
): { labels: Uint8Array | Uint16Array; colourClasses?: string[] } {
  const { width, height, channels, depth } = layout;
  const n = width * height;
  // 8-bit colours pack into 24 bits; 16-bit colours into 48 bits, still exact in a double.
  const pack =
    depth === 16
      ? (p: number) => data[p] * 2 ** 32 + data[p + 1] * 2 ** 16 + data[p + 2]
      : (p: number) => (data[p] << 16) | (data[p + 1] << 8) | data[p + 2];

  if (colourMap) {
    const map = parseColourMap(colourMap, depth, path);
    const maxClass = Math.max(0, ...map.values());
    const labels = maxClass <= 255 ? new Uint8Array(n) : new Uint16Array(n);
    for (let i = 0; i < n; i++) {
      const key = pack(i * channels);
      const cls = map.get(key);
      if (cls === undefined) {
        throw new MaskInputError(
          path,
          `colour ${colourString(key, depth)} at pixel (x=${i % width}, y=${Math.floor(i / width)}) is not in the colour map`,
        );
      }
      labels[i] = cls;
    }
    return { labels };
  }

  // First pass: provisional ids in order of first appearance.
  const ids = new Map<number, number>();
  const order: number[] = [];
  const provisional = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const key = pack(i * channels);
    let id = ids.get(key);
    if (id === undefined) {
      id = order.length;
      if (id >= 65536) {
        throw new MaskInputError(path, 'RGB PNG has more than 65536 distinct colours: not a colour-coded label map');
      }
      ids.set(key, id);
      order.push(key);
    }
    provisional[i] = id;
  }
  // Black is class 0 wherever it appears; the others keep their order of appearance.
  const sorted = [...order].sort((a, b) => (a === 0 ? -1 : b === 0 ? 1 : ids.get(a)! - ids.get(b)!));
  const remap = new Uint32Array(order.length);
  sorted.forEach((key, cls) => (remap[ids.get(key)!] = cls));
  const labels = sorted.length <= 256 ? new Uint8Array(n) : new Uint16Array(n);
  for (let i = 0; i < n; i++) labels[i] = remap[provisional[i]];
  return { labels, colourClasses: sorted.map((k) => colourString(k, depth)) };
}

/**
 * Decodes a PNG mask: grey (1..16-bit) and grey+alpha give the grey values, palette images give the
 * palette indices (Pascal VOC), RGB(A) images are colour-coded label maps turned into class indices.
 */
export function decodePng(bytes: Uint8Array, path: string, opts: PngDecodeOptions = {}): DecodedMask {
  const limits = resolveDecodeLimits(opts);
  const layout = readLayout(bytes, path, limits.maxElements);
  const { width, height, depth, colourType, channels } = layout;
  const data = decodePixels(layout, inflateImageData(layout, path, limits.maxDecodedBytes), path);

  const base = { shape: [height, width], integer: true, path, format: 'png' as const };
  switch (colourType) {
    case ColourType.Grey:
    case ColourType.Palette: {
      const labels = depth < 8 ? unpackBits(data as Uint8Array, width, height, depth) : data;
      const dtype =
        colourType === ColourType.Palette ? 'palette PNG' : depth >= 8 ? `uint${depth} grey PNG` : `${depth}-bit grey PNG`;
      return { ...base, data: labels, dtype };
    }
    case ColourType.GreyAlpha:
      return { ...base, data: firstChannel(data, channels), dtype: `uint${depth} grey+alpha PNG` };
    default: {
      const { labels, colourClasses } = coloursToClasses(data, layout, path, opts.colourMap);
      const dtype = `${colourType === ColourType.RGBA ? 'RGBA' : 'RGB'} PNG${depth === 16 ? ' (16-bit)' : ''}`;
      return { ...base, data: labels, dtype, ...(colourClasses ? { colourClasses } : {}) };
    }
  }
}
