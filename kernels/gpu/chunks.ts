/**
 * How the pixels of a pair are cut into chunks for the kernels, and the float32 staging of a chunk.
 *
 * A chunk is `tiles * TILE_SIZE` pixels; each kernel thread sums one tile. The tile count is a
 * power of two (so few distinct kernel shapes get compiled and cached) and at most
 * MAX_TILES_PER_CHUNK, which keeps every GL texture under 16384 texels a side (a [tiles, rows]
 * output is a tiles-wide texture). Channel planes of a chunk are staged together (plane k at
 * k * chunkLength), at most MAX_STAGED_FLOATS floats, so any number of pixels (512x512x400 and
 * beyond) goes through in chunks. The pixels past the end of the data in the last chunk are
 * padded with target -1 (ignored).
 */

export const TILE_SIZE = 256;
export const MAX_TILES_PER_CHUNK = 16384;
/** GL kernels index their inputs with float32 arithmetic: keep every index below 2^24. */
export const MAX_STAGED_FLOATS = 1 << 24;

export interface Chunk {
  /** first pixel of the chunk */
  start: number;
  /** pixels of data in the chunk (the rest is padding) */
  length: number;
  /** tiles of the chunk's kernel shape (a power of two) */
  tiles: number;
  /** tiles * TILE_SIZE */
  chunkLength: number;
}

function nextPowerOfTwo(value: number): number {
  let power = 1;
  while (power < value) power *= 2;
  return power;
}

/** The chunks covering `size` pixels when each pixel stages `floatsPerPixel` floats. */
export function planChunks(size: number, floatsPerPixel: number): Chunk[] {
  let maxTiles = MAX_TILES_PER_CHUNK;
  while (maxTiles > 1 && maxTiles * TILE_SIZE * floatsPerPixel > MAX_STAGED_FLOATS) maxTiles /= 2;
  const chunks: Chunk[] = [];
  for (let start = 0; start < size; ) {
    const length = Math.min(size - start, maxTiles * TILE_SIZE);
    const tiles = nextPowerOfTwo(Math.ceil(length / TILE_SIZE));
    chunks.push({ start, length, tiles, chunkLength: tiles * TILE_SIZE });
    start += length;
  }
  return chunks;
}

/** The chunk's targets as float32, padded with -1. */
export function stageTarget(target: Int32Array, chunk: Chunk): Float32Array {
  const staged = new Float32Array(chunk.chunkLength);
  staged.set(target.subarray(chunk.start, chunk.start + chunk.length));
  staged.fill(-1, chunk.length);
  return staged;
}

/**
 * A float64 probability p in [0, 1] as float32 without losing the precision of 1 - p near 1:
 * p itself up to one half, -(1 - p) above (1 - p taken before rounding), with 1 - p = 0 stored as
 * -1e-30 so the sign still tells. Kernels decode p = e >= 0 ? e : 1 + e and
 * 1 - p = e >= 0 ? 1 - e : -e, which also reads a float32 probability as it is (its 1 - p is
 * exact above one half), so float32 inputs are staged unchanged.
 */
export function encodeProbability(p: number): number {
  return p <= 0.5 ? p : -Math.max(1 - p, 1e-30);
}

function stageInto(staged: Float32Array, at: number, values: Float32Array | Float64Array, from: number, count: number,
  probabilities: boolean): void {
  if (!probabilities || values instanceof Float32Array) {
    staged.set(values.subarray(from, from + count), at);
    return;
  }
  for (let i = 0; i < count; i++) staged[at + i] = encodeProbability(values[from + i]);
}

/** One prediction value per pixel as float32 (probabilities encoded, see encodeProbability), padded with 0. */
export function stagePrediction(values: Float32Array | Float64Array, chunk: Chunk, probabilities: boolean): Float32Array {
  const staged = new Float32Array(chunk.chunkLength);
  stageInto(staged, 0, values, chunk.start, chunk.length, probabilities);
  return staged;
}

/**
 * C channel-first planes of N pixels (plane k at k * N) as the chunk's planes, plane k at
 * k * chunkLength (probabilities encoded, see encodeProbability).
 */
export function stagePlanes(values: Float32Array | Float64Array, size: number, classes: number, chunk: Chunk,
  probabilities: boolean): Float32Array {
  const staged = new Float32Array(classes * chunk.chunkLength);
  for (let k = 0; k < classes; k++) {
    stageInto(staged, k * chunk.chunkLength, values, k * size + chunk.start, chunk.length, probabilities);
  }
  return staged;
}
