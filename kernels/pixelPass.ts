/**
 * The fused per-pixel pass of the reference backend: the PixelSums (kernels/types.ts) of a binary
 * or a multi-class probability map in float64, computing only the sum groups the requested losses
 * read (kernels/registry.ts `sums`) beside the hard counts every evaluation takes. Tight
 * typed-array loops over blocks of pixels (kernels/blocks.ts), no per-pixel allocation, the logs
 * only where read.
 *
 * An array of PART_MIN pixels or more is summed in two parts, each from zero, the first half of
 * the blocks and the rest, and a field is part 1 + part 2. The parts are what the two threads
 * take (kernels/helperThread.ts), and they are the same whether one thread or two run them, so a
 * result never depends on the cores at hand. Within a part every sum adds the same terms in the
 * same pixel order as the float64 oracle (kernels/reference/pixelSums.ts): each field equals the
 * oracle's over that part to the bit, and the whole the sum of the oracle's parts
 * (test/unit/pixelPass.test.ts). A multi-class map streams one channel plane at a time (its
 * layout, [C, ...spatial]). Multi-class logits go to the oracle: their one-vs-rest log(1 − p_c) needs a
 * logsumexp over the other classes per pixel and class, which no plane-at-a-time pass saves.
 */
import { sumGroupsOf, type LossId, type SumGroup } from './registry.js';
import { clampProb, sigmoid, softplus } from './numerics.js';
import { computePixelSumsReference, emptyPixelSums, focalTerm } from './reference/pixelSums.js';
import { BLOCK } from './blocks.js';
import { hardCounts } from './gpu/hardCounts.js';
import { helperTask, runSplit, sharedCopy, startHelper, useHelperFor, type HelperTask } from './helperThread.js';
import type { PixelSums, PreparedPair } from './types.js';

/** From this many pixels (4 blocks) a pass is summed in two parts. */
export const PART_MIN = 4 * BLOCK;

/** The parts' pixel bounds: [0, N], or [0, mid, N] with mid at a block boundary. */
export function partBounds(N: number): number[] {
  if (N < PART_MIN) return [0, N];
  return [0, Math.ceil(N / BLOCK / 2) * BLOCK, N];
}

/**
 * Runs `run` over parts [0, parts): the first half on the helper thread where that pays, which is
 * for the passes with logs. A pass of sums and counts alone runs at memory speed, and the copy of
 * its inputs into shared memory ate what the second thread saved (W1: 13 ms on one thread, 12.6
 * on two, warm; the second core of this machine adds only about 1.3× either way: two processes
 * running the log pass at once each took 1.55× as long).
 */
function runParts<A extends PartArgs>(task: HelperTask<A>, args: A, run: (args: A, from: number, to: number) => void): void {
  if (args.threaded) runSplit(task, args, args.parts, (from, to) => run(args, from, to));
  else run(args, 0, args.parts);
}

/** Boots the helper thread with the pass's tasks while a pair of `size` pixels goes through the input rules, when its losses need a log pass. */
export function startPixelPassHelper(size: number, losses: readonly LossId[]): void {
  if (hasLogPass(sumGroupsOf(losses)) && size >= PART_MIN && useHelperFor(size)) startHelper([BINARY_TASK, CHANNEL_TASK]);
}

/** Whether a pass with these sum groups takes logs, the passes that go to two threads (runParts). */
function hasLogPass(groups: ReadonlySet<SumGroup>): boolean {
  return groups.has('logs') || groups.has('focal') || groups.has('oneVsRest');
}

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
  const args: BinaryArgs = { ...partArgs(pair, values, gamma, groups, BINARY_FIELDS), logits };
  const { parts } = args;
  runParts(BINARY_TASK, args, binaryParts);
  const acc = args.out.slice(0, BINARY_FIELDS);
  for (let k = 1; k < parts; k++) for (let f = 0; f < BINARY_FIELDS; f++) acc[f] += args.out[k * BINARY_FIELDS + f];
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

/** What a part function reads: the pair's arrays (shared when threaded), which sums, where the parts are. */
interface PartArgs {
  target: Int32Array;
  values: Float32Array | Float64Array;
  gamma: number;
  overlap: boolean;
  /** log p_y: the cross entropies, and focal's */
  logs: boolean;
  focal: boolean;
  oneVsRest: boolean;
  bounds: number[];
  parts: number;
  threaded: boolean;
  block: number;
  /** the parts' sums, one after the other */
  out: Float64Array;
}

/**
 * The arguments every part function takes, for `fields` sums per part: the pass goes to two
 * threads when it has two parts and logs (runParts), and its inputs then to shared memory.
 */
function partArgs(pair: PreparedPair, values: Float32Array | Float64Array, gamma: number, groups: ReadonlySet<SumGroup>, fields: number): PartArgs {
  const bounds = partBounds(pair.size);
  const parts = bounds.length - 1;
  const threaded = parts > 1 && hasLogPass(groups) && useHelperFor(pair.size);
  return {
    target: threaded ? sharedCopy('pixelPass.target', pair.target) : pair.target,
    values: threaded ? sharedCopy('pixelPass.values', values) : values,
    gamma,
    overlap: groups.has('overlap'),
    logs: groups.has('logs') || groups.has('focal'),
    focal: groups.has('focal'),
    oneVsRest: groups.has('oneVsRest'),
    bounds,
    parts,
    threaded,
    block: BLOCK,
    out: threaded ? new Float64Array(new SharedArrayBuffer(parts * fields * 8)) : new Float64Array(parts * fields),
  };
}

interface BinaryArgs extends PartArgs {
  logits: boolean;
}

// a part's sums: n, count1, hard1 (predicted 1), both1 (1 in both), Σp0, Σp1, tp0, tp1 | ce0, ce1,
// focal0, focal1 | the same four counts again from the log pass, which takes them at almost no
// cost: a pass of counts alone is then left out when no overlap sum is asked for
const BINARY_FIELDS = 16;

/**
 * Parts [from, to) of a binary pair, each in up to two passes of the block functions below. (Sizes
 * are written out: the helper thread's copy sees no module constants.)
 */
function binaryParts(a: BinaryArgs, from: number, to: number): void {
  const { target, values, logits, gamma, block } = a;
  for (let k = from; k < to; k++) {
    const acc = a.out.subarray(k * 16, k * 16 + 16);
    acc.fill(0);
    const start = a.bounds[k];
    const end = a.bounds[k + 1];
    if (a.overlap || !a.logs) {
      for (let f = start; f < end; f += block) {
        const t = Math.min(end, f + block);
        if (!a.overlap) binaryCountsBlock(target, values, logits ? 0 : 0.5, f, t, acc);
        else if (logits) binaryOverlapLogitsBlock(target, values, f, t, acc);
        else binaryOverlapBlock(target, values, f, t, acc);
      }
    }
    if (a.logs) {
      for (let f = start; f < end; f += block) {
        const t = Math.min(end, f + block);
        if (logits) binaryLogsLogitsBlock(target, values, gamma, a.focal, f, t, acc);
        else if (a.focal) binaryFocalBlock(target, values, gamma, f, t, acc);
        else binaryLogsBlock(target, values, f, t, acc);
      }
      if (!a.overlap) acc.copyWithin(0, 12, 16);
    }
  }
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

/**
 * p for y = 1, 1 − p for y = 0, without a branch: both products are exact (one is p or 1 − p, the
 * other 0), so this is the same number. The branch mispredicts on every other pixel of a mixed
 * mask; the log passes ran about 1.15× slower with it.
 */
function pickY(y: number, v: number): number {
  return y * v + (1 - y) * (1 - v);
}

/** −log p_y per class, with the oracle's clamp. */
function binaryLogsBlock(target: Int32Array, values: Float32Array | Float64Array, from: number, to: number, acc: Float64Array): void {
  let ce0 = acc[8], ce1 = acc[9];
  let n = 0, count1 = 0, hard1 = 0, both1 = 0;
  for (let i = from; i < to; i++) {
    const y = target[i];
    if (y < 0) continue;
    const v = values[i];
    const h = +(v > 0.5);
    n++;
    count1 += y;
    hard1 += h;
    both1 += y & h;
    const logPy = Math.log(clampProb(pickY(y, v)));
    ce1 -= y * logPy;
    ce0 -= (1 - y) * logPy;
  }
  acc[8] = ce0;
  acc[9] = ce1;
  acc[12] += n;
  acc[13] += count1;
  acc[14] += hard1;
  acc[15] += both1;
}

/** The same with the focal sums. */
function binaryFocalBlock(target: Int32Array, values: Float32Array | Float64Array, gamma: number, from: number, to: number, acc: Float64Array): void {
  let ce0 = acc[8], ce1 = acc[9], focal0 = acc[10], focal1 = acc[11];
  let n = 0, count1 = 0, hard1 = 0, both1 = 0;
  for (let i = from; i < to; i++) {
    const y = target[i];
    if (y < 0) continue;
    const v = values[i];
    const h = +(v > 0.5);
    n++;
    count1 += y;
    hard1 += h;
    both1 += y & h;
    const py = pickY(y, v);
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
  acc[12] += n;
  acc[13] += count1;
  acc[14] += hard1;
  acc[15] += both1;
}

/** From logits: log p_y = −softplus(∓z), p_y from the sigmoid as the oracle forms it. */
function binaryLogsLogitsBlock(target: Int32Array, values: Float32Array | Float64Array, gamma: number, focal: boolean, from: number, to: number, acc: Float64Array): void {
  let ce0 = acc[8], ce1 = acc[9], focal0 = acc[10], focal1 = acc[11];
  let n = 0, count1 = 0, hard1 = 0, both1 = 0;
  for (let i = from; i < to; i++) {
    const y = target[i];
    if (y < 0) continue;
    const v = values[i];
    const h = +(v > 0);
    n++;
    count1 += y;
    hard1 += h;
    both1 += y & h;
    const logPy = -softplus((1 - 2 * y) * v); // −softplus(−z) for y = 1, −softplus(z) for y = 0 (×±1 is exact)
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
  acc[12] += n;
  acc[13] += count1;
  acc[14] += hard1;
  acc[15] += both1;
}

/** A multi-class probability map: the hard counts by hardCounts' blocked branch-free argmax, the float sums in parts. */
function channelSums(pair: PreparedPair, values: Float32Array | Float64Array, gamma: number, groups: ReadonlySet<SumGroup>): PixelSums {
  const { size: N, classes: C } = pair;
  const sums = hardCounts(pair);
  const args: ChannelArgs = { ...partArgs(pair, values, gamma, groups, CHANNEL_FIELDS * C), classes: C, size: N };
  if (!args.overlap && !args.logs && !args.oneVsRest) return sums;
  const { parts } = args;
  const width = CHANNEL_FIELDS * C;
  runParts(CHANNEL_TASK, args, channelParts);
  const { out } = args;
  const field = (index: number, c: number) => {
    let v = out[index * C + c];
    for (let k = 1; k < parts; k++) v += out[k * width + index * C + c];
    return v;
  };
  for (let c = 0; c < C; c++) {
    sums.sumP[c] = field(0, c);
    sums.tp[c] = field(1, c);
    sums.ce[c] = field(2, c);
    sums.focal[c] = field(3, c);
    sums.bce[c] = field(4, c);
  }
  return sums;
}

interface ChannelArgs extends PartArgs {
  classes: number;
  size: number;
}

/** per part, CHANNEL_FIELDS fields of `classes` sums each: Σp, Σp·t, ce, focal, bce */
const CHANNEL_FIELDS = 5;

/**
 * Parts [from, to) of a multi-class probability map: Σp and Σp·t plane by plane, log p_y pixel by
 * pixel (one log per pixel for the cross entropies and focal), and the one-vs-rest log(1 − p_c)
 * of every plane only for BCE. acc holds a class's running sums between blocks; 5 is
 * CHANNEL_FIELDS (the helper thread's copy sees no module constants).
 */
function channelParts(a: ChannelArgs, from: number, to: number): void {
  const { target, values, classes: C, size: N, block } = a;
  const acc = new Float64Array(2);
  for (let k = from; k < to; k++) {
    const base = k * 5 * C;
    const part = a.out.subarray(base, base + 5 * C);
    part.fill(0);
    const start = a.bounds[k];
    const end = a.bounds[k + 1];
    if (a.overlap) {
      for (let c = 0; c < C; c++) {
        acc.fill(0);
        for (let f = start; f < end; f += block) planeOverlapBlock(target, values, c, N, f, Math.min(end, f + block), acc);
        part[c] = acc[0];
        part[C + c] = acc[1];
      }
    }
    if (a.logs) {
      const ce = part.subarray(2 * C, 3 * C);
      const focal = part.subarray(3 * C, 4 * C);
      for (let f = start; f < end; f += block) targetClassLogsBlock(target, values, N, a.gamma, a.focal, f, Math.min(end, f + block), ce, focal);
    }
    if (a.oneVsRest) {
      for (let c = 0; c < C; c++) {
        acc.fill(0);
        for (let f = start; f < end; f += block) planeOneVsRestBlock(target, values, c, N, f, Math.min(end, f + block), acc);
        part[4 * C + c] = acc[0];
      }
    }
  }
}


function planeOverlapBlock(target: Int32Array, values: Float32Array | Float64Array, c: number, N: number, from: number, to: number, acc: Float64Array): void {
  const plane = c * N;
  let sumP = acc[0], tp = acc[1];
  for (let i = from; i < to; i++) {
    const y = target[i];
    if (y < 0) continue;
    const v = values[plane + i];
    sumP += v;
    tp += +(y === c) * v; // + 0 elsewhere: exact, and no branch
  }
  acc[0] = sumP;
  acc[1] = tp;
}

function targetClassLogsBlock(target: Int32Array, values: Float32Array | Float64Array, N: number, gamma: number, focal: boolean, from: number, to: number, ce: Float64Array, focalSums: Float64Array): void {
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
    bce -= Math.log(clampProb(pickY(+(y === c), v)));
  }
  acc[0] = bce;
}

// the helper thread's copies of the part functions (kernels/helperThread.ts): each with every function it calls
const BINARY_TASK = helperTask<BinaryArgs>('pixelPass.binary', binaryParts, [
  binaryCountsBlock, binaryOverlapBlock, binaryOverlapLogitsBlock, binaryLogsBlock, binaryFocalBlock, binaryLogsLogitsBlock,
  pickY, clampProb, sigmoid, softplus, focalTerm,
]);
const CHANNEL_TASK = helperTask<ChannelArgs>('pixelPass.channels', channelParts, [planeOverlapBlock, targetClassLogsBlock, planeOneVsRestBlock, pickY, clampProb, focalTerm]);
