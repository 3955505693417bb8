/**
 * The one registry of the loss family's domain facts (docs/spec/losses.md §2): every loss id, its
 * display name, its teaching family, the engine step that computes it, its direction (lower or
 * higher is better), its unit, and the parameters it reads; and every numeric parameter with its
 * default and its valid range. The CLI's tables and option checks, the settings (package.json's
 * `contributes.configuration` is tested against this file), the loss cards, the comparison's ranks
 * and every view read these facts from here and nowhere else.
 */

export const LOSS_IDS = [
  'bce', 'cce', 'wce', 'dice', 'iou', 'bce_dice', 'ce_iou', 'boundary', 'hausdorff', 'hd95',
  'hausdorff_dt', 'focal', 'tversky', 'lovasz', 'focal_tversky', 'surface', 'assd', 'nsd',
] as const;
export type LossId = (typeof LOSS_IDS)[number];

/** The families of the reference table (docs/reference/loss-functions-table.txt). */
export type LossFamily = 'pixel' | 'overlap' | 'combined' | 'boundary' | 'focal' | 'advanced';

/** The engine step whose timing covers a loss (kernels/evaluate.ts `timingsMs`). */
export type EngineStep = 'pixelwise' | 'overlap' | 'lovasz' | 'distances';

export type Direction = 'lower' | 'higher';

/** The scale a loss is plotted on: scores in [0, 1], unbounded losses (cross entropies, boundary), distances. */
export type LossScale = 'score' | 'unbounded' | 'distance';

/**
 * The groups of per-pixel sums (kernels/types.ts PixelSums) a loss reads beyond the hard counts,
 * which every evaluation takes for its metrics block: `overlap` Σp and Σp·t per class, `logs` the
 * cross entropies' Σ −log p_y, `oneVsRest` multi-class BCE's Σ −log(1 − p_c) over every class
 * plane (a binary pair's BCE is its cross entropy), `focal` the focal sums. The per-pixel pass
 * computes only these.
 */
export type SumGroup = 'overlap' | 'logs' | 'oneVsRest' | 'focal';

export type ParamId = 'alpha' | 'beta' | 'ftGamma' | 'focalGamma' | 'focalAlpha' | 'classWeights' | 'smooth' | 'nsdTolerance' | 'includeBackground';

export interface LossInfo {
  id: LossId;
  name: string;
  family: LossFamily;
  step: EngineStep;
  better: Direction;
  /** 'distance' values are in spacing units (pixels, or mm with a NIfTI header) */
  unit: 'unitless' | 'distance';
  scale: LossScale;
  /** the options of the evaluation this loss reads (beside the masks, spacing and ignore label) */
  params: readonly ParamId[];
  /** the per-pixel sums it reads (none: the hard counts, the distance fields or Lovász's sort only) */
  sums: readonly SumGroup[];
}

const OVERLAP_PARAMS = ['smooth', 'includeBackground'] as const;

function loss(
  id: LossId, name: string, family: LossFamily, step: EngineStep, scale: LossScale, params: readonly ParamId[],
  { better = 'lower', unit = scale === 'distance' ? 'distance' : 'unitless', sums = [] }: { better?: Direction; unit?: LossInfo['unit']; sums?: readonly SumGroup[] } = {},
): LossInfo {
  return { id, name, family, step, better, unit, scale, params, sums };
}

export const LOSSES: Readonly<Record<LossId, LossInfo>> = {
  bce: loss('bce', 'Binary cross entropy', 'pixel', 'pixelwise', 'unbounded', [], { sums: ['logs', 'oneVsRest'] }),
  cce: loss('cce', 'Categorical cross entropy', 'pixel', 'pixelwise', 'unbounded', [], { sums: ['logs'] }),
  wce: loss('wce', 'Weighted cross entropy', 'pixel', 'pixelwise', 'unbounded', ['classWeights'], { sums: ['logs'] }),
  dice: loss('dice', 'Dice loss', 'overlap', 'overlap', 'score', OVERLAP_PARAMS, { sums: ['overlap'] }),
  iou: loss('iou', 'IoU (Jaccard) loss', 'overlap', 'overlap', 'score', OVERLAP_PARAMS, { sums: ['overlap'] }),
  bce_dice: loss('bce_dice', 'BCE + Dice', 'combined', 'overlap', 'unbounded', OVERLAP_PARAMS, { sums: ['logs', 'overlap'] }),
  ce_iou: loss('ce_iou', 'CE + IoU', 'combined', 'overlap', 'unbounded', OVERLAP_PARAMS, { sums: ['logs', 'overlap'] }),
  boundary: loss('boundary', 'Boundary loss', 'boundary', 'distances', 'unbounded', [], { unit: 'distance' }),
  hausdorff: loss('hausdorff', 'Hausdorff distance', 'boundary', 'distances', 'distance', []),
  hd95: loss('hd95', '95th-percentile Hausdorff', 'boundary', 'distances', 'distance', []),
  hausdorff_dt: loss('hausdorff_dt', 'Hausdorff DT loss', 'boundary', 'distances', 'unbounded', []),
  focal: loss('focal', 'Focal loss', 'focal', 'pixelwise', 'unbounded', ['focalGamma', 'focalAlpha'], { sums: ['focal'] }),
  tversky: loss('tversky', 'Tversky loss', 'focal', 'overlap', 'score', ['alpha', 'beta', ...OVERLAP_PARAMS], { sums: ['overlap'] }),
  lovasz: loss('lovasz', 'Lovász-Softmax / hinge', 'advanced', 'lovasz', 'score', []),
  focal_tversky: loss('focal_tversky', 'Focal Tversky loss', 'advanced', 'overlap', 'score', ['alpha', 'beta', 'ftGamma', ...OVERLAP_PARAMS], { sums: ['overlap'] }),
  surface: loss('surface', 'Surface loss (3D boundary)', 'advanced', 'distances', 'unbounded', [], { unit: 'distance' }),
  assd: loss('assd', 'Avg. symmetric surface distance', 'boundary', 'distances', 'distance', []),
  nsd: loss('nsd', 'Normalized surface Dice', 'boundary', 'distances', 'score', ['nsdTolerance'], { better: 'higher' }),
};

/** The hard-mask metrics of `metrics` (docs/spec/cli.md): scores, higher is better. */
export const METRIC_IDS = ['dice', 'iou', 'precision', 'recall'] as const;
export type MetricId = (typeof METRIC_IDS)[number];
export const METRIC_NAMES: Readonly<Record<MetricId, string>> = { dice: 'Dice', iou: 'IoU', precision: 'Precision', recall: 'Recall' };

export const FAMILY_NAMES: Readonly<Record<LossFamily, string>> = {
  pixel: 'Pixel-wise',
  overlap: 'Overlap',
  combined: 'Combined',
  boundary: 'Boundary and distance',
  focal: 'Focal-type',
  advanced: 'Advanced',
};

export function isLossId(id: unknown): id is LossId {
  return typeof id === 'string' && (LOSS_IDS as readonly string[]).includes(id);
}

/** The per-pixel sum groups any of these losses reads. */
export function sumGroupsOf(losses: readonly LossId[]): Set<SumGroup> {
  return new Set(losses.flatMap((id) => LOSSES[id].sums));
}

/** Whether a larger value of the loss is better (nsd). */
export function higherIsBetter(id: LossId): boolean {
  return LOSSES[id].better === 'higher';
}

/** A numeric parameter: its default and valid range (as the settings' JSON schema states it). */
export interface NumericParam {
  id: 'alpha' | 'beta' | 'ftGamma' | 'focalGamma' | 'smooth' | 'nsdTolerance';
  /** the CLI flag */
  flag: string;
  default: number;
  /** inclusive lower bound, or exclusive when `exclusive` */
  min: number;
  exclusive?: boolean;
  /** inclusive upper bound, if any */
  max?: number;
  description: string;
}

export const NUMERIC_PARAMS: Readonly<Record<NumericParam['id'], NumericParam>> = {
  alpha: { id: 'alpha', flag: '--alpha', default: 0.3, min: 0, description: 'Tversky / Focal Tversky false-positive weight α' },
  beta: { id: 'beta', flag: '--beta', default: 0.7, min: 0, description: 'Tversky / Focal Tversky false-negative weight β' },
  ftGamma: { id: 'ftGamma', flag: '--ft-gamma', default: 0.75, min: 0, exclusive: true, description: 'Focal Tversky exponent' },
  focalGamma: { id: 'focalGamma', flag: '--focal-gamma', default: 2, min: 0, description: 'Focal loss γ' },
  smooth: { id: 'smooth', flag: '--smooth', default: 1e-5, min: 0, description: 'Overlap smoothing' },
  nsdTolerance: { id: 'nsdTolerance', flag: '--nsd-tolerance', default: 1, min: 0, description: 'Normalised surface distance tolerance, in spacing units' },
};

/** Focal α's defaults (docs/spec/losses.md, focal): 0.25 on the foreground of a binary pair, 1 for every class in multi-class; valid values [0, 1]. */
export const FOCAL_ALPHA = { binaryDefault: 0.25, multiClassDefault: 1, min: 0, max: 1 } as const;

/** The spec's ignore label of multi-class masks (docs/spec/losses.md §1). */
export const DEFAULT_IGNORE_INDEX = 255;

/** Whether `x` is a valid value of the parameter; the reason when it is not. */
export function checkNumericParam(param: NumericParam, x: number): string | null {
  const ok = Number.isFinite(x) && (param.exclusive ? x > param.min : x >= param.min) && (param.max === undefined || x <= param.max);
  if (ok) return null;
  const range = `${param.exclusive ? '>' : '≥'} ${param.min}${param.max !== undefined ? ` and ≤ ${param.max}` : ''}`;
  return `${param.flag} must be a finite number ${range}, got ${x}`;
}
