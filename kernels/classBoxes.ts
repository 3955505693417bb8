import type { Box } from './distance.js';

/**
 * For every class, the bounding box of its pixels in either label map (-1 = none), grown by
 * `margin` and clipped to the array; null for a class in neither. One pass over the arrays.
 */
export function classBoxes(a: Int32Array, b: Int32Array, shape: number[], classes: number, margin: number): (Box | null)[] {
  const nd = shape.length;
  const lo = new Int32Array(classes * nd).fill(0x7fffffff);
  const hi = new Int32Array(classes * nd).fill(-1);
  const coord = new Int32Array(nd);
  const grow = (c: number) => {
    const o = c * nd;
    for (let k = 0; k < nd; k++) {
      const v = coord[k];
      if (v < lo[o + k]) lo[o + k] = v;
      if (v > hi[o + k]) hi[o + k] = v;
    }
  };
  const rowLength = shape[nd - 1];
  const rows = a.length / rowLength;
  let i = 0;
  for (let r = 0; r < rows; r++) {
    for (let x = 0; x < rowLength; x++, i++) {
      const ca = a[i];
      const cb = b[i];
      if (ca < 0 && cb < 0) continue;
      coord[nd - 1] = x;
      if (ca >= 0 && ca < classes) grow(ca);
      if (cb >= 0 && cb !== ca && cb < classes) grow(cb);
    }
    for (let k = nd - 2; k >= 0; k--) {
      if (++coord[k] < shape[k]) break;
      coord[k] = 0;
    }
  }
  const boxes: (Box | null)[] = [];
  for (let c = 0; c < classes; c++) {
    const o = c * nd;
    if (hi[o] < 0) { boxes.push(null); continue; }
    boxes.push({
      lo: Array.from({ length: nd }, (_, k) => Math.max(0, lo[o + k] - margin)),
      hi: Array.from({ length: nd }, (_, k) => Math.min(shape[k], hi[o + k] + 1 + margin)),
    });
  }
  return boxes;
}

/** Calls visit(fullIndex, boxIndex) for every pixel of the box, in C order. */
export function forEachInBox(shape: number[], box: Box, visit: (full: number, local: number) => void): void {
  const nd = shape.length;
  const strides = new Array<number>(nd);
  let s = 1;
  for (let k = nd - 1; k >= 0; k--) { strides[k] = s; s *= shape[k]; }
  const dims = box.hi.map((h, k) => h - box.lo[k]);
  const rowLength = dims[nd - 1];
  const rows = dims.reduce((a, b) => a * b, 1) / rowLength;
  const coord = new Int32Array(nd - 1);
  let local = 0;
  for (let r = 0; r < rows; r++) {
    let full = box.lo[nd - 1];
    for (let k = 0; k < nd - 1; k++) full += (box.lo[k] + coord[k]) * strides[k];
    for (let x = 0; x < rowLength; x++) visit(full + x, local++);
    for (let k = nd - 2; k >= 0; k--) {
      if (++coord[k] < dims[k]) break;
      coord[k] = 0;
    }
  }
}
