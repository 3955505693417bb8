/**
 * Pixels per call of a block function. A long loop that V8 enters only once is optimised by
 * on-stack replacement, which keeps its float accumulators boxed: a cold 16M-pixel pass ran 3–4×
 * slower than the same loop warm (and spent a quarter of it collecting garbage). Called once per
 * block, a small top-level function tiers up normally after a few blocks. Block functions keep
 * their running sums in a Float64Array, so the pixel order and every rounding stay those of one loop.
 */
export const BLOCK = 1 << 16;
