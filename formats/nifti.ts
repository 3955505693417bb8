import { inflateBounded, inflateHead, InflateLimitExceeded } from './inflate.js';
import { humanBytes, RAISE_FILE_LIMIT, resolveDecodeLimits } from './limits.js';
import { quoteForMessage } from './quote.js';
import { MaskInputError, type DecodedMask, type TypedArray } from './types.js';
import { checkElementCount, readNumbers, type DecodeLimits, type NumericKind } from './npy.js';

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** NIfTI version and byte order from sizeof_hdr (348 for NIfTI-1, 540 for NIfTI-2), or undefined. */
export function sniffNifti(bytes: Uint8Array): { version: 1 | 2; littleEndian: boolean } | undefined {
  if (bytes.length < 4) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, 4);
  for (const littleEndian of [true, false]) {
    const size = view.getInt32(0, littleEndian);
    if (size === 348) return { version: 1, littleEndian };
    if (size === 540) return { version: 2, littleEndian };
  }
  return undefined;
}

const DATATYPES: Record<number, { name: string; kind: NumericKind; size: number }> = {
  2: { name: 'uint8', kind: 'u', size: 1 },
  4: { name: 'int16', kind: 'i', size: 2 },
  8: { name: 'int32', kind: 'i', size: 4 },
  16: { name: 'float32', kind: 'f', size: 4 },
  64: { name: 'float64', kind: 'f', size: 8 },
  256: { name: 'int8', kind: 'i', size: 1 },
  512: { name: 'uint16', kind: 'u', size: 2 },
  768: { name: 'uint32', kind: 'u', size: 4 },
  1024: { name: 'int64', kind: 'i', size: 8 },
  1280: { name: 'uint64', kind: 'u', size: 8 },
};

const UNSUPPORTED_DATATYPES: Record<number, string> = {
  1: 'binary, 1 bit per voxel',
  32: 'complex64',
  128: 'RGB24',
  1536: 'float128',
  1792: 'complex128',
  2048: 'complex256',
  2304: 'RGBA32',
};

const HEADER_SIZE = { 1: 348, 2: 540 } as const;

function gzipError(path: string, e: unknown): MaskInputError {
  return new MaskInputError(path, `corrupt gzip data: ${(e as Error).message}`);
}

/** Decompresses just enough of a .nii.gz to read the header (never more than ~1 MiB), without inflating the volume. */
function gunzipHeader(bytes: Uint8Array, path: string, minBytes: number): Uint8Array {
  try {
    return inflateHead(bytes, 'gzip', minBytes);
  } catch (e) {
    if (e instanceof InflateLimitExceeded) throw new MaskInputError(path, 'corrupt gzip data: the NIfTI header cannot be found within the first MiB of decompressed data');
    throw gzipError(path, e);
  }
}

interface NiftiHeader {
  version: 1 | 2;
  littleEndian: boolean;
  datatype: { name: string; kind: NumericKind; size: number };
  /** dim[1..dim[0]], x first. */
  dims: number[];
  pixdim: number[];
  voxOffset: number;
  sclSlope: number;
  sclInter: number;
  qformCode: number;
  sformCode: number;
  quatern: [number, number, number];
  qoffset: [number, number, number];
  srow: number[][];
}

// Field offsets of the two header layouts (NIfTI-1: 348 bytes, float32/int16 fields; NIfTI-2: 540 bytes,
// float64/int64 fields). nifti-reader-js reads the same fields, but it is ESM-only with an "import"-only
// export map that this CommonJS-compiled package cannot resolve, so the reader is here.
const LAYOUT = {
  1: { dim: 40, dimSize: 2, datatype: 70, pixdim: 76, voxOffset: 108, slope: 112, inter: 116, qform: 252, sform: 254, quatern: 256, qoffset: 268, srow: 280, floatSize: 4, codeSize: 2 },
  2: { dim: 16, dimSize: 8, datatype: 12, pixdim: 104, voxOffset: 168, slope: 176, inter: 184, qform: 344, sform: 348, quatern: 352, qoffset: 376, srow: 400, floatSize: 8, codeSize: 4 },
} as const;

function parseHeader(head: Uint8Array, path: string): NiftiHeader {
  const sniffed = sniffNifti(head);
  if (!sniffed) {
    throw new MaskInputError(path, 'not a NIfTI file (sizeof_hdr is neither 348 nor 540)');
  }
  const { version, littleEndian } = sniffed;
  const size = HEADER_SIZE[version];
  if (head.length < size) {
    throw new MaskInputError(path, `truncated: the NIfTI-${version} header needs ${size} bytes, the file has ${head.length}`);
  }
  const magicAt = version === 1 ? 344 : 4;
  const magic = String.fromCharCode(...head.subarray(magicAt, magicAt + 3));
  if (magic === `ni${version}`) {
    throw new MaskInputError(path, 'NIfTI .hdr/.img pairs are not supported; convert to a single .nii or .nii.gz');
  }
  if (magic !== `n+${version}`) {
    const shown = quoteForMessage(magic, 20);
    throw new MaskInputError(path, `not a NIfTI-${version} file (magic '${shown}', expected 'n+${version}'; ANALYZE 7.5 is not supported)`);
  }

  const L = LAYOUT[version];
  const view = new DataView(head.buffer, head.byteOffset, size);
  const float = (at: number) => (L.floatSize === 4 ? view.getFloat32(at, littleEndian) : view.getFloat64(at, littleEndian));
  const int = (at: number, bytes: number) =>
    bytes === 2
      ? view.getInt16(at, littleEndian)
      : bytes === 4
        ? view.getInt32(at, littleEndian)
        : Number(view.getBigInt64(at, littleEndian));
  const floats = (at: number, n: number) => Array.from({ length: n }, (_, i) => float(at + i * L.floatSize));

  const ndim = int(L.dim, L.dimSize);
  if (!(ndim >= 1 && ndim <= 7)) throw new MaskInputError(path, `corrupt NIfTI header: dim[0] = ${ndim}, expected 1..7`);
  const code = view.getInt16(L.datatype, littleEndian);
  const datatype = DATATYPES[code];
  if (!datatype) {
    const what = UNSUPPORTED_DATATYPES[code];
    throw new MaskInputError(path, `unsupported datatype ${code}${what ? ` (${what})` : ''}`);
  }
  const rawOffset = Math.floor(version === 1 ? float(L.voxOffset) : int(L.voxOffset, 8));
  const quatern = floats(L.quatern, 3);
  const qoffset = floats(L.qoffset, 3);
  return {
    version,
    littleEndian,
    datatype,
    dims: Array.from({ length: ndim }, (_, i) => int(L.dim + (i + 1) * L.dimSize, L.dimSize)),
    pixdim: floats(L.pixdim, 8),
    // A vox_offset inside the header is invalid; the data then starts after the 4 extension bytes.
    voxOffset: rawOffset >= size ? rawOffset : size + 4,
    sclSlope: float(L.slope),
    sclInter: float(L.inter),
    qformCode: int(L.qform, L.codeSize),
    sformCode: int(L.sform, L.codeSize),
    quatern: [quatern[0], quatern[1], quatern[2]],
    qoffset: [qoffset[0], qoffset[1], qoffset[2]],
    srow: [0, 1, 2].map((r) => floats(L.srow + r * 4 * L.floatSize, 4)),
  };
}

/** Voxel (i,j,k) to world: sform if sform_code > 0, else qform if qform_code > 0, else diag(pixdim). */
export function niftiAffine(h: Pick<NiftiHeader, 'sformCode' | 'qformCode' | 'srow' | 'quatern' | 'qoffset' | 'pixdim'>): number[][] {
  const last = [0, 0, 0, 1];
  if (h.sformCode > 0) return [...h.srow.map((r) => [...r]), last];
  const d = [1, 2, 3].map((i) => (h.pixdim[i] > 0 ? h.pixdim[i] : 1));
  if (h.qformCode > 0) {
    // nifti1_io.c nifti_quatern_to_mat44
    let [b, c, dq] = h.quatern;
    let a = 1 - (b * b + c * c + dq * dq);
    if (a < 1e-7) {
      const s = 1 / Math.sqrt(b * b + c * c + dq * dq);
      b *= s;
      c *= s;
      dq *= s;
      a = 0;
    } else {
      a = Math.sqrt(a);
    }
    const qfac = h.pixdim[0] < 0 ? -1 : 1;
    const R = [
      [a * a + b * b - c * c - dq * dq, 2 * (b * c - a * dq), 2 * (b * dq + a * c)],
      [2 * (b * c + a * dq), a * a + c * c - b * b - dq * dq, 2 * (c * dq - a * b)],
      [2 * (b * dq - a * c), 2 * (c * dq + a * b), a * a + dq * dq - c * c - b * b],
    ];
    const scale = [d[0], d[1], d[2] * qfac];
    return [
      ...R.map((row, r) => [row[0] * scale[0], row[1] * scale[1], row[2] * scale[2], h.qoffset[r]]),
      last,
    ];
  }
  return [
    [d[0], 0, 0, 0],
    [0, d[1], 0, 0],
    [0, 0, d[2], 0],
    last,
  ];
}

/**
 * The affine, with a warning for a transform that cannot be used: an sform (sform_code > 0) or a qform
 * holding NaN or Inf falls back to the next one (sform, qform, diag(pixdim)), as a reader of a
 * half-written header would; a pixdim that is not a positive finite number counts as 1.
 */
function checkedAffine(h: NiftiHeader, warnings: string[]): number[][] {
  const finite = (xs: number[]) => xs.every((x) => Number.isFinite(x));
  let { sformCode, qformCode } = h;
  if (sformCode > 0 && !finite(h.srow.flat())) {
    warnings.push(`sform_code is ${sformCode} but the sform holds NaN or Inf; using the ${qformCode > 0 ? 'qform' : 'pixdim spacing'} instead`);
    sformCode = 0;
  }
  if (sformCode <= 0 && qformCode > 0 && !finite([...h.quatern, ...h.qoffset])) {
    warnings.push(`qform_code is ${qformCode} but the quaternion or offset holds NaN or Inf; using the pixdim spacing instead`);
    qformCode = 0;
  }
  const pixdim = h.pixdim.map((v, i) => (i === 0 || (v > 0 && Number.isFinite(v)) ? v : 1));
  const affine = niftiAffine({ ...h, sformCode, qformCode, pixdim });
  return finite(affine.flat()) ? affine : niftiAffine({ ...h, sformCode: 0, qformCode: 0, pixdim });
}

/** Applies scl_slope / scl_inter; integer data with integer factors stays integer. */
function applyScaling(
  data: TypedArray,
  integer: boolean,
  slope: number,
  inter: number,
  wide: boolean,
): { data: TypedArray; integer: boolean } {
  if (!Number.isFinite(inter)) inter = 0;
  if (!Number.isFinite(slope) || slope === 0 || (slope === 1 && inter === 0)) return { data, integer };
  const n = data.length;
  if (integer && Number.isInteger(slope) && Number.isInteger(inter)) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = data[i] * slope + inter;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const out = lo >= -(2 ** 31) && hi < 2 ** 31 ? new Int32Array(n) : new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = data[i] * slope + inter;
    return { data: out, integer: true };
  }
  const out = wide ? new Float64Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = data[i] * slope + inter;
  return { data: out, integer: false };
}

const AXIS = ['x', 'y', 'z'];

/**
 * Decodes a NIfTI-1 or NIfTI-2 volume, plain or gzip'd (detected by magic bytes, not by name).
 * dim = (nx, ny, nz) becomes shape [nz, ny, nx]; trailing size-1 spatial axes beyond two are dropped,
 * extra axes (t, ...) come first: [nt, nz, ny, nx]. spacing = |pixdim| in the same order as the spatial axes.
 */
export function decodeNifti(bytes: Uint8Array, path: string, opts: DecodeLimits = {}): DecodedMask {
  const limits = resolveDecodeLimits(opts);
  const gz = isGzip(bytes);
  const head = gz ? gunzipHeader(bytes, path, HEADER_SIZE[2]) : bytes;
  const h = parseHeader(head, path);
  const { kind, size, name } = h.datatype;
  const count = checkElementCount(path, h.dims, limits.maxElements);
  const needed = count * size;
  const end = h.voxOffset + needed;

  let full = bytes;
  if (gz) {
    if (end > limits.maxDecodedBytes) {
      throw new MaskInputError(
        path,
        `header says ${h.dims.join('x')} ${name} at vox_offset ${h.voxOffset}, ${humanBytes(end)} once decompressed, over the limit of ${humanBytes(limits.maxDecodedBytes)}; ${RAISE_FILE_LIMIT}`,
      );
    }
    try {
      full = inflateBounded(bytes, 'gzip', end);
    } catch (e) {
      if (e instanceof InflateLimitExceeded) {
        throw new MaskInputError(
          path,
          `header says ${h.dims.join('x')} ${name}, ${needed} bytes of data, but the gzip stream holds more; the header's dimensions or datatype are wrong`,
        );
      }
      throw gzipError(path, e);
    }
  }
  const available = full.length - h.voxOffset;
  const where = gz ? ' after decompression' : '';
  if (available < needed) {
    throw new MaskInputError(path, `truncated: header says ${needed} bytes of data, file has ${Math.max(0, available)}${where}`);
  }
  if (available > needed) {
    throw new MaskInputError(
      path,
      `header says ${h.dims.join('x')} ${name}, ${needed} bytes of data, but ${available} bytes follow vox_offset${where}; the header's dimensions or datatype are wrong`,
    );
  }

  const raw = readNumbers(full, h.voxOffset, count, kind, size, h.littleEndian, path);
  // Scaled 32/64-bit integers and float64 need float64 to keep their precision.
  const wide = name === 'float64' || (kind !== 'f' && size >= 4);
  const { data, integer } = applyScaling(raw, kind !== 'f', h.sclSlope, h.sclInter, wide);

  // Dropping size-1 axes never changes the memory layout, only the shape.
  const spatial = h.dims.slice(0, 3);
  while (spatial.length > 2 && spatial[spatial.length - 1] === 1) spatial.pop();
  const extra = h.dims.slice(3).filter((d) => d !== 1);
  const shape = [...extra.reverse(), ...[...spatial].reverse()];

  const warnings: string[] = [];
  const spacingXYZ = spatial.map((_, i) => {
    const v = Math.abs(h.pixdim[i + 1]);
    if (v > 0 && Number.isFinite(v)) return v;
    warnings.push(`pixdim[${i + 1}] (${AXIS[i]} spacing) is ${h.pixdim[i + 1]}; using 1`);
    return 1;
  });

  return {
    data,
    shape,
    integer,
    dtype: `NIfTI-${h.version} ${name}`,
    path,
    format: 'nifti',
    spacing: spacingXYZ.reverse(),
    affine: checkedAffine(h, warnings),
    ...(warnings.length ? { warnings } : {}),
  };
}
