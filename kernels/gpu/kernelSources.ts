/**
 * gpu.js kernel sources, kept as source text so no transpiler or bundler ever rewrites them
 * (gpu.js parses the text itself and translates it to GLSL, WebAssembly or plain JS).
 *
 * Every sums kernel gives each thread one tile of `tileSize` consecutive pixels of a chunk and
 * returns four float32 partial sums ([a, b, c, d]); the host adds the partials in float64.
 * Pixels with target < 0 (ignored, and the padding of the last chunk) are skipped. The integer
 * part of the sums (counts, hard counts) is exact on the host (hardCounts.ts), not here.
 *
 * Numerics follow the spec (float32 versions of kernels/reference/pixelSums.ts):
 *  - probabilities: log p = log(clamp(p)), log(1 - p) = log(clamp(1 - p)), clamp to [1e-7, 1 - 1e-7];
 *    both without float32 cancellation: the staged value keeps 1 - p exact near 1 (chunks.ts
 *    encodeProbability), and log(1 - x) for small x uses its series;
 *  - logits: log-sigmoid / log-softmax, and log(1 - p_c) = logsumexp_{k != c} z_k - logsumexp_k z_k,
 *    never 1 - p_c (for p_c above one half it comes from the prep kernel, computed directly).
 */

/** How helper functions choose between a series and a log (see helperSources). */
export type HelperStyle = 'select' | 'branch';

const LOG1M_SERIES = `function log1mSeries(x) {
  return -x * (1.0 + x * (0.5 + x * (0.33333334 + x * (0.25 + x * (0.2 + x * (0.16666667
    + x * (0.14285715 + x * (0.125 + x * 0.11111111))))))));
}`;

const LOG1P_SERIES = `function log1pSeries(x) {
  return x * (1.0 - x * (0.5 - x * (0.33333334 - x * (0.25 - x * (0.2 - x * (0.16666667
    - x * (0.14285715 - x * (0.125 - x * 0.11111111))))))));
}`;

const FOCAL_WEIGHT = `function focalWeight(q, gamma) {
  const r = Math.max(q, 0.0);
  if (gamma == 0.0) {
    return 1.0;
  }
  if (gamma == 1.0) {
    return r;
  }
  if (gamma == 2.0) {
    return r * r;
  }
  return r > 0.0 ? Math.pow(r, gamma) : 0.0;
}`;

/** The helpers with both candidates computed, then one selected: no divergent branches (GL, WebGPU). */
const SELECTING_HELPERS = [
  `function log1mAccurate(x) {
    const series = log1mSeries(Math.min(x, 0.1));
    const direct = Math.log(1.0 - x);
    return x < 0.1 ? series : direct;
  }`,
  `function log1pAccurate(x) {
    const series = log1pSeries(Math.min(x, 0.1));
    const direct = Math.log(1.0 + x);
    return x < 0.1 ? series : direct;
  }`,
  `function logClampedPair(u, v) {
    const nearOne = log1mSeries(Math.min(Math.max(v, 0.0000001), 0.1));
    const direct = Math.log(Math.max(u, 0.0000001));
    return v < 0.1 ? nearOne : direct;
  }`,
];

/** The same helpers computing only the candidate they return (cpu, webasm). */
const BRANCHING_HELPERS = [
  `function log1mAccurate(x) {
    if (x < 0.1) {
      return log1mSeries(x);
    }
    return Math.log(1.0 - x);
  }`,
  `function log1pAccurate(x) {
    if (x < 0.1) {
      return log1pSeries(x);
    }
    return Math.log(1.0 + x);
  }`,
  `function logClampedPair(u, v) {
    if (v < 0.1) {
      return log1mSeries(Math.max(v, 0.0000001));
    }
    return Math.log(Math.max(u, 0.0000001));
  }`,
];

/**
 * Helper functions for the kernels (added through the kernel's `functions` setting):
 *  - log1mSeries(x) = log(1 - x) by its series -sum_k x^k / k, float32-accurate for 0 <= x <= 0.1;
 *  - log1mAccurate(x) = log(1 - x), 0 <= x < 1, without cancellation for small x;
 *  - log1pAccurate(x) = log(1 + x), 0 <= x, likewise (log1pSeries below 0.1);
 *  - logClampedPair(u, v) = log(clamp(u)), clamp to [1e-7, 1 - 1e-7], given v = 1 - u, which must
 *    be exact when v < 0.1 (true of an encoded probability's p and 1 - p, see chunks.ts);
 *  - focalWeight(q, gamma) = q^gamma for the focal weight (1 - p_y)^gamma, 0^0 = 1, q < 0 as 0.
 * On GL a divergent branch costs both sides, so there the helpers select between precomputed
 * candidates; on the CPU backends they branch and compute one.
 */
export function helperSources(style: HelperStyle): string[] {
  return [LOG1M_SERIES, LOG1P_SERIES, FOCAL_WEIGHT, ...(style === 'select' ? SELECTING_HELPERS : BRANCHING_HELPERS)];
}

/**
 * Binary pair, output [tiles, 2] of Array(4); per row, indexed by class 0/1:
 *  row 0: [sumP0, sumP1, tp0, tp1]
 *  row 1: [ce0, ce1, focal0, focal1]
 * `pred` holds the foreground probability p (p_0 = 1 - p), encoded as chunks.ts encodeProbability
 * says, or the logit z. Counted targets are 0 or 1.
 */
export const BINARY_PROBABILITY_SUMS = `function binaryProbabilitySums(pred, target, gamma) {
  const start = this.thread.x * this.constants.tileSize;
  const row = this.thread.y;
  let a = 0.0;
  let b = 0.0;
  let c = 0.0;
  let d = 0.0;
  for (let k = 0; k < this.constants.tileSize; k++) {
    const y = target[start + k];
    if (y >= 0.0) {
      const e = pred[start + k];
      const p = e >= 0.0 ? e : 1.0 + e;
      const q = e >= 0.0 ? 1.0 - e : -e;
      const fg = y == 1.0 ? 1.0 : 0.0;
      if (row == 0) {
        a += q;
        b += p;
        c += fg > 0.0 ? 0.0 : q;
        d += fg > 0.0 ? p : 0.0;
      } else {
        // p_y and 1 - p_y of the pixel's own class
        const u = fg > 0.0 ? p : q;
        const v = fg > 0.0 ? q : p;
        const ce = -logClampedPair(u, v);
        const focal = ce * focalWeight(v, gamma);
        a += fg > 0.0 ? 0.0 : ce;
        b += fg > 0.0 ? ce : 0.0;
        c += fg > 0.0 ? 0.0 : focal;
        d += fg > 0.0 ? focal : 0.0;
      }
    }
  }
  return [a, b, c, d];
}`;

export const BINARY_LOGIT_SUMS = `function binaryLogitSums(pred, target, gamma) {
  const start = this.thread.x * this.constants.tileSize;
  const row = this.thread.y;
  let a = 0.0;
  let b = 0.0;
  let c = 0.0;
  let d = 0.0;
  for (let k = 0; k < this.constants.tileSize; k++) {
    const y = target[start + k];
    if (y >= 0.0) {
      const z = pred[start + k];
      const fg = y == 1.0 ? 1.0 : 0.0;
      if (row == 0) {
        // sigmoid(z) and sigmoid(-z) from e = exp(-|z|), without cancellation
        const e = Math.exp(-Math.abs(z));
        const big = 1.0 / (1.0 + e);
        const small = e / (1.0 + e);
        const p = z >= 0.0 ? big : small;
        const q = z >= 0.0 ? small : big;
        a += q;
        b += p;
        c += fg > 0.0 ? 0.0 : q;
        d += fg > 0.0 ? p : 0.0;
      } else {
        // -log p_y = softplus(s) and 1 - p_y = sigmoid(s), with s = -z (y = 1) or z (y = 0)
        const s = fg > 0.0 ? -z : z;
        const e = Math.exp(-Math.abs(s));
        const ce = Math.max(s, 0.0) + log1pAccurate(e);
        const weight = (s >= 0.0 ? 1.0 : e) / (1.0 + e);
        const focal = ce * focalWeight(weight, gamma);
        a += fg > 0.0 ? 0.0 : ce;
        b += fg > 0.0 ? ce : 0.0;
        c += fg > 0.0 ? 0.0 : focal;
        d += fg > 0.0 ? focal : 0.0;
      }
    }
  }
  return [a, b, c, d];
}`;

/**
 * Per-pixel preparation of C logit planes (channel k of pixel i at k * chunkLength + i), output
 * [3 * chunkLength], by quantity (told apart by comparisons, not by a float division of the
 * thread index):
 *  [0, L): m = max_k z_k;  [L, 2L): lse - m = log(sum_k exp(z_k - m));
 *  [2L, 3L): log(1 - p_max) = logsumexp_{k != argmax} z_k - lse, computed directly (no cancellation).
 * Keeping m and lse - m apart makes log p_c = (z_c - m) - (lse - m) exact to float32 even where
 * p_c is near 1 and log p_c near 0.
 */
export const CHANNEL_LOGIT_PREP = `function channelLogitPrep(planes) {
  const L = this.constants.chunkLength;
  let quantity = 0;
  let i = this.thread.x;
  if (i >= 2 * L) {
    quantity = 2;
    i = i - 2 * L;
  } else if (i >= L) {
    quantity = 1;
    i = i - L;
  }
  let best = planes[i];
  let hard = 0.0;
  let second = -3.0e38;
  for (let k = 1; k < this.constants.classes; k++) {
    const v = planes[k * L + i];
    if (v > best) {
      second = Math.max(second, best);
      best = v;
      hard = k;
    } else {
      second = Math.max(second, v);
    }
  }
  let result = best;
  if (quantity > 0) {
    // rest = sum over k != argmax of exp(z_k - second) >= 1; tail = the same relative to the max
    let rest = 0.0;
    for (let k = 0; k < this.constants.classes; k++) {
      if (k != hard) {
        rest += Math.exp(planes[k * L + i] - second);
      }
    }
    const gap = second - best;
    const tail = Math.exp(gap) * rest;
    if (quantity == 1) {
      result = log1pAccurate(tail);
    } else {
      result = gap + Math.log(rest) - log1pAccurate(tail);
    }
  }
  return result;
}`;

/**
 * Multi-class sums over channel planes, output [tiles, C, 2] of Array(4); thread (tile, c, row):
 *  row 0: [sumP_c, bceRest_c, 0, 0], bceRest_c = sum over counted pixels with y != c of -log(1 - p_c)
 *  row 1: [tp_c, ce_c, focal_c, 0], over the pixels of class c only (behind a branch)
 * Probabilities are encoded (see chunks.ts encodeProbability); logits come with the output of
 * channelLogitPrep.
 */
export const CHANNEL_PROBABILITY_SUMS = `function channelProbabilitySums(planes, target, gamma) {
  const start = this.thread.x * this.constants.tileSize;
  const cls = this.thread.y;
  const row = this.thread.z;
  const offset = cls * this.constants.chunkLength;
  let a = 0.0;
  let b = 0.0;
  let c = 0.0;
  for (let k = 0; k < this.constants.tileSize; k++) {
    const i = start + k;
    const y = target[i];
    if (y >= 0.0) {
      if (row == 0) {
        const e = planes[offset + i];
        const p = e >= 0.0 ? e : 1.0 + e;
        const q = e >= 0.0 ? 1.0 - e : -e;
        a += p;
        if (y != cls) {
          b -= logClampedPair(q, p);
        }
      } else if (y == cls) {
        const e = planes[offset + i];
        const p = e >= 0.0 ? e : 1.0 + e;
        const q = e >= 0.0 ? 1.0 - e : -e;
        const logP = logClampedPair(p, q);
        a += p;
        b -= logP;
        c -= focalWeight(q, gamma) * logP;
      }
    }
  }
  return [a, b, c, 0.0];
}`;

export const CHANNEL_LOGIT_SUMS = `function channelLogitSums(planes, target, prep, gamma) {
  const L = this.constants.chunkLength;
  const start = this.thread.x * this.constants.tileSize;
  const cls = this.thread.y;
  const row = this.thread.z;
  const offset = cls * L;
  let a = 0.0;
  let b = 0.0;
  let c = 0.0;
  for (let k = 0; k < this.constants.tileSize; k++) {
    const i = start + k;
    const y = target[i];
    if (y >= 0.0) {
      if (row == 0) {
        const logP = (planes[offset + i] - prep[i]) - prep[L + i];
        const p = Math.exp(logP);
        a += p;
        if (y != cls) {
          // log(1 - p_c): above one half c is the argmax, whose log(1 - p) the prep pass computed
          const logQ = p > 0.5 ? prep[2 * L + i] : log1mAccurate(Math.min(p, 0.5));
          b -= logQ;
        }
      } else if (y == cls) {
        const logP = (planes[offset + i] - prep[i]) - prep[L + i];
        const p = Math.exp(logP);
        const q = p > 0.5 ? Math.exp(prep[2 * L + i]) : 1.0 - p;
        a += p;
        b -= logP;
        c -= focalWeight(q, gamma) * logP;
      }
    }
  }
  return [a, b, c, 0.0];
}`;
