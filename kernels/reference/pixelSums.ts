import { clampProb, softplus, sigmoid } from '../numerics.js';
import type { PixelSums, PreparedPair } from '../types.js';

export function emptyPixelSums(classes: number): PixelSums {
  const zeros = () => new Float64Array(classes);
  return {
    n: 0, count: zeros(), sumP: zeros(), tp: zeros(), bce: zeros(), ce: zeros(), focal: zeros(),
    hardTp: zeros(), hardFp: zeros(), hardFn: zeros(), correct: 0,
  };
}

/**
 * Float64 oracle of the pixel-wise sums (see PixelSums). Per pixel it forms p_c for every class
 * and the logs the sums read (log p_y; log(1 − p_c) for c ≠ y in the multi-class BCE), exactly
 * as the spec's numerics say, then accumulates.
 */
export function computePixelSumsReference(pair: PreparedPair, focalGamma: number): PixelSums {
  const { classes: C, size: N, target, pred } = pair;
  const sums = emptyPixelSums(C);
  const p = new Float64Array(C);
  const z = new Float64Array(C);
  const logOne = Math.log(clampProb(1));
  const logZero = Math.log(clampProb(0));

  for (let i = 0; i < N; i++) {
    const y = target[i];
    if (y < 0) continue;
    let hard: number;
    /** log p_y */
    let logPy: number;
    if (pred.kind === 'binary') {
      const v = pred.values[i];
      if (pred.logits) {
        p[1] = sigmoid(v); p[0] = 1 - p[1];
        logPy = y === 1 ? -softplus(-v) : -softplus(v);
        hard = v > 0 ? 1 : 0;
      } else {
        p[1] = v; p[0] = 1 - v;
        logPy = Math.log(clampProb(y === 1 ? v : 1 - v));
        hard = v > 0.5 ? 1 : 0;
      }
    } else if (pred.kind === 'channels') {
      hard = 0;
      let best = -Infinity;
      for (let c = 0; c < C; c++) {
        const v = pred.values[c * N + i];
        z[c] = v;
        if (v > best) { best = v; hard = c; }
      }
      if (pred.logits) {
        const lse = logSumExp(z, -1);
        for (let c = 0; c < C; c++) {
          p[c] = Math.exp(z[c] - lse);
          // log(1 − p_c) = logsumexp over the other classes − lse
          if (c !== y) sums.bce[c] -= C > 1 ? logSumExp(z, c) - lse : -Infinity;
        }
        logPy = z[y] - lse;
      } else {
        for (let c = 0; c < C; c++) {
          p[c] = z[c];
          if (c !== y) sums.bce[c] -= Math.log(clampProb(1 - z[c]));
        }
        logPy = Math.log(clampProb(z[y]));
      }
      sums.bce[y] -= logPy;
    } else {
      hard = pred.labels[i];
      for (let c = 0; c < C; c++) p[c] = c === hard ? 1 : 0;
      logPy = y === hard ? logOne : logZero;
      // log(1 − p_c) for c ≠ y: log(1 − 1) at the predicted class, log(1 − 0) elsewhere
      for (let c = 0; c < C; c++) if (c !== y) sums.bce[c] -= c === hard ? logZero : logOne;
      sums.bce[y] -= logPy;
    }

    sums.n++;
    sums.count[y]++;
    sums.tp[y] += p[y];
    sums.ce[y] -= logPy;
    sums.focal[y] -= focalTerm(p[y], logPy, focalGamma);
    for (let c = 0; c < C; c++) sums.sumP[c] += p[c];
    if (hard === y) {
      sums.hardTp[y]++;
      sums.correct++;
    } else {
      if (hard >= 0 && hard < C) sums.hardFp[hard]++;
      sums.hardFn[y]++;
    }
  }
  if (pred.kind === 'binary') sums.bce.set(sums.ce);
  return sums;
}

/** (1 - p)^γ · log p, with 0^0 = 1 so γ = 0 reduces focal to cross entropy. */
export function focalTerm(p: number, logP: number, gamma: number): number {
  const q = 1 - p;
  const r = q < 0 ? 0 : q;
  // r·r is the correctly rounded square, as Math.pow(r, 2) should be, at a fraction of its cost
  return (gamma === 0 ? 1 : gamma === 2 ? r * r : Math.pow(r, gamma)) * logP;
}

/** logsumexp over z, leaving out index `skip` (-1: none). */
function logSumExp(z: Float64Array, skip: number): number {
  let m = -Infinity;
  for (let k = 0; k < z.length; k++) if (k !== skip && z[k] > m) m = z[k];
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (let k = 0; k < z.length; k++) if (k !== skip) s += Math.exp(z[k] - m);
  return m + Math.log(s);
}
