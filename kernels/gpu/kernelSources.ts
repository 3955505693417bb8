/**
 * gpu.js kernel sources, kept as source text so no transpiler or bundler ever rewrites them
 * (gpu.js parses the text itself and translates it to GLSL, WebAssembly or plain JS).
 *
 * Every sums kernel gives each thread one tile of `tileSize` consecutive pixels of a chunk and
 * returns four float32 partial sums ([a, b, c, d]); the host adds the partials in float64.
 * Pixels with target < 0 (ignored, and the padding of the last chunk) are skipped.
 *
 * Numerics follow the spec (float32 versions of kernels/reference/pixelSums.ts):
 *  - probabilities: log p = log(clamp(p)), log(1 - p) = log(clamp(1 - p)), clamp to [1e-7, 1 - 1e-7];
 *    both are evaluated without float32 cancellation (1 - p is exact for p >= 0.5, and log(1 - x)
 *    for small x uses its series);
 *  - logits: log-sigmoid / log-softmax, and log(1 - p_c) = logsumexp_{k != c} z_k - logsumexp_k z_k.
 */

/** Helper functions shared by the kernels (added to every kernel through its `functions` setting). */
export const HELPER_SOURCES: string[] = [
  // log(1 - x) for 0 <= x < 1: the series -sum x^k / k below 0.1 (no cancellation), log() above.
  `function log1mAccurate(x) {
    if (x < 0.1) {
      return -x * (1.0 + x * (0.5 + x * (0.33333334 + x * (0.25 + x * (0.2 + x * (0.16666667
        + x * (0.14285715 + x * (0.125 + x * 0.11111111))))))));
    }
    return Math.log(1.0 - x);
  }`,
  // log(1 + x) for 0 <= x: alternating series below 0.1, log() above.
  `function log1pAccurate(x) {
    if (x < 0.1) {
      return x * (1.0 - x * (0.5 - x * (0.33333334 - x * (0.25 - x * (0.2 - x * (0.16666667
        - x * (0.14285715 - x * (0.125 - x * 0.11111111))))))));
    }
    return Math.log(1.0 + x);
  }`,
  // log(clamp(p)) with clamp to [1e-7, 1 - 1e-7]; above 0.5 through the exact 1 - p.
  `function logClamped(p) {
    if (p > 0.5) {
      return log1mAccurate(Math.max(1.0 - p, 0.0000001));
    }
    return Math.log(Math.max(p, 0.0000001));
  }`,
  // log(clamp(1 - p)).
  `function logOneMinusClamped(p) {
    if (p < 0.5) {
      return log1mAccurate(Math.max(p, 0.0000001));
    }
    return Math.log(Math.max(1.0 - p, 0.0000001));
  }`,
  `function sigmoidStable(z) {
    if (z >= 0.0) {
      return 1.0 / (1.0 + Math.exp(-z));
    }
    const e = Math.exp(z);
    return e / (1.0 + e);
  }`,
  // log(1 + exp(x))
  `function softplusStable(x) {
    return Math.max(x, 0.0) + log1pAccurate(Math.exp(-Math.abs(x)));
  }`,
  // q^gamma for the focal weight (1 - p_y)^gamma, with 0^0 = 1 and negative q as 0.
  `function focalWeight(q, gamma) {
    if (gamma == 0.0) {
      return 1.0;
    }
    if (q <= 0.0) {
      return 0.0;
    }
    if (gamma == 1.0) {
      return q;
    }
    if (gamma == 2.0) {
      return q * q;
    }
    return Math.pow(q, gamma);
  }`,
];

/**
 * Binary pair, output [tiles, 3] of Array(4); per row, indexed by class 0/1:
 *  row 0: [count0, count1, hardTp0, hardTp1]
 *  row 1: [sumP0, sumP1, tp0, tp1]
 *  row 2: [ce0, ce1, focal0, focal1]
 * `pred` holds the foreground probability p (p_0 = 1 - p) or the logit z.
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
      const p = pred[start + k];
      if (row == 0) {
        if (y == 1.0) {
          b += 1.0;
          if (p > 0.5) { d += 1.0; }
        } else {
          a += 1.0;
          if (p <= 0.5) { c += 1.0; }
        }
      } else if (row == 1) {
        const q = 1.0 - p;
        a += q;
        b += p;
        if (y == 1.0) { d += p; } else { c += q; }
      } else {
        if (y == 1.0) {
          const logP = logClamped(p);
          b -= logP;
          d -= focalWeight(1.0 - p, gamma) * logP;
        } else {
          const logQ = logOneMinusClamped(p);
          a -= logQ;
          c -= focalWeight(p, gamma) * logQ;
        }
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
      if (row == 0) {
        if (y == 1.0) {
          b += 1.0;
          if (z > 0.0) { d += 1.0; }
        } else {
          a += 1.0;
          if (z <= 0.0) { c += 1.0; }
        }
      } else if (row == 1) {
        const p = sigmoidStable(z);
        const q = sigmoidStable(-z);
        a += q;
        b += p;
        if (y == 1.0) { d += p; } else { c += q; }
      } else {
        if (y == 1.0) {
          const logP = -softplusStable(-z);
          b -= logP;
          d -= focalWeight(sigmoidStable(-z), gamma) * logP;
        } else {
          const logQ = -softplusStable(z);
          a -= logQ;
          c -= focalWeight(sigmoidStable(z), gamma) * logQ;
        }
      }
    }
  }
  return [a, b, c, d];
}`;

/**
 * Per-pixel preparation of C channel planes (channel k of pixel i at k * chunkLength + i), output
 * [prepRows * chunkLength], row-major by quantity:
 *  row 0: the hard prediction (argmax over channels, first maximum wins), as a float;
 *  logits only: row 1: lse = logsumexp_k z_k; row 2: log(1 - p_max) = logsumexp_{k != argmax} z_k - lse.
 * The rows are told apart by comparisons, never by a float division of the thread index.
 */
export const CHANNEL_ARGMAX = `function channelArgmax(planes) {
  const i = this.thread.x;
  let best = planes[i];
  let hard = 0.0;
  for (let k = 1; k < this.constants.classes; k++) {
    const v = planes[k * this.constants.chunkLength + i];
    if (v > best) {
      best = v;
      hard = k;
    }
  }
  return hard;
}`;

export const CHANNEL_LOGIT_PREP = `function channelLogitPrep(planes) {
  const L = this.constants.chunkLength;
  let row = 0;
  let i = this.thread.x;
  if (i >= 2 * L) {
    row = 2;
    i = i - 2 * L;
  } else if (i >= L) {
    row = 1;
    i = i - L;
  }
  let best = planes[i];
  let hard = 0;
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
  let result = hard * 1.0;
  if (row > 0) {
    let rest = 0.0;
    for (let k = 0; k < this.constants.classes; k++) {
      if (k != hard) {
        rest += Math.exp(planes[k * L + i] - second);
      }
    }
    const gap = second - best;
    const tail = Math.exp(gap) * rest;
    if (row == 1) {
      result = best + log1pAccurate(tail);
    } else {
      result = gap + Math.log(rest) - log1pAccurate(tail);
    }
  }
  return result;
}`;

/**
 * Multi-class sums over channel planes, output [tiles, C, 3] of Array(4); thread (tile, c, row):
 *  row 0: [count_c, hardTp_c, hardFp_c, hardFn_c]
 *  row 1: [sumP_c, tp_c, ce_c, focal_c]
 *  row 2: [bceRest_c, 0, 0, 0]   with bceRest_c = sum over counted pixels with y != c of -log(1 - p_c)
 * `prep` is the output of channelArgmax (probabilities) or channelLogitPrep (logits).
 */
export const CHANNEL_PROBABILITY_SUMS = `function channelProbabilitySums(planes, target, prep, gamma) {
  const start = this.thread.x * this.constants.tileSize;
  const cls = this.thread.y;
  const row = this.thread.z;
  const offset = cls * this.constants.chunkLength;
  let a = 0.0;
  let b = 0.0;
  let c = 0.0;
  let d = 0.0;
  for (let k = 0; k < this.constants.tileSize; k++) {
    const i = start + k;
    const y = target[i];
    if (y >= 0.0) {
      if (row == 0) {
        const hard = prep[i];
        if (y == cls) {
          a += 1.0;
          if (hard == cls) { b += 1.0; } else { d += 1.0; }
        } else if (hard == cls) {
          c += 1.0;
        }
      } else {
        const p = planes[offset + i];
        if (row == 1) {
          a += p;
          if (y == cls) {
            const logP = logClamped(p);
            b += p;
            c -= logP;
            d -= focalWeight(1.0 - p, gamma) * logP;
          }
        } else if (y != cls) {
          a -= logOneMinusClamped(p);
        }
      }
    }
  }
  return [a, b, c, d];
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
  let d = 0.0;
  for (let k = 0; k < this.constants.tileSize; k++) {
    const i = start + k;
    const y = target[i];
    if (y >= 0.0) {
      if (row == 0) {
        const hard = prep[i];
        if (y == cls) {
          a += 1.0;
          if (hard == cls) { b += 1.0; } else { d += 1.0; }
        } else if (hard == cls) {
          c += 1.0;
        }
      } else {
        const logP = planes[offset + i] - prep[L + i];
        const p = Math.exp(logP);
        if (row == 1) {
          a += p;
          if (y == cls) {
            let q = 1.0 - p;
            if (p > 0.5) { q = Math.exp(prep[2 * L + i]); }
            b += p;
            c -= logP;
            d -= focalWeight(q, gamma) * logP;
          }
        } else if (y != cls) {
          if (p > 0.5) {
            a -= prep[2 * L + i];
          } else {
            a -= log1mAccurate(p);
          }
        }
      }
    }
  }
  return [a, b, c, d];
}`;

/**
 * Hard counts from a label map (labels outside 0..C-1 never match a class), output [tiles, C] of
 * Array(4): [count_c, hardTp_c, hardFp_c, hardFn_c]. Every other sum of a label-map prediction
 * follows from these counts on the host (its probabilities are exactly 0 or 1).
 */
export const LABEL_COUNTS = `function labelCounts(labels, target) {
  const start = this.thread.x * this.constants.tileSize;
  const cls = this.thread.y;
  let a = 0.0;
  let b = 0.0;
  let c = 0.0;
  let d = 0.0;
  for (let k = 0; k < this.constants.tileSize; k++) {
    const y = target[start + k];
    if (y >= 0.0) {
      const hard = labels[start + k];
      if (y == cls) {
        a += 1.0;
        if (hard == cls) { b += 1.0; } else { d += 1.0; }
      } else if (hard == cls) {
        c += 1.0;
      }
    }
  }
  return [a, b, c, d];
}`;
