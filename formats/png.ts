import { inflateSync, constants as zlibConstants } from 'node:zlib';
import { decode as fastPngDecode } from 'fast-png';
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

/** Validates the signature, IHDR and chunk structure without decoding any pixels. */
function readLayout(bytes: Uint8Array, path: string): PngLayout {
  if (!isPng(bytes)) throw new MaskInputError(path, 'not a PNG file (the PNG signature is missing)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunkType = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 33 || chunkType(12) !== 'IHDR') {
    throw new MaskInputError(path, bytes.length < 33 ? 'truncated: the file ends inside the PNG header' : 'corrupt PNG: the first chunk is not IHDR');
  }
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
  if (interlace > 1) throw new MaskInputError(path, `corrupt PNG: unknown interlace method ${interlace}`);

  const idat: Uint8Array[] = [];
  let at = 8;
  for (;;) {
    if (at + 8 > bytes.length) {
      throw new MaskInputError(path, `truncated: the file ends at byte ${bytes.length} before the IEND chunk`);
    }
    const length = view.getUint32(at);
    const type = chunkType(at + 4);
    const end = at + 12 + length;
    if (end > bytes.length) {
      throw new MaskInputError(
        path,
        `truncated: chunk ${type} at byte ${at} declares ${length} bytes, the file has ${Math.max(0, bytes.length - at - 12)} left`,
      );
    }
    if (type === 'IDAT') idat.push(bytes.subarray(at + 8, at + 8 + length));
    if (type === 'IEND') break;
    at = end;
  }
  if (idat.length === 0) throw new MaskInputError(path, 'corrupt PNG: no image data (IDAT) chunk');
  return { width, height, depth, colourType, channels, interlaced: interlace === 1, idat };
}

/** Size of the filtered scanline stream that IHDR implies. */
function rawSize({ width, height, depth, channels, interlaced }: PngLayout): number {
  const lineBytes = (w: number) => 1 + Math.ceil((w * depth * channels) / 8);
  if (!interlaced) return height * lineBytes(width);
  const passes = [
    [0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2],
  ];
  let total = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const pw = Math.ceil((width - x0) / dx);
    const ph = Math.ceil((height - y0) / dy);
    if (pw > 0 && ph > 0) total += ph * lineBytes(pw);
  }
  return total;
}

/**
 * Inflates the image data once on our side, bounded by the size IHDR implies, so a short stream is
 * reported as truncation (fast-png would zero-fill or fail obscurely) and a decompression bomb never grows.
 */
function checkImageData(layout: PngLayout, path: string): void {
  const expected = rawSize(layout);
  const total = layout.idat.reduce((n, c) => n + c.length, 0);
  const stream = new Uint8Array(total);
  let o = 0;
  for (const c of layout.idat) {
    stream.set(c, o);
    o += c.length;
  }
  let got: number;
  try {
    got = inflateSync(stream, { maxOutputLength: expected, finishFlush: zlibConstants.Z_SYNC_FLUSH }).length;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE') return; // more than needed: trailing data, which decoders ignore
    throw new MaskInputError(path, `corrupt PNG: the image data does not decompress (${err.message})`);
  }
  if (got < expected) {
    throw new MaskInputError(
      path,
      `truncated: header says ${layout.width}x${layout.height} pixels, ${expected} bytes of image data, the file holds ${got}`,
    );
  }
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
      throw new MaskInputError(path, `colour map: class for '${rawKey}' must be an integer 0..65535, got ${cls}`);
    }
    let key: number;
    if (/^[0-9a-f]{6}$/.test(hex)) {
      const [r, g, b] = [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
      // A 16-bit image stores an 8-bit colour v as v * 257 (0xab -> 0xabab).
      key = depth === 16 ? (r * 257) * 2 ** 32 + (g * 257) * 2 ** 16 + b * 257 : (r << 16) | (g << 8) | b;
    } else if (/^[0-9a-f]{12}$/.test(hex) && depth === 16) {
      key = parseInt(hex, 16);
    } else {
      throw new MaskInputError(path, `colour map: '${rawKey}' is not a colour like '#ff0000'`);
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
  const layout = readLayout(bytes, path);
  const { width, height, depth, colourType, channels } = layout;
  checkElementCount(path, [height, width], opts.maxElements);
  if (layout.interlaced && depth < 8) {
    throw new MaskInputError(path, `interlaced (Adam7) ${depth}-bit PNGs are not supported; save it without interlacing`);
  }
  checkImageData(layout, path);

  let decoded: Uint8Array | Uint8ClampedArray | Uint16Array;
  try {
    decoded = fastPngDecode(bytes, { checkCrc: true }).data;
  } catch (e) {
    throw new MaskInputError(path, `corrupt PNG: ${(e as Error).message}`);
  }
  const data = decoded instanceof Uint8ClampedArray ? new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.length) : decoded;

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
