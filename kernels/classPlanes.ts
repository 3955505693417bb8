import { clampProb, sigmoid } from './numerics.js';
import type { PreparedPair } from './types.js';

/**
 * Streams class probability planes p_c(x) one class at a time, so a label map is never
 * expanded into a dense one-hot volume. Logit channels share one log-sum-exp plane.
 */
export class ClassPlanes {
  private lse: Float64Array | null = null;
  private hard: Int32Array | null = null;

  constructor(private readonly pair: PreparedPair) {}

  /** Writes p_c into `out` (length N) and returns it. */
  probability(c: number, out: Float64Array): Float64Array {
    const { pred, size: N } = this.pair;
    if (pred.kind === 'binary') {
      const v = pred.values;
      if (pred.logits) for (let i = 0; i < N; i++) out[i] = c === 1 ? sigmoid(v[i]) : 1 - sigmoid(v[i]);
      else if (c === 1) out.set(v);
      else for (let i = 0; i < N; i++) out[i] = 1 - v[i];
    } else if (pred.kind === 'labels') {
      const l = pred.labels;
      for (let i = 0; i < N; i++) out[i] = l[i] === c ? 1 : 0;
    } else if (pred.logits) {
      const lse = this.logSumExp();
      const v = pred.values;
      for (let i = 0; i < N; i++) out[i] = Math.exp(v[c * N + i] - lse[i]);
    } else {
      out.set(pred.values.subarray(c * N, (c + 1) * N));
    }
    return out;
  }

  /**
   * The hard label map the distance measures and metrics read: argmax (multi-class), p > 0.5
   * (binary), the label itself (label maps); -1 on ignored pixels, which are background in every hard mask.
   */
  hardLabels(): Int32Array {
    if (this.hard) return this.hard;
    const { pred, size: N, classes: C, target } = this.pair;
    const out = new Int32Array(N);
    if (pred.kind === 'binary') {
      const cut = pred.logits ? 0 : 0.5;
      for (let i = 0; i < N; i++) out[i] = target[i] < 0 ? -1 : pred.values[i] > cut ? 1 : 0;
    } else if (pred.kind === 'labels') {
      for (let i = 0; i < N; i++) out[i] = target[i] < 0 ? -1 : pred.labels[i];
    } else {
      const v = pred.values;
      for (let i = 0; i < N; i++) {
        let best = 0;
        let bestV = v[i];
        for (let k = 1; k < C; k++) if (v[k * N + i] > bestV) { bestV = v[k * N + i]; best = k; }
        out[i] = target[i] < 0 ? -1 : best;
      }
    }
    this.hard = out;
    return out;
  }

  /** The hard mask of class c (see hardLabels). */
  hardMask(c: number, out: Uint8Array): Uint8Array {
    const hard = this.hardLabels();
    for (let i = 0; i < out.length; i++) out[i] = hard[i] === c ? 1 : 0;
    return out;
  }

  targetMask(c: number, out: Uint8Array): Uint8Array {
    const t = this.pair.target;
    for (let i = 0; i < out.length; i++) out[i] = t[i] === c ? 1 : 0;
    return out;
  }

  /** Binary Lovász hinge input: the logit z, or logit(clamp(p)) for probabilities. */
  binaryLogit(i: number): number {
    const pred = this.pair.pred;
    if (pred.kind === 'binary') {
      const v = pred.values[i];
      return pred.logits ? v : Math.log(clampProb(v)) - Math.log(clampProb(1 - v));
    }
    if (pred.kind === 'labels') {
      const p = pred.labels[i] === 1 ? 1 : 0;
      return Math.log(clampProb(p)) - Math.log(clampProb(1 - p));
    }
    throw new Error('binaryLogit needs a binary pair');
  }

  private logSumExp(): Float64Array {
    if (this.lse) return this.lse;
    const { pred, size: N, classes: C } = this.pair;
    if (pred.kind !== 'channels') throw new Error('logSumExp needs channels');
    const v = pred.values;
    const lse = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      let m = -Infinity;
      for (let k = 0; k < C; k++) if (v[k * N + i] > m) m = v[k * N + i];
      let s = 0;
      for (let k = 0; k < C; k++) s += Math.exp(v[k * N + i] - m);
      lse[i] = m + Math.log(s);
    }
    this.lse = lse;
    return lse;
  }
}
