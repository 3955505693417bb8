import { DEFAULT_MAX_ELEMENTS, MAX_NPY_DIMS, MAX_NPY_HEADER_BYTES } from './limits.js';
import { quoteForMessage } from './quote.js';
import { MaskInputError, type DecodedMask, type TypedArray } from './types.js';

/** Options every decoder takes (formats/limits.ts), each checked before the work it bounds. */
export interface DecodeLimits {
  /** Largest element count a decoder will allocate (default DEFAULT_MAX_ELEMENTS, 512 Mi). */
  maxElements?: number;
  /**
   * Largest decompressed size of a compressed input (PNG image data, .nii.gz), in bytes, enforced
   * while inflating (default: the default file size limit, 2 GiB; 0: no limit, i.e. DECODED_BYTES_CEILING).
   */
  maxDecodedBytes?: number;
}

export { DEFAULT_MAX_ELEMENTS };

/** Throws unless `dims` describe a non-empty array within the limit; returns the element count. */
export function checkElementCount(path: string, dims: number[], maxElements = DEFAULT_MAX_ELEMENTS): number {
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new MaskInputError(path, `invalid dimension ${d} in the header (dimensions ${dims.join('x')})`);
    }
  }
  const count = dims.reduce((a, b) => a * b, 1);
  if (count > maxElements) {
    throw new MaskInputError(
      path,
      `dimensions ${dims.join('x')} exceed the limit of ${maxElements} elements`,
    );
  }
  if (count === 0) throw new MaskInputError(path, `the array is empty (dimensions ${dims.join('x')})`);
  return count;
}

/** Numeric element kinds shared by the NPY and NIfTI readers: b bool, i signed, u unsigned, f float. */
export type NumericKind = 'b' | 'i' | 'u' | 'f';

/**
 * Reads `count` elements of the given kind/size from `bytes` at `offset` into a new, aligned typed array.
 * bool -> Uint8Array (0/1); (u)int64 -> Float64Array (error when a value is beyond 2^53);
 * float16 -> Float32Array. The caller has already checked that the bytes are there.
 */
export function readNumbers(
  bytes: Uint8Array,
  offset: number,
  count: number,
  kind: NumericKind,
  size: number,
  littleEndian: boolean,
  path: string,
): TypedArray {
  // A fresh copy at offset 0, so every view below is aligned (and Buffer.slice, which does not copy, is avoided).
  const raw = new Uint8Array(count * size);
  raw.set(bytes.subarray(offset, offset + count * size));
  if (!littleEndian && size > 1) swapBytes(raw, size);
  const buf = raw.buffer;
  switch (`${kind}${size}`) {
    case 'b1':
      for (let i = 0; i < raw.length; i++) raw[i] = raw[i] ? 1 : 0;
      return raw;
    case 'u1':
      return raw;
    case 'i1':
      return new Int8Array(buf);
    case 'i2':
      return new Int16Array(buf);
    case 'u2':
      return new Uint16Array(buf);
    case 'i4':
      return new Int32Array(buf);
    case 'u4':
      return new Uint32Array(buf);
    case 'i8':
    case 'u8':
      return int64ToFloat64(buf, count, kind === 'i', path);
    case 'f2':
      return halfToFloat32(new Uint16Array(buf));
    case 'f4':
      return new Float32Array(buf);
    case 'f8':
      return new Float64Array(buf);
    default:
      throw new MaskInputError(path, `unsupported element type ${kind}${size}`);
  }
}

function swapBytes(a: Uint8Array, size: number): void {
  // `a` is a fresh buffer at offset 0 whose length is a multiple of size, so word views are aligned.
  if (size === 2) {
    const w = new Uint16Array(a.buffer, 0, a.length / 2);
    for (let i = 0; i < w.length; i++) w[i] = ((w[i] & 0xff) << 8) | (w[i] >> 8);
    return;
  }
  const w = new Uint32Array(a.buffer, 0, a.length / 4);
  for (let i = 0; i < w.length; i++) {
    const x = w[i];
    w[i] = ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);
  }
  if (size === 8) {
    for (let i = 0; i < w.length; i += 2) {
      const t = w[i];
      w[i] = w[i + 1];
      w[i + 1] = t;
    }
  }
}

const TWO_32 = 2 ** 32;
const TWO_21 = 2 ** 21;

/** Little-endian 64-bit integers to float64, refusing any value that float64 cannot hold exactly. */
function int64ToFloat64(buf: ArrayBufferLike, count: number, signed: boolean, path: string): Float64Array {
  const lo = new Uint32Array(buf);
  const hiS = new Int32Array(buf);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const l = lo[2 * i];
    const h = signed ? hiS[2 * i + 1] : lo[2 * i + 1];
    // |v| <= 2^53 exactly when the high word is in [-2^21, 2^21), or v is exactly 2^53.
    if (h >= TWO_21 || h < -TWO_21) {
      if (!(h === TWO_21 && l === 0)) {
        const v = signed ? BigInt.asIntN(64, (BigInt(h >>> 0) << 32n) | BigInt(l)) : (BigInt(h) << 32n) | BigInt(l);
        throw new MaskInputError(
          path,
          `${signed ? 'int64' : 'uint64'} value ${v} at element ${i} is beyond 2^53 and cannot be represented exactly`,
        );
      }
    }
    out[i] = h * TWO_32 + l;
  }
  return out;
}

let halfTable: Float32Array | undefined;

function halfToFloat32(h: Uint16Array): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let i = 0; i < 65536; i++) {
      const sign = i & 0x8000 ? -1 : 1;
      const exp = (i >> 10) & 0x1f;
      const mant = i & 0x3ff;
      if (exp === 0) halfTable[i] = sign * mant * 2 ** -24;
      else if (exp === 31) halfTable[i] = mant ? NaN : sign * Infinity;
      else halfTable[i] = sign * 2 ** (exp - 15) * (1 + mant / 1024);
    }
  }
  const out = new Float32Array(h.length);
  for (let i = 0; i < h.length; i++) out[i] = halfTable[h[i]];
  return out;
}

/** Reorders a Fortran-order (first axis fastest) array of `shape` into C order. */
export function fortranToC<T extends TypedArray>(src: T, shape: number[]): T {
  const nd = shape.length;
  if (nd < 2) return src;
  const n = src.length;
  const dst = new (src.constructor as new (n: number) => T)(n);
  const fStride: number[] = [];
  let s = 1;
  for (let k = 0; k < nd; k++) {
    fStride.push(s);
    s *= shape[k];
  }
  const idx = new Array<number>(nd).fill(0);
  const last = shape[nd - 1];
  const lastStride = fStride[nd - 1];
  let base = 0;
  for (let o = 0; o < n; o += last) {
    for (let j = 0, f = base; j < last; j++, f += lastStride) dst[o + j] = src[f];
    for (let k = nd - 2; k >= 0; k--) {
      idx[k]++;
      base += fStride[k];
      if (idx[k] < shape[k]) break;
      base -= fStride[k] * shape[k];
      idx[k] = 0;
    }
  }
  return dst;
}

// ---------------------------------------------------------------------------------------------
// NPY

const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export function isNpy(bytes: Uint8Array): boolean {
  return NPY_MAGIC.every((b, i) => bytes[i] === b);
}

interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  dataOffset: number;
}

/** Header text shown in a message: escaped and cut (formats/quote.ts). */
const shown = (text: string, max = 60) => quoteForMessage(text, max);

type Token =
  | { t: 'punct'; v: '{' | '}' | '(' | ')' | '[' | ']' | ':' | ','; at: number }
  | { t: 'string'; v: string; at: number }
  | { t: 'name'; v: string; at: number }
  | { t: 'number'; v: string; at: number };

/**
 * The header dictionary's tokens: punctuation, Python string literals, names (True, False, None) and
 * numbers. One left-to-right pass, each character looked at a bounded number of times: linear in the
 * header, whatever it holds (the regular expressions this replaces backtracked on crafted shapes).
 */
function tokenize(text: string, fail: (why: string, at: number) => never): Token[] {
  const tokens: Token[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) {
      i++;
      continue;
    }
    const ch = text[i];
    if ('{}()[]:,'.includes(ch)) {
      tokens.push({ t: 'punct', v: ch as '{', at: i });
      i++;
      continue;
    }
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      let value = '';
      let from = j;
      for (;;) {
        if (j >= n) fail('a string is not closed', i);
        const d = text[j];
        if (d === ch) break;
        if (d === '\\') {
          value += text.slice(from, j) + (text[j + 1] ?? '');
          j += 2;
          from = j;
          continue;
        }
        j++;
      }
      value += text.slice(from, j);
      tokens.push({ t: 'string', v: value, at: i });
      i = j + 1;
      continue;
    }
    if (/[0-9+\-]/.test(ch)) {
      let j = i + 1;
      while (j < n && /[0-9A-Za-z_.]/.test(text[j])) j++;
      tokens.push({ t: 'number', v: text.slice(i, j), at: i });
      i = j;
      continue;
    }
    if (/[A-Za-z_]/.test(ch)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_]/.test(text[j])) j++;
      tokens.push({ t: 'name', v: text.slice(i, j), at: i });
      i = j;
      continue;
    }
    fail(`unexpected character '${shown(ch)}'`, i);
  }
  return tokens;
}

type PyValue = string | boolean | null | number | { tuple: PyValue[] } | { list: PyValue[] } | { dict: Map<string, PyValue> };

/** Most nesting of tuples, lists and dicts a header value may have (numpy writes one level). */
const MAX_NESTING = 32;

/** Parses the header's Python dict literal (an iterative descent over the tokens, depth bounded). */
function parseDict(text: string, path: string): Map<string, PyValue> {
  const fail = (why: string, at: number): never => {
    throw new MaskInputError(path, `corrupt NPY header: ${why} at character ${at} (near '${shown(text.slice(Math.max(0, at - 10), at + 30), 50)}')`);
  };
  const tokens = tokenize(text, fail);
  let k = 0;
  const peek = () => tokens[k];
  const end = () => (tokens.length ? tokens[tokens.length - 1].at + 1 : 0);
  const expect = (v: string) => {
    const tok = tokens[k];
    if (!tok || tok.t !== 'punct' || tok.v !== v) fail(`expected '${v}'`, tok?.at ?? end());
    k++;
  };
  const value = (depth: number): PyValue => {
    if (depth > MAX_NESTING) fail(`values nested deeper than ${MAX_NESTING}`, peek()?.at ?? end());
    const tok = tokens[k++];
    if (!tok) return fail('the header ends inside a value', end());
    switch (tok.t) {
      case 'string':
        return tok.v;
      case 'name':
        if (tok.v === 'True') return true;
        if (tok.v === 'False') return false;
        if (tok.v === 'None') return null;
        return fail(`unexpected name '${shown(tok.v, 30)}'`, tok.at);
      case 'number': {
        const m = /^([+-]?)(\d+)[lL]?$/.exec(tok.v);
        if (m) return Number(m[1] + m[2]);
        const x = Number(tok.v);
        return Number.isFinite(x) ? x : fail(`'${shown(tok.v, 30)}' is not a number`, tok.at);
      }
      case 'punct': {
        if (tok.v === '(' || tok.v === '[') {
          const close = tok.v === '(' ? ')' : ']';
          const items: PyValue[] = [];
          while (peek()?.t !== 'punct' || peek().v !== close) {
            items.push(value(depth + 1));
            if (peek()?.t === 'punct' && peek().v === ',') k++;
            else if (!(peek()?.t === 'punct' && peek().v === close)) fail(`expected ',' or '${close}'`, peek()?.at ?? end());
          }
          k++;
          return tok.v === '(' ? { tuple: items } : { list: items };
        }
        if (tok.v === '{') {
          k--;
          return { dict: dict(depth + 1) };
        }
        return fail(`unexpected '${tok.v}'`, tok.at);
      }
    }
  };
  const dict = (depth: number): Map<string, PyValue> => {
    expect('{');
    const out = new Map<string, PyValue>();
    while (!(peek()?.t === 'punct' && peek().v === '}')) {
      const key = tokens[k++];
      if (!key || key.t !== 'string') fail('expected a quoted key', key?.at ?? end());
      expect(':');
      out.set(key.v, value(depth));
      if (peek()?.t === 'punct' && peek().v === ',') k++;
      else if (!(peek()?.t === 'punct' && peek().v === '}')) fail("expected ',' or '}'", peek()?.at ?? end());
    }
    k++;
    return out;
  };
  const top = dict(0);
  if (k < tokens.length) fail('text after the header dictionary', tokens[k].at);
  return top;
}

/** Parses the NPY preamble and header dictionary (format versions 1.0, 2.0 and 3.0). */
export function parseNpyHeader(bytes: Uint8Array, path: string): NpyHeader {
  if (!isNpy(bytes)) {
    throw new MaskInputError(path, 'not an NPY file (the \\x93NUMPY magic is missing)');
  }
  if (bytes.length < 10) throw new MaskInputError(path, `truncated: the file is only ${bytes.length} bytes long`);
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new MaskInputError(path, `truncated: the file is only ${bytes.length} bytes long`);
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new MaskInputError(path, `unsupported NPY format version ${major}.${bytes[7]} (expected 1.0, 2.0 or 3.0)`);
  }
  if (headerLen > MAX_NPY_HEADER_BYTES) {
    throw new MaskInputError(
      path,
      `corrupt NPY header: the header length field says ${headerLen} bytes, over the limit of ${MAX_NPY_HEADER_BYTES} (numpy writes at most 10000)`,
    );
  }
  const dataOffset = headerStart + headerLen;
  if (dataOffset > bytes.length) {
    throw new MaskInputError(
      path,
      `truncated: the header says it is ${headerLen} bytes long, the file has ${bytes.length - headerStart} bytes after the preamble`,
    );
  }
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataOffset));
  const dict = text.trim();
  if (!dict.startsWith('{') || !dict.endsWith('}')) {
    throw new MaskInputError(
      path,
      `corrupt NPY header: the header length field (${headerLen} bytes) does not enclose a complete header dictionary`,
    );
  }
  const fields = parseDict(dict, path);
  const descr = fields.get('descr');
  const fortran = fields.get('fortran_order');
  const shapeValue = fields.get('shape');
  if (descr !== null && typeof descr === 'object' && 'list' in descr) {
    throw new MaskInputError(path, 'unsupported dtype: structured (record) arrays are not masks');
  }
  const missing = (['descr', 'fortran_order', 'shape'] as const).filter((key) => !fields.has(key));
  if (missing.length) {
    const found = [...fields.keys()].map((key) => `'${shown(key, 30)}'`).join(', ') || 'no keys';
    throw new MaskInputError(path, `corrupt NPY header: expected 'descr', 'fortran_order' and 'shape', missing ${missing.map((m) => `'${m}'`).join(', ')} (found ${shown(found, 120)})`);
  }
  if (typeof descr !== 'string') throw new MaskInputError(path, "corrupt NPY header: 'descr' is not a string");
  if (typeof fortran !== 'boolean') throw new MaskInputError(path, "corrupt NPY header: 'fortran_order' is neither True nor False");
  const shapeText = () => shown(dict.slice(dict.indexOf("shape") + 7), 40);
  if (shapeValue === null || typeof shapeValue !== 'object' || !('tuple' in shapeValue)) {
    throw new MaskInputError(path, `corrupt NPY header: shape (${shapeText()}) is not a tuple of integers`);
  }
  const items = shapeValue.tuple;
  if (items.length > MAX_NPY_DIMS) {
    throw new MaskInputError(path, `corrupt NPY header: the shape has ${items.length} dimensions, more than numpy's ${MAX_NPY_DIMS}`);
  }
  const shape = items.map((d) => {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new MaskInputError(path, `corrupt NPY header: shape (${shapeText()}) is not a tuple of integers`);
    }
    return d;
  });
  return { descr, fortranOrder: fortran, shape, dataOffset };
}

const UNSUPPORTED_KINDS: Record<string, string> = {
  c: 'complex',
  U: 'unicode string',
  S: 'byte string',
  a: 'byte string',
  O: 'Python object',
  M: 'datetime',
  m: 'timedelta',
  V: 'void / raw bytes',
};

/** Splits an NPY descr such as '<f4' into its kind, size and byte order; throws on anything unsupported. */
export function parseNpyDtype(descr: string, path: string): { kind: NumericKind; size: number; littleEndian: boolean } {
  const quoted = `'${shown(descr, 40)}'`;
  const what = UNSUPPORTED_KINDS[descr.replace(/^[<>|=]/, '')[0]];
  if (what) throw new MaskInputError(path, `unsupported dtype ${quoted} (${what})`);
  const m = /^([<>|=]?)([a-zA-Z?])(\d{0,3})$/.exec(descr);
  if (!m) throw new MaskInputError(path, `unsupported dtype ${quoted}`);
  const [, order, kindChar, sizeText] = m;
  const size = Number(sizeText || '1');
  const kind = kindChar === '?' ? 'b' : kindChar;
  const ok =
    (kind === 'b' && size === 1) ||
    ((kind === 'i' || kind === 'u') && [1, 2, 4, 8].includes(size)) ||
    (kind === 'f' && [2, 4, 8].includes(size));
  if (!ok) {
    const hint = kind === 'f' && size > 8 ? ' (extended-precision float)' : '';
    throw new MaskInputError(path, `unsupported dtype ${quoted}${hint}`);
  }
  // '=' is the writer's native order, unknowable here; every platform numpy runs on today is little-endian.
  return { kind: kind as NumericKind, size, littleEndian: order !== '>' };
}

/** Decodes a NumPy .npy file into a C-order array. */
export function decodeNpy(bytes: Uint8Array, path: string, opts: DecodeLimits = {}): DecodedMask {
  const header = parseNpyHeader(bytes, path);
  const { kind, size, littleEndian } = parseNpyDtype(header.descr, path);
  if (header.shape.length === 0) {
    throw new MaskInputError(path, 'the array is 0-dimensional (shape ()), a single number is not a mask');
  }
  const count = checkElementCount(path, header.shape, opts.maxElements);
  const needed = count * size;
  const available = bytes.length - header.dataOffset;
  if (available < needed) {
    throw new MaskInputError(path, `truncated: header says ${needed} bytes of data, file has ${available}`);
  }
  if (available > needed) {
    throw new MaskInputError(
      path,
      `header says shape (${header.shape.join(', ')}) of '${header.descr}', ${needed} bytes of data, but ${available} bytes follow the header`,
    );
  }
  let data = readNumbers(bytes, header.dataOffset, count, kind, size, littleEndian, path);
  if (header.fortranOrder) data = fortranToC(data, header.shape);
  return {
    data,
    shape: header.shape,
    integer: kind !== 'f',
    dtype: header.descr,
    path,
    format: 'npy',
  };
}
