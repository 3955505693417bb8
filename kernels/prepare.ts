import {
  checkMaxClasses,
  classLimitProblem,
  DEFAULT_MAX_CLASSES,
  inputBoundaryError,
  MaskInputError,
  quotePath,
  RAISE_CLASS_LIMIT,
  type NdArray,
  type TypedArray,
} from '../formats/types.js';
import { startPixelPassHelper } from './pixelPass.js';
import { LOSS_IDS } from './registry.js';
import type { EvaluateOptions, PreparedPair, PreparedPrediction } from './types.js';

export interface PairContext {
  predPath?: string;
  targetPath?: string;
  /** spacing from the prediction's / target's header (NIfTI), spatial axes in array order */
  predSpacing?: number[];
  targetSpacing?: number[];
  /**
   * Largest class count the pair may need (the largest label + 1, the channel count, --classes),
   * checked before anything is sized by it (default DEFAULT_MAX_CLASSES, 1024; formats/limits.ts).
   */
  maxClasses?: number;
}

export interface Prepared {
  pair: PreparedPair;
  predKind: 'probabilities' | 'logits' | 'labels';
  predShape: number[];
  targetShape: number[];
  warnings: string[];
}

const BINARY_CODES = new Set([1, 255, 65535]);
const VOID_LABEL = 255;

/**
 * Applies the spec's input rules (docs/spec/losses.md §1): prediction kind, binary or multi-class,
 * number of classes, ignore index, spacing. Every problem is a MaskInputError naming the file.
 */
export function preparePair(predIn: NdArray, target: NdArray, options: EvaluateOptions, ctx: PairContext = {}): Prepared {
  // a pair this large is summed on two threads: the helper boots while the input rules run
  startPixelPassHelper(target.data.length, options.losses ?? LOSS_IDS);
  try {
    return prepareChecked(predIn, target, options, ctx);
  } catch (e) {
    // the prepare boundary: an allocation failure is an input error naming the pair, anything else a named internal error
    if (e instanceof RangeError) {
      const predPath = ctx.predPath ?? 'prediction';
      throw new MaskInputError(
        predPath,
        `preparing it against ${quotePath(ctx.targetPath ?? 'the ground truth')} needs more memory than can be allocated (${e.message}); the masks are too large`,
      );
    }
    throw inputBoundaryError(ctx.predPath ?? 'prediction', e, 'prepare');
  }
}

function prepareChecked(predIn: NdArray, target: NdArray, options: EvaluateOptions, ctx: PairContext): Prepared {
  const predPath = ctx.predPath ?? 'prediction';
  const targetPath = ctx.targetPath ?? 'ground truth';
  const maxClasses = ctx.maxClasses ?? DEFAULT_MAX_CLASSES;
  const limitProblem = checkMaxClasses(maxClasses);
  if (limitProblem) throw new MaskInputError('', limitProblem);
  if (options.classes !== undefined && options.classes > maxClasses) {
    throw new MaskInputError('', `--classes ${options.classes} is over the class limit of ${maxClasses}; ${RAISE_CLASS_LIMIT}`);
  }
  const warnings: string[] = [];

  let pred = options.channelsLast ? moveLastAxisFirst(predIn) : predIn;
  const scaled = options.predScale !== undefined && pred.integer;
  if (options.predScale !== undefined && !(options.predScale > 0)) {
    throw new MaskInputError('', `--pred-scale must be a positive number, got ${options.predScale}`);
  }
  const predIsLabels = pred.integer && !scaled;

  checkLabelMap(target, targetPath);
  const spatial = target.shape;
  if (spatial.length < 2 || spatial.length > 3) {
    throw new MaskInputError(targetPath, `expected a 2D or 3D label map, got shape [${spatial.join(', ')}]`);
  }

  let channels = 0;
  if (pred.shape.length === spatial.length + 1 && sameShape(pred.shape.slice(1), spatial)) {
    if (predIsLabels) throw new MaskInputError(predPath, `an integer prediction with a channel axis (shape [${pred.shape.join(', ')}]) must be probabilities: give --pred-scale`);
    channels = pred.shape[0];
    if (channels > maxClasses) throw new MaskInputError(predPath, classLimitProblem(`a probability map of ${channels} channels (shape [${pred.shape.join(', ')}])`, channels, maxClasses));
    if (channels === 1) pred = { ...pred, shape: pred.shape.slice(1) };
  } else if (!sameShape(pred.shape, spatial)) {
    throw new MaskInputError(
      predPath,
      `shape mismatch: prediction [${pred.shape.join(', ')}] vs ground truth ${quotePath(targetPath)} [${spatial.join(', ')}]` +
        (options.channelsLast ? ' (after moving the channel axis first)' : ''),
    );
  }
  // one pass settles the common case, a float probability map inside [0, 1] (finite, in range)
  const probabilitiesInRange = !predIsLabels && !options.fromLogits && !scaled && allInUnitInterval(pred.data);
  if (!predIsLabels && !probabilitiesInRange) checkFinite(pred.data, predPath);

  const size = spatial.reduce((a, b) => a * b, 1);
  const spacing = resolveSpacing(options, ctx, spatial.length, warnings);
  const fromLogits = Boolean(options.fromLogits) && !predIsLabels;
  const predKind: Prepared['predKind'] = predIsLabels ? 'labels' : fromLogits ? 'logits' : 'probabilities';

  const explicitIgnore = options.ignoreIndex;
  let binary: boolean;
  let classes: number;
  let ignoreIndex: number | null;
  let targetLabels: Int32Array;
  let prediction: PreparedPrediction;

  const multiRequested = options.classes !== undefined || channels >= 2;
  const labelCodes = !multiRequested && predIsLabels ? { pred: binaryCode(pred.data, explicitIgnore), target: binaryCode(target.data, explicitIgnore) } : null;
  if (!multiRequested && !predIsLabels) {
    // Rule 2: a one-channel probability/logit map is binary.
    binary = true;
    classes = 2;
    const mapped = binaryTarget(target.data, targetPath, explicitIgnore);
    targetLabels = mapped.labels;
    ignoreIndex = mapped.ignore;
    prediction = { kind: 'binary', values: toFloat(pred.data, scaled ? options.predScale! : 1), logits: fromLogits };
  } else if (labelCodes && labelCodes.pred !== undefined && labelCodes.target !== undefined) {
    // Rule 3: two label maps that are each 0 and one binary code.
    binary = true;
    classes = 2;
    const predCode = labelCodes.pred;
    const targetCode = labelCodes.target;
    if (predCode !== targetCode && predCode !== 0 && targetCode !== 0) {
      warnings.push(`the prediction codes foreground as ${predCode} and the ground truth as ${targetCode} (a 0/${Math.max(predCode, targetCode)} map beside a 0/${Math.min(predCode, targetCode)} map)`);
    }
    ignoreIndex = explicitIgnore ?? null;
    targetLabels = mapBinaryLabels(target.data, targetCode, ignoreIndex);
    prediction = { kind: 'labels', labels: mapBinaryLabels(pred.data, predCode, ignoreIndex) };
  } else {
    binary = false;
    ignoreIndex = explicitIgnore === undefined ? VOID_LABEL : explicitIgnore;
    const targetMax = maxLabelOf(target.data, ignoreIndex);
    const predMax = predIsLabels ? maxLabelOf(pred.data, ignoreIndex) : -1;
    if (options.classes === undefined && channels < 2) {
      // the class count is inferred from the labels: check it before anything is sized by it
      for (const [max, data, path, what] of [[targetMax, target.data, targetPath, 'ground truth'], [predMax, pred.data, predPath, 'prediction']] as const) {
        if (max + 1 > maxClasses) {
          throw new MaskInputError(path, `${what} label ${max} at flat index ${data.indexOf(max)} ${classLimitProblem('', max + 1, maxClasses).trimStart()}`);
        }
      }
    }
    const maxLabel = Math.max(targetMax, predMax);
    classes = options.classes ?? (channels >= 2 ? channels : maxLabel + 1);
    if (!Number.isInteger(classes) || classes < 2) {
      throw new MaskInputError(targetPath, `found ${classes} class${classes === 1 ? '' : 'es'}; give --classes N (N >= 2) or a binary pair`);
    }
    if (channels >= 2 && channels !== classes) {
      throw new MaskInputError(predPath, `prediction has ${channels} channels but --classes is ${classes}`);
    }
    targetLabels = toLabels(target.data, classes, ignoreIndex, targetPath, 'ground truth');
    if (predIsLabels) {
      prediction = { kind: 'labels', labels: toLabels(pred.data, classes, ignoreIndex, predPath, 'prediction') };
    } else if (channels >= 2) {
      prediction = { kind: 'channels', values: toFloat(pred.data, scaled ? options.predScale! : 1), logits: fromLogits };
    } else {
      throw new MaskInputError(predPath, `a one-channel prediction with --classes ${classes}: give a [C, ...] probability map or a label map`);
    }
  }

  if (prediction.kind !== 'labels' && !prediction.logits && !probabilitiesInRange) checkProbabilityRange(prediction.values, predPath);

  return {
    pair: { binary, classes, shape: spatial.slice(), size, spacing, pred: prediction, target: targetLabels, ignoreIndex },
    predKind,
    predShape: predIn.shape.slice(),
    targetShape: target.shape.slice(),
    warnings,
  };
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function moveLastAxisFirst(a: NdArray): NdArray {
  const shape = a.shape;
  const c = shape[shape.length - 1];
  const rest = a.data.length / c;
  const out = new (a.data.constructor as { new (n: number): TypedArray })(a.data.length);
  for (let i = 0; i < rest; i++) for (let k = 0; k < c; k++) out[k * rest + i] = a.data[i * c + k];
  return { ...a, data: out, shape: [c, ...shape.slice(0, -1)] };
}

function checkFinite(data: TypedArray, path: string): void {
  if (!(data instanceof Float32Array || data instanceof Float64Array)) return;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v !== 0) {
      throw new MaskInputError(path, `prediction holds ${Number.isNaN(v) ? 'NaN' : String(v)} at flat index ${i}`);
    }
  }
}

function allInUnitInterval(data: TypedArray): boolean {
  if (!(data instanceof Float32Array || data instanceof Float64Array)) return false;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!(v >= 0 && v <= 1)) return false;
  }
  return true;
}

function checkProbabilityRange(values: Float32Array | Float64Array, path: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < 0 || v > 1) {
      throw new MaskInputError(path, `probability ${v} outside [0, 1] at flat index ${i} (logits? pass --from-logits; an integer probability map? pass --pred-scale)`);
    }
  }
}

function checkLabelMap(target: NdArray, path: string): void {
  if (target.integer) return;
  const d = target.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isInteger(d[i])) {
      throw new MaskInputError(path, `ground truth must be a label map of integers, found ${d[i]} at flat index ${i}`);
    }
  }
}

function toFloat(data: TypedArray, scale: number): Float32Array | Float64Array {
  if (scale === 1 && (data instanceof Float32Array || data instanceof Float64Array)) return data;
  const out = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] / scale;
  return out;
}

function distinctValues(data: TypedArray, limit: number): number[] | null {
  if (data instanceof Uint8Array || data instanceof Uint16Array) {
    const seenSmall = new Uint8Array(data instanceof Uint8Array ? 256 : 65536);
    const found: number[] = [];
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (seenSmall[v] === 0) {
        seenSmall[v] = 1;
        found.push(v);
        if (found.length > limit) return null;
      }
    }
    return found.sort((a, b) => a - b);
  }
  const seen = new Set<number>();
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!seen.has(v)) {
      seen.add(v);
      if (seen.size > limit) return null;
    }
  }
  return [...seen].sort((a, b) => a - b);
}

/** Rule 2's target: 0 and one value m (→ 1); 255 beside another value is a void band. */
function binaryTarget(data: TypedArray, path: string, explicitIgnore: number | null | undefined): { labels: Int32Array; ignore: number | null } {
  let values = distinctValues(data, 4) ?? [];
  let ignore: number | null = explicitIgnore ?? null;
  if (ignore !== null) values = values.filter((v) => v !== ignore);
  const nonZero = values.filter((v) => v !== 0);
  if (explicitIgnore === undefined && nonZero.length === 2 && nonZero.includes(VOID_LABEL)) {
    ignore = VOID_LABEL;
    nonZero.splice(nonZero.indexOf(VOID_LABEL), 1);
  }
  if (nonZero.length > 1 || values.some((v) => v < 0)) {
    const all = distinctValues(data, 8);
    throw new MaskInputError(
      path,
      `a one-channel prediction needs a binary ground truth (0 and one other value), found values ${all ? all.join(', ') : 'more than 8 distinct values'}; for multi-class give --classes N and a [C, ...] prediction`,
    );
  }
  return { labels: mapBinaryLabels(data, nonZero[0] ?? 1, ignore), ignore };
}

/** The non-zero code of a label map that is 0 and at most one of 1/255/65535 (0 when all zero); undefined otherwise. */
function binaryCode(data: TypedArray, explicitIgnore: number | null | undefined): number | undefined {
  const values = (distinctValues(data, 3) ?? [-1, -1, -1, -1]).filter((v) => v !== explicitIgnore);
  const nonZero = values.filter((v) => v !== 0);
  if (values.length > 2 || nonZero.length > 1) return undefined;
  if (nonZero.length === 0) return 0;
  return BINARY_CODES.has(nonZero[0]) ? nonZero[0] : undefined;
}

function mapBinaryLabels(data: TypedArray, code: number, ignore: number | null): Int32Array {
  const out = new Int32Array(data.length);
  if (data instanceof Uint8Array) {
    // one table lookup per pixel
    const table = Int32Array.from({ length: 256 }, (_, v) => (v === ignore ? -1 : v === 0 ? 0 : v === code ? 1 : 0));
    for (let i = 0; i < data.length; i++) out[i] = table[data[i]];
    return out;
  }
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    out[i] = v === ignore ? -1 : v === 0 ? 0 : v === code ? 1 : 0;
  }
  return out;
}

function maxLabelOf(data: TypedArray, ignore: number | null): number {
  let m = -1;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v !== ignore && v > m) m = v;
  }
  return m;
}

function toLabels(data: TypedArray, classes: number, ignore: number | null, path: string, what: string): Int32Array {
  const out = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v === ignore) {
      out[i] = -1;
    } else if (v >= 0 && v < classes && Number.isInteger(v)) {
      out[i] = v;
    } else {
      throw new MaskInputError(
        path,
        `${what} label ${v} at flat index ${i} is outside [0, ${classes})` + (ignore === null ? ' (ignore index off)' : ` and is not the ignore index ${ignore}`),
      );
    }
  }
  return out;
}

function resolveSpacing(options: EvaluateOptions, ctx: PairContext, ndim: number, warnings: string[]): number[] {
  const check = (s: number[], where: string) => {
    if (s.length !== ndim || s.some((v) => !(v > 0) || !Number.isFinite(v))) {
      throw new MaskInputError(where === 'option' ? '' : where, `spacing [${s.join(', ')}] must be ${ndim} positive numbers, one per spatial axis`);
    }
    return s.slice();
  };
  if (options.spacing) return check(options.spacing, 'option');
  const fromPred = ctx.predSpacing && ctx.predSpacing.length === ndim ? ctx.predSpacing : undefined;
  const fromTarget = ctx.targetSpacing && ctx.targetSpacing.length === ndim ? ctx.targetSpacing : undefined;
  if (fromTarget && !fromPred) {
    warnings.push(`spacing ${fromTarget.join('x')} taken from the ground truth only (${quotePath(ctx.targetPath ?? 'ground truth')}); the prediction has none`);
  } else if (fromPred && !fromTarget) {
    warnings.push(`spacing ${fromPred.join('x')} taken from the prediction only (${quotePath(ctx.predPath ?? 'prediction')}); the ground truth has none`);
  }
  const s = fromTarget ?? fromPred;
  return s ? check(s, ctx.targetPath ?? '') : new Array<number>(ndim).fill(1);
}
