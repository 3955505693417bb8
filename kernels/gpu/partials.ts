/**
 * Reading back the kernels' partial sums: every thread returns four float32 sums over its tile,
 * and the host adds them up in float64 (the partials are few, one per 256 pixels, so a plain
 * float64 sum of them stays far inside the spec's 1e-4).
 */

/** One output row of a sums kernel: a 4-vector of partial sums per tile. */
export type PartialRow = ArrayLike<ArrayLike<number>>;

/** Adds the four partial sums of every tile in `row` to `into[0..3]`. */
export function addPartialRow(row: PartialRow, into: Float64Array): void {
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  for (let t = 0; t < row.length; t++) {
    const partial = row[t];
    a += partial[0];
    b += partial[1];
    c += partial[2];
    d += partial[3];
  }
  into[0] += a;
  into[1] += b;
  into[2] += c;
  into[3] += d;
}

/** Four float64 accumulators per row (and per class where the kernel has one). */
export function accumulators(count: number): Float64Array[] {
  return Array.from({ length: count }, () => new Float64Array(4));
}
