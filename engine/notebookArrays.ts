/**
 * The arrays of a notebook's masks payload (docs/spec/notebook.md) → decoded masks. A payload array
 * is exactly an NPY array without its header (dtype, shape, C or Fortran order, little-endian
 * bytes), so it goes through the NPY decoder with every check that decoder makes.
 */
import { decodeNpy } from '../formats/npy.js';
import type { DecodedMask } from '../formats/types.js';
import type { NotebookArray, NotebookArrayDtype } from '../protocol/messages.js';

const NPY_DESCR: Readonly<Record<NotebookArrayDtype, string>> = {
  bool: '|b1', uint8: '|u1', int8: '|i1', uint16: '<u2', int16: '<i2', uint32: '<u4', int32: '<i4', int64: '<i8', float16: '<f2', float32: '<f4', float64: '<f8',
};

/** An NPY v1 file of the array: the header, padded to a multiple of 64 bytes, then the bytes. */
function npyBytes(a: NotebookArray, data: Uint8Array): Uint8Array {
  const shape = a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(', ')})`;
  let header = `{'descr': '${NPY_DESCR[a.dtype]}', 'fortran_order': ${a.order === 'F' ? 'True' : 'False'}, 'shape': ${shape}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(data, 10 + header.length);
  return out;
}

/** Decodes one array of a payload whose structure protocol/validate.ts `masksPayloadProblem` accepted. */
export function decodeNotebookArray(name: string, a: NotebookArray, maxElements?: number): DecodedMask {
  const data = new Uint8Array(Buffer.from(a.data, 'base64'));
  return { ...decodeNpy(npyBytes(a, data), name, { maxElements }), path: name, format: 'npy' };
}
