import type { NdArray } from '../formats/types.js';
import { classBoxes } from './classBoxes.js';
import { ClassPlanes } from './classPlanes.js';
import { hardCounts } from './gpu/hardCounts.js';
import { classDistanceTerms, SoftPlaneBuffers, type ClassDistanceTerms } from './losses/distanceLosses.js';
import { lovaszHinge, lovaszSoftmax } from './losses/lovasz.js';
import { diceLoss, focalTverskyLoss, iouLoss, tverskyLoss } from './losses/overlap.js';
import { bce, cce, focal, wce } from './losses/pixelwise.js';
import { hardMetrics } from './metrics.js';
import { resolveParams } from './params.js';
import { preparePair, type PairContext, type Prepared } from './prepare.js';
import { labelMapSums } from './labelMapSums.js';
import { computePixelSumsFused } from './pixelPass.js';
import { sumGroupsOf, type SumGroup } from './registry.js';
import type {
  BackendName, ClassEntry, EvaluateOptions, EvaluationResult, LossId, LossParams, PixelSums, PreparedPair,
} from './types.js';

/** The per-pixel sums of a pair; `groups` names the sum groups the requested losses read (a backend may compute more). */
export type PixelSumsBackend = (pair: PreparedPair, focalGamma: number, groups: ReadonlySet<SumGroup>) => Promise<PixelSums>;

export interface PreparedEvaluation {
  losses: Partial<Record<LossId, number>>;
  perClass: ClassEntry[];
  metrics: EvaluationResult['metrics'];
  sums: PixelSums;
  timingsMs: Record<string, number>;
}

const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0);

/** Every requested loss of a prepared pair; `pixelSums` runs the per-pixel work on the chosen backend. */
export async function evaluatePrepared(
  pair: PreparedPair,
  params: LossParams,
  pixelSums: PixelSumsBackend = referenceBackend.pixelSums,
): Promise<PreparedEvaluation> {
  const want = new Set(params.losses);
  const timingsMs: Record<string, number> = {};
  const timed = async <T>(name: string, work: () => T | Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const value = await work();
    timingsMs[name] = (timingsMs[name] ?? 0) + performance.now() - t0;
    return value;
  };

  // The distance measures and Lovász read only the class and hard-mask counts, and a label-map
  // prediction's soft sums follow exactly from its confusion counts: no per-pixel logs for either.
  const groups = sumGroupsOf(params.losses);
  const sums = await timed('pixelSums', () => {
    if (pair.pred.kind === 'labels') return labelMapSums(hardCounts(pair), params.focalGamma);
    return groups.size > 0 ? pixelSums(pair, params.focalGamma, groups) : hardCounts(pair);
  });
  const C = pair.classes;
  const losses: Partial<Record<LossId, number>> = {};
  const perClass = new Map<number, ClassEntry>();
  const put = (c: number, id: LossId, value: number) => {
    if (!want.has(id)) return;
    const entry = perClass.get(c) ?? { class: c };
    entry[id] = value;
    perClass.set(c, entry);
  };
  const putAll = (id: LossId, values: number[], classes: number[]) => classes.forEach((c, k) => put(c, id, values[k]));
  const allClasses = Array.from({ length: C }, (_, c) => c);
  const foreground = allClasses.slice(1);

  await timed('pixelwise', () => {
    const b = bce(sums, pair.binary);
    const ce = cce(sums);
    const w = wce(sums, params.classWeights);
    const f = focal(sums, params.focalAlpha);
    losses.bce = b.value;
    losses.cce = ce.value;
    losses.wce = w.value;
    losses.focal = f.value;
    putAll('bce', b.perClass, allClasses);
    putAll('cce', ce.perClass, allClasses);
    putAll('wce', w.perClass, allClasses);
    putAll('focal', f.perClass, allClasses);
  });

  await timed('overlap', () => {
    const selected = pair.binary ? [1] : params.includeBackground ? allClasses : foreground;
    const overlap = (id: LossId, f: (c: number) => number) => {
      const values = selected.map(f);
      losses[id] = mean(values);
      putAll(id, values, selected);
    };
    const { smooth: s, alpha, beta, ftGamma } = params;
    overlap('dice', (c) => diceLoss(sums, c, s));
    overlap('iou', (c) => iouLoss(sums, c, s));
    overlap('tversky', (c) => tverskyLoss(sums, c, alpha, beta, s));
    overlap('focal_tversky', (c) => focalTverskyLoss(sums, c, alpha, beta, ftGamma, s));
    losses.bce_dice = (pair.binary ? losses.bce! : losses.cce!) + losses.dice!;
    losses.ce_iou = losses.cce! + losses.iou!;
  });

  const planes = new ClassPlanes(pair);
  if (want.has('lovasz')) {
    await timed('lovasz', () => {
      if (pair.binary) {
        losses.lovasz = lovaszHinge(pair, planes, sums);
      } else {
        const l = lovaszSoftmax(pair, planes, sums);
        losses.lovasz = l.value;
        for (const [c, v] of l.perClass) put(c, 'lovasz', v);
      }
    });
  }

  const request = {
    boundary: want.has('boundary') || want.has('surface'),
    hausdorffDt: want.has('hausdorff_dt'),
    surface: ['hausdorff', 'hd95', 'assd', 'nsd'].some((id) => want.has(id as LossId)),
    nsdTolerance: params.nsdTolerance,
  };
  if (request.boundary || request.hausdorffDt || request.surface) {
    await timed('distances', () => {
      const boxes = classBoxes(planes.hardLabels(), pair.target, pair.shape, C, 1);
      const buffers = new SoftPlaneBuffers(pair.target);
      const terms: ClassDistanceTerms[] = foreground.map((c) => classDistanceTerms(pair, planes, c, request, sums.n, boxes[c], buffers));
      const reduce = (id: LossId, key: keyof ClassDistanceTerms) => {
        const values = terms.map((t) => t[key]!);
        losses[id] = mean(values);
        putAll(id, values, foreground);
      };
      if (request.boundary) {
        reduce('boundary', 'boundary');
        reduce('surface', 'boundary');
      }
      if (request.hausdorffDt) reduce('hausdorff_dt', 'hausdorffDt');
      if (request.surface) {
        reduce('hausdorff', 'hausdorff');
        reduce('hd95', 'hd95');
        reduce('assd', 'assd');
        reduce('nsd', 'nsd');
      }
    });
  }

  const requested: Partial<Record<LossId, number>> = {};
  for (const id of params.losses) requested[id] = losses[id];
  const entries = [...perClass.values()].sort((a, b) => a.class - b.class);
  return { losses: requested, perClass: entries, metrics: hardMetrics(sums), sums, timingsMs };
}

export interface Backend {
  name: BackendName;
  pixelSums: PixelSumsBackend;
}

export const referenceBackend: Backend = {
  name: 'reference',
  pixelSums: async (pair, gamma, groups) => computePixelSumsFused(pair, gamma, groups),
};

/** The whole evaluation of one pair of decoded arrays. */
export async function evaluate(
  pred: NdArray,
  target: NdArray,
  options: EvaluateOptions,
  context: PairContext = {},
  backend: Backend = referenceBackend,
): Promise<EvaluationResult> {
  const t0 = performance.now();
  const prepared = preparePair(pred, target, options, context);
  const prepareMs = performance.now() - t0;
  const result = await evaluatePreparedResult(prepared, options, context, backend);
  result.timingsMs = { prepare: prepareMs, ...result.timingsMs };
  return result;
}

/** The result document of a pair already through the input rules (preparePair); `timingsMs` has the loss steps only. */
export async function evaluatePreparedResult(
  prepared: Prepared,
  options: EvaluateOptions,
  context: PairContext,
  backend: Backend,
): Promise<EvaluationResult> {
  const { pair } = prepared;
  const params = resolveParams(options, pair.binary, pair.classes);
  const result = await evaluatePrepared(pair, params, backend.pixelSums);
  return {
    prediction: { path: context.predPath ?? '', shape: prepared.predShape, kind: prepared.predKind },
    target: { path: context.targetPath ?? '', shape: prepared.targetShape },
    binary: pair.binary,
    classes: pair.classes,
    spacing: pair.spacing,
    losses: result.losses,
    perClass: result.perClass,
    metrics: result.metrics,
    warnings: [...prepared.warnings, ...classWarnings(pair, result.sums)],
    backend: backend.name,
    timingsMs: result.timingsMs,
  };
}

function classWarnings(pair: PreparedPair, sums: PixelSums): string[] {
  const warnings: string[] = [];
  const name = (c: number) => (pair.binary ? (c === 1 ? 'foreground' : 'background') : `class ${c}`);
  const emptyInBoth: number[] = [];
  for (let c = pair.binary ? 1 : 0; c < pair.classes; c++) {
    const inTarget = sums.count[c] > 0;
    const predicted = sums.hardTp[c] + sums.hardFp[c] > 0;
    if (inTarget && !predicted) warnings.push(`${name(c)} appears only in the ground truth (never predicted)`);
    else if (!inTarget && predicted) warnings.push(`${name(c)} appears only in the prediction (absent from the ground truth)`);
    else if (!inTarget && !predicted) emptyInBoth.push(c);
  }
  if (emptyInBoth.length) {
    const which = pair.binary ? 'the foreground is' : emptyInBoth.length === 1 ? `class ${emptyInBoth[0]} is` : `classes ${ranges(emptyInBoth)} are`;
    warnings.push(`${which} empty in both maps; ${emptyInBoth.length === 1 ? 'it still counts' : 'they still count'} in the class means`);
  }
  return warnings;
}

/** [1,2,3,5,7,8] -> "1-3, 5, 7-8" */
function ranges(values: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < values.length; ) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j] + 1) j++;
    parts.push(j === i ? `${values[i]}` : `${values[i]}-${values[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}
