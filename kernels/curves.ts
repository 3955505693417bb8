/**
 * Loss curves: how each loss responds as the prediction changes (exact numbers; the engine's
 * presenter encodes them for the views).
 * - Probability / logit maps: the prediction is binarised at thresholds 0 → 1 (`steps` points):
 *   binary pairs as `p > t`; multi-class pairs one foreground class at a time, one-vs-rest
 *   (`p_c > t` against `y = c`). Threshold 0 keeps every pixel with p > 0, threshold 1 none.
 * - Label maps: the predicted mask (binary: the foreground; multi-class: each foreground class,
 *   one-vs-rest) is eroded (x < 0) or dilated (x > 0) by |x| = 1..k pixels, the cross-shaped
 *   (face-connected) structuring element applied |x| times, outside the array counted as background.
 * Every point is a binary label-map pair evaluated by the lead's engine (`evaluatePrepared`,
 * reference backend) with the user's parameters, so each value is exactly what `segscope evaluate`
 * would report for that mask; ignored pixels stay ignored. Pure computation, no DOM/fs/vscode.
 */
import { evaluatePrepared } from './evaluate.js';
import { stridesOf } from './distance.js';
import { resolveParams } from './params.js';
import { sigmoid } from './numerics.js';
import type { EvaluateOptions, LossId, PreparedPair } from './types.js';

/** Losses on the curves by default: overlap, cross entropy and surface distances. */
export const CURVE_LOSSES: LossId[] = ['dice', 'iou', 'tversky', 'focal_tversky', 'bce', 'hausdorff', 'hd95', 'assd', 'nsd'];

export interface CurveOptions {
  /** threshold points from 0 to 1 inclusive (default 21: steps of 0.05) */
  steps?: number;
  /** largest erosion / dilation in pixels (default 5) */
  k?: number;
  /** losses to trace (default {@link CURVE_LOSSES}); `cce` is traced as `bce` (every point is binary) */
  losses?: LossId[];
  /** the evaluation's options (alpha, beta, smooth, nsdTolerance, …), so points match the result */
  evaluate?: EvaluateOptions;
  /** foreground classes to trace (multi-class; default all 1..C-1) */
  classes?: number[];
  /** checked between points; an aborted signal rejects with its reason */
  signal?: AbortSignal;
  /** called after each point */
  onProgress?: (done: number, total: number) => void;
}

/** The curves of one class (or of the whole binary prediction). */
export interface LossCurves {
  mode: 'threshold' | 'morphology';
  /** the class whose mask was changed, or null for the whole prediction (binary) */
  class: number | null;
  /** sweep positions: thresholds in [0, 1] or signed pixel offsets -k..+k */
  x: number[];
  /** one series per loss, each with `x.length` values (a loss not computed at a point is NaN) */
  series: { loss: LossId; values: number[] }[];
}

/** The sweep positions: `steps` thresholds from 0 to 1, or the offsets -k..k. */
export function thresholds(steps: number): number[] {
  const n = Math.max(2, Math.floor(steps));
  return Array.from({ length: n }, (_, i) => Math.round((i / (n - 1)) * 1e12) / 1e12);
}

export function offsets(k: number): number[] {
  const m = Math.max(0, Math.floor(k));
  return Array.from({ length: 2 * m + 1 }, (_, i) => i - m);
}

/** Erodes (steps < 0) or dilates (steps > 0) a 0/1 mask |steps| times with the cross element. */
export function morph(mask: Uint8Array, shape: number[], steps: number): Uint8Array {
  let cur = mask.slice();
  const strides = stridesOf(shape);
  const nd = shape.length;
  const coord = new Int32Array(nd);
  for (let s = 0; s < Math.abs(steps); s++) {
    const next = new Uint8Array(cur.length);
    coord.fill(0);
    const dilate = steps > 0;
    for (let i = 0; i < cur.length; i++) {
      if (dilate) {
        let on = cur[i] !== 0;
        for (let a = 0; a < nd && !on; a++) {
          if (coord[a] > 0 && cur[i - strides[a]]) on = true;
          else if (coord[a] < shape[a] - 1 && cur[i + strides[a]]) on = true;
        }
        next[i] = on ? 1 : 0;
      } else if (cur[i]) {
        let on = true;
        for (let a = 0; a < nd && on; a++) {
          if (coord[a] === 0 || coord[a] === shape[a] - 1 || !cur[i - strides[a]] || !cur[i + strides[a]]) on = false;
        }
        next[i] = on ? 1 : 0;
      }
      for (let a = nd - 1; a >= 0; a--) {
        if (++coord[a] < shape[a]) break;
        coord[a] = 0;
      }
    }
    cur = next;
  }
  return cur;
}

interface Job {
  class: number | null;
  target: Int32Array;
  /** the predicted mask of the class at sweep position x */
  maskAt: (x: number) => Uint8Array;
}

/** Loss curves of a prepared pair (see the module comment). */
export async function computeCurves(pair: PreparedPair, options: CurveOptions = {}): Promise<LossCurves[]> {
  const wanted = [...new Set((options.losses ?? CURVE_LOSSES).map((id) => (id === 'cce' ? 'bce' : id)))] as LossId[];
  // Every point is a binary pair: per-class settings of a multi-class evaluation do not carry over.
  const given = options.evaluate ?? {};
  const params = resolveParams(
    {
      ...given,
      losses: wanted,
      includeBackground: false,
      classWeights: pair.binary ? given.classWeights : undefined,
      focalAlpha: pair.binary ? given.focalAlpha : undefined,
    },
    true,
    2,
  );
  const mode: LossCurves['mode'] = pair.pred.kind === 'labels' ? 'morphology' : 'threshold';
  const xs = mode === 'threshold' ? thresholds(options.steps ?? 21) : offsets(options.k ?? 5);
  const N = pair.size;
  const jobs: Job[] = [];

  const classes = pair.binary ? [1] : (options.classes ?? Array.from({ length: pair.classes - 1 }, (_, k) => k + 1));
  for (const c of classes) {
    if (!Number.isInteger(c) || c < 1 || c >= pair.classes) throw new Error(`curves: class ${c} is not a foreground class`);
    // One-vs-rest target: 1 where y = c, 0 elsewhere, -1 where ignored.
    const target = pair.binary ? pair.target : Int32Array.from(pair.target, (t) => (t < 0 ? -1 : t === c ? 1 : 0));
    const pred = pair.pred;
    let maskAt: Job['maskAt'];
    if (pred.kind === 'labels') {
      const base = Uint8Array.from(pred.labels, (l) => (l === c ? 1 : 0));
      maskAt = (x) => morph(base, pair.shape, x);
    } else {
      const prob = new Float64Array(N);
      const v = pred.values;
      if (pred.kind === 'binary') {
        for (let i = 0; i < N; i++) prob[i] = pred.logits ? sigmoid(v[i]) : v[i];
      } else if (pred.logits) {
        for (let i = 0; i < N; i++) {
          let m = -Infinity;
          for (let k = 0; k < pair.classes; k++) m = Math.max(m, v[k * N + i]);
          let s = 0;
          for (let k = 0; k < pair.classes; k++) s += Math.exp(v[k * N + i] - m);
          prob[i] = Math.exp(v[c * N + i] - m) / s;
        }
      } else {
        prob.set(v.subarray(c * N, (c + 1) * N));
      }
      maskAt = (t) => Uint8Array.from(prob, (p) => (p > t ? 1 : 0));
    }
    jobs.push({ class: pair.binary ? null : c, target, maskAt });
  }

  const total = jobs.length * xs.length;
  let done = 0;
  const out: LossCurves[] = [];
  for (const job of jobs) {
    const series = wanted.map((loss) => ({ loss, values: [] as number[] }));
    for (const x of xs) {
      if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
      const mask = job.maskAt(x);
      const labels = new Int32Array(N);
      for (let i = 0; i < N; i++) labels[i] = mask[i];
      const point: PreparedPair = {
        binary: true,
        classes: 2,
        shape: pair.shape,
        size: N,
        spacing: pair.spacing,
        pred: { kind: 'labels', labels },
        target: job.target,
        ignoreIndex: pair.ignoreIndex,
      };
      const r = await evaluatePrepared(point, params);
      for (const s of series) s.values.push(r.losses[s.loss] ?? NaN);
      done++;
      options.onProgress?.(done, total);
    }
    out.push({ mode, class: job.class, x: xs, series });
  }
  return out;
}
