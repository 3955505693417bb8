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
  // per row: each class's first and last column, and the classes seen (so a row costs one look per pixel)
  const first = new Int32Array(classes).fill(-1);
  const last = new Int32Array(classes);
  const seen = new Int32Array(classes);
  const rowLength = shape[nd - 1];
  const rows = a.length / rowLength;
  let i = 0;
  for (let r = 0; r < rows; r++) {
    let seenCount = 0;
    for (let x = 0; x < rowLength; x++, i++) {
      const ca = a[i];
      const cb = b[i];
      if (ca >= 0 && ca < classes) {
        if (first[ca] < 0) { first[ca] = x; seen[seenCount++] = ca; }
        last[ca] = x;
      }
      if (cb >= 0 && cb !== ca && cb < classes) {
        if (first[cb] < 0) { first[cb] = x; seen[seenCount++] = cb; }
        last[cb] = x;
      }
    }
    for (let s = 0; s < seenCount; s++) {
      const c = seen[s];
      const o = c * nd;
      for (let k = 0; k < nd - 1; k++) {
        if (coord[k] < lo[o + k]) lo[o + k] = coord[k];
        if (coord[k] > hi[o + k]) hi[o + k] = coord[k];
      }
      if (first[c] < lo[o + nd - 1]) lo[o + nd - 1] = first[c];
      if (last[c] > hi[o + nd - 1]) hi[o + nd - 1] = last[c];
      first[c] = -1;
    }
    for (let k = nd - 2; k >= 0; k--) {
      if (++coord[k] < shape[k]) break;
      coord[k] = 0;
    }
  }
  const boxes: (Box | null)[] = [];
  for (let c = 0; c < classes; c++) {
    const o = c * nd;
    if (hi[o + nd - 1] < 0) { boxes.push(null); continue; }
    boxes.push({
      lo: Array.from({ length: nd }, (_, k) => Math.max(0, lo[o + k] - margin)),
      hi: Array.from({ length: nd }, (_, k) => Math.min(shape[k], hi[o + k] + 1 + margin)),
    });
  }
  return boxes;
}

/** Calls visitRow(fullStart, boxStart, length) for every row of the box (along the last axis), in C order. */
export function forEachRowInBox(shape: number[], box: Box, visitRow: (full: number, local: number, length: number) => void): void {
  const nd = shape.length;
  const strides = new Array<number>(nd);
  let s = 1;
  for (let k = nd - 1; k >= 0; k--) { strides[k] = s; s *= shape[k]; }
  const dims = box.hi.map((h, k) => h - box.lo[k]);
  const rowLength = dims[nd - 1];
  const rows = dims.reduce((a, b) => a * b, 1) / rowLength;
  const coord = new Int32Array(nd - 1);
  for (let r = 0; r < rows; r++) {
    let full = box.lo[nd - 1];
    for (let k = 0; k < nd - 1; k++) full += (box.lo[k] + coord[k]) * strides[k];
    visitRow(full, r * rowLength, rowLength);
    for (let k = nd - 2; k >= 0; k--) {
      if (++coord[k] < dims[k]) break;
      coord[k] = 0;
    }
  }
}
