/**
 * The fused per-pixel pass of the reference backend: the PixelSums (kernels/types.ts) of a binary
 * or a multi-class probability map in float64, computing only the sum groups the requested losses
 * read (kernels/registry.ts `sums`) beside the hard counts every evaluation takes. Tight
 * typed-array loops over blocks of pixels (kernels/blocks.ts), no per-pixel allocation, the logs
 * only where read.
 *
 * Every sum adds the same terms in the same pixel order as the float64 oracle
 * (kernels/reference/pixelSums.ts), so each field equals the oracle's to the bit
 * (test/unit/pixelPass.test.ts). A multi-class map streams one channel plane at a time (its
 * layout, [C, ...spatial]). Multi-class logits go to the oracle: their one-vs-rest log(1 − p_c) needs a
 * logsumexp over the other classes per pixel and class, which no plane-at-a-time pass saves.
 */
import type { SumGroup } from './registry.js';
import { clampProb, sigmoid, softplus } from './numerics.js';
import { computePixelSumsReference, emptyPixelSums, focalTerm } from './reference/pixelSums.js';
import { BLOCK } from './blocks.js';
import { hardCounts } from './gpu/hardCounts.js';
import type { PixelSums, PreparedPair } from './types.js';

export function computePixelSumsFused(pair: PreparedPair, focalGamma: number, groups: ReadonlySet<SumGroup>): PixelSums {
  const { pred } = pair;
  if (pred.kind === 'binary') return binarySums(pair, pred.values, pred.logits, focalGamma, groups);
  if (pred.kind === 'channels' && !pred.logits) return channelSums(pair, pred.values, focalGamma, groups);
  return computePixelSumsReference(pair, focalGamma);
}

/**
 * A binary pair in two passes of small loops, each specialised to what it sums (one large loop
 * with every case in it runs several times slower: V8 spills its registers). y and the hard
 * prediction h are 0 or 1, so the per-class sums add y·term and (1 − y)·term: an exact zero leaves
 * a sum as it is, and the loops have no data-dependent branch.
 */
function binarySums(pair: PreparedPair, values: Float32Array | Float64Array, logits: boolean, gamma: number, groups: ReadonlySet<SumGroup>): PixelSums {
  const { target, size: N } = pair;
  // acc: n, count1, hard1 (predicted 1), both1 (1 in both), Σp0, Σp1, tp0, tp1 | ce0, ce1, focal0, focal1
  const acc = new Float64Array(12);
  const overlap = groups.has('overlap');
  for (let from = 0; from < N; from += BLOCK) {
    const to = Math.min(N, from + BLOCK);
    if (!overlap) binaryCountsBlock(target, values, logits ? 0 : 0.5, from, to, acc);
    else if (logits) binaryOverlapLogitsBlock(target, values, from, to, acc);
    else binaryOverlapBlock(target, values, from, to, acc);
  }
  if (groups.has('logs') || groups.has('focal')) {
    const focal = groups.has('focal');
    for (let from = 0; from < N; from += BLOCK) {
      const to = Math.min(N, from + BLOCK);
      if (logits) binaryLogsLogitsBlock(target, values, gamma, focal, from, to, acc);
      else if (focal) binaryFocalBlock(target, values, gamma, from, to, acc);
      else binaryLogsBlock(target, values, from, to, acc);
    }
  }
  const [n, count1, hard1, both1, sumP0, sumP1, tp0, tp1, ce0, ce1, focal0, focal1] = acc;
  const hardFp1 = hard1 - both1; // predicted 1 on a 0
  const hardFp0 = count1 - both1; // predicted 0 on a 1
  const sums = emptyPixelSums(2);
  sums.n = n;
  sums.count.set([n - count1, count1]);
  sums.sumP.set([sumP0, sumP1]);
  sums.tp.set([tp0, tp1]);
  sums.ce.set([ce0, ce1]);
  sums.bce.set(sums.ce);
  sums.focal.set([focal0, focal1]);
  sums.hardTp.set([n - count1 - hardFp1, both1]);
  sums.hardFp.set([hardFp0, hardFp1]);
  sums.hardFn.set([hardFp1, hardFp0]);
  sums.correct = n - hardFp0 - hardFp1;
  return sums;
}

function binaryCountsBlock(target: Int32Array, values: Float32Array | Float64Array, threshold: number, from: number, to: number, acc: Float64Array): void {
  let n = 0, count1 = 0, hard1 = 0, both1 = 0;
  for (let i = from; i < to; i++) {
    const y = target[i];
    if (y < 0) continue;
    const h = +(values[i] > threshold);
    n++;
    count1 += y;
    hard1 += h;
    both1 += y & h;
  }
  acc[0] += n;
  acc[1] += count1;
  acc[2] += hard1;
  acc[3] += both1;
}

function binaryOverlapBlock(target: Int32Array, values: Float32Array | Float64Array, from: number, to: number, acc: Float64Array): void {
  let n = 0, count1 = 0, hard1 = 0, both1 = 0;
  let sumP0 = acc[4], sumP1 = acc[5], tp0 = acc[6], tp1 = acc[7];
  for (let i = from; i < to; i++) {
    const y = target[i];
    if (y < 0) continue;
    const v = values[i];
    const h = +(v > 0.5);
    n++;
    count1 += y;
    hard1 += h;
    both1 += y & h;
    const p0 = 1 - v;
    sumP0 += p0;
    sumP1 += v;
    tp1 += y * v;
    tp0 += (1 - y) * p0;
  }
  acc[0] += n;
  acc[1] += count1;
  acc[2] += hard1;
  acc[3] += both1;
  acc[4] = sumP0;
  acc[5] = sumP1;
  acc[6] = tp0;
  acc[7] = tp1;
}

// binaryOverlapBlock's twin for logits: one block function with a `logits` flag ran the
// probability case 1.6× slower (18.3 against 11.5 ms on 2048², best of 5), so each stays specialised
function binaryOverlapLogitsBlock(target: Int32Array, values: Float32Array | Float64Array, from: number, to: number, acc: Float64Array): void {
  let n = 0, count1 = 0, hard1 = 0, both1 = 0;
  let sumP0 = acc[4], sumP1 = acc[5], tp0 = acc[6], tp1 = acc[7];
  for (let i = from; i < to; i++) {
    const y = target[i];
    if (y < 0) continue;
    const v = values[i];
    const h = +(v > 0);
    n++;
    count1 += y;
    hard1 += h;
    both1 += y & h;
    // p1 exactly as the oracle forms it
    const p1 = sigmoid(v);
    const p0 = 1 - p1;
    sumP0 += p0;
    sumP1 += p1;
    tp1 += y * p1;
    tp0 += (1 - y) * p0;
  }
  acc[0] += n;
  acc[1] += count1;
  acc[2] += hard1;
  acc[3] += both1;
  acc[4] = sumP0;
  acc[5] = sumP1;
  acc[6] = tp0;
  acc[7] = tp1;
}

/** −log p_y per class, with the oracle's clamp. */
function binaryLogsBlock(target: Int32Array, values: Float32Array | Float64Array, from: number, to: number, acc: Float64Array): void {
  let ce0 = acc[8], ce1 = acc[9];
  for (let i = from; i < to; i++) {
    const y = target[i];
    if (y < 0) continue;
    const v = values[i];
    const logPy = Math.log(clampProb(y === 1 ? v : 1 - v));
    ce1 -= y * logPy;
    ce0 -= (1 - y) * logPy;
  }
  acc[8] = ce0;
  acc[9] = ce1;
}

/** The same with the focal sums. */
function binaryFocalBlock(target: Int32Array, values: Float32Array | Float64Array, gamma: number, from: number, to: number, acc: Float64Array): void {
  let ce0 = acc[8], ce1 = acc[9], focal0 = acc[10], focal1 = acc[11];
  for (let i = from; i < to; i++) {
    const y = target[i];
    if (y < 0) continue;
    const v = values[i];
    const py = y === 1 ? v : 1 - v;
    const logPy = Math.log(clampProb(py));
    const term = focalTerm(py, logPy, gamma);
    ce1 -= y * logPy;
    ce0 -= (1 - y) * logPy;
    focal1 -= y * term;
    focal0 -= (1 - y) * term;
  }
  acc[8] = ce0;
  acc[9] = ce1;
  acc[10] = focal0;
  acc[11] = focal1;
}

/** From logits: log p_y = −softplus(∓z), p_y from the sigmoid as the oracle forms it. */
function binaryLogsLogitsBlock(target: Int32Array, values: Float32Array | Float64Array, gamma: number, focal: boolean, from: number, to: number, acc: Float64Array): void {
  let ce0 = acc[8], ce1 = acc[9], focal0 = acc[10], focal1 = acc[11];
  for (let i = from; i < to; i++) {
    const y = target[i];
    if (y < 0) continue;
    const v = values[i];
    const logPy = y === 1 ? -softplus(-v) : -softplus(v);
    ce1 -= y * logPy;
    ce0 -= (1 - y) * logPy;
    if (focal) {
      const p1 = sigmoid(v);
      const term = focalTerm(y === 1 ? p1 : 1 - p1, logPy, gamma);
      focal1 -= y * term;
      focal0 -= (1 - y) * term;
    }
  }
  acc[8] = ce0;
  acc[9] = ce1;
  acc[10] = focal0;
  acc[11] = focal1;
}

/**
 * A multi-class probability map, [C, ...spatial] planes: the hard counts by hardCounts' blocked
 * branch-free argmax, Σp and Σp·t plane by plane, log p_y pixel by pixel (one log per pixel for
 * the cross entropies and focal), and the one-vs-rest log(1 − p_c) of every plane only for BCE.
 * acc holds a class's running sums between blocks.
 */
function channelSums(pair: PreparedPair, values: Float32Array | Float64Array, gamma: number, groups: ReadonlySet<SumGroup>): PixelSums {
  const { target, size: N, classes: C } = pair;
  const sums = hardCounts(pair);
  const acc = new Float64Array(2);
  if (groups.has('overlap')) {
    for (let c = 0; c < C; c++) {
      acc.fill(0);
      for (let from = 0; from < N; from += BLOCK) planeOverlapBlock(target, values, c, N, from, Math.min(N, from + BLOCK), acc);
      sums.sumP[c] = acc[0];
      sums.tp[c] = acc[1];
    }
  }
  if (groups.has('logs') || groups.has('focal')) {
    const focal = groups.has('focal');
    for (let from = 0; from < N; from += BLOCK) targetClassLogsBlock(target, values, N, gamma, focal, from, Math.min(N, from + BLOCK), sums);
  }
  if (groups.has('oneVsRest')) {
    for (let c = 0; c < C; c++) {
      acc.fill(0);
      for (let from = 0; from < N; from += BLOCK) planeOneVsRestBlock(target, values, c, N, from, Math.min(N, from + BLOCK), acc);
      sums.bce[c] = acc[0];
    }
  }
  return sums;
}

function planeOverlapBlock(target: Int32Array, values: Float32Array | Float64Array, c: number, N: number, from: number, to: number, acc: Float64Array): void {
  const plane = c * N;
  let sumP = acc[0], tp = acc[1];
  for (let i = from; i < to; i++) {
    const y = target[i];
    if (y < 0) continue;
    const v = values[plane + i];
    sumP += v;
    tp += y === c ? v : 0;
  }
  acc[0] = sumP;
  acc[1] = tp;
}

function targetClassLogsBlock(target: Int32Array, values: Float32Array | Float64Array, N: number, gamma: number, focal: boolean, from: number, to: number, sums: PixelSums): void {
  const { ce, focal: focalSums } = sums;
  for (let i = from; i < to; i++) {
    const y = target[i];
    if (y < 0) continue;
    const py = values[y * N + i];
    const logPy = Math.log(clampProb(py));
    ce[y] -= logPy;
    if (focal) focalSums[y] -= focalTerm(py, logPy, gamma);
  }
}

function planeOneVsRestBlock(target: Int32Array, values: Float32Array | Float64Array, c: number, N: number, from: number, to: number, acc: Float64Array): void {
  const plane = c * N;
  let bce = acc[0];
  for (let i = from; i < to; i++) {
    const y = target[i];
    if (y < 0) continue;
    const v = values[plane + i];
    bce -= Math.log(clampProb(y === c ? v : 1 - v));
  }
  acc[0] = bce;
}
