import { MaskInputError } from '../formats/types.js';
import { LOSS_IDS, type EvaluateOptions, type LossId, type LossParams } from './types.js';

export const DEFAULTS = {
  alpha: 0.3,
  beta: 0.7,
  ftGamma: 0.75,
  focalGamma: 2,
  binaryFocalAlpha: 0.25,
  smooth: 1e-5,
  nsdTolerance: 1,
} as const;

/** The options every loss reads, with the spec's defaults, checked. */
export function resolveParams(options: EvaluateOptions, binary: boolean, classes: number): LossParams {
  const losses = options.losses?.length ? options.losses : [...LOSS_IDS];
  for (const id of losses) {
    if (!(LOSS_IDS as readonly string[]).includes(id)) {
      throw new MaskInputError('', `unknown loss '${id}' (known: ${LOSS_IDS.join(', ')})`);
    }
  }
  const number = (name: string, v: number | undefined, fallback: number, ok: (x: number) => boolean = Number.isFinite) => {
    const x = v ?? fallback;
    if (!ok(x)) throw new MaskInputError('', `${name} must be a finite number${name === 'smooth' ? ' >= 0' : ''}, got ${x}`);
    return x;
  };
  let focalAlpha: number[] | null;
  if (options.focalAlpha === null) focalAlpha = null;
  else if (binary) {
    const a = number('focal alpha', options.focalAlpha, DEFAULTS.binaryFocalAlpha);
    focalAlpha = [1 - a, a];
  } else focalAlpha = new Array<number>(classes).fill(number('focal alpha', options.focalAlpha, 1));

  const classWeights = options.classWeights ?? null;
  if (classWeights && (classWeights.length !== classes || classWeights.some((w) => !(w >= 0)))) {
    throw new MaskInputError('', `--class-weights needs ${classes} non-negative weights (one per class), got ${classWeights.length}: ${classWeights.join(',')}`);
  }
  return {
    losses: [...new Set(losses)] as LossId[],
    includeBackground: options.includeBackground ?? true,
    alpha: number('alpha', options.alpha, DEFAULTS.alpha),
    beta: number('beta', options.beta, DEFAULTS.beta),
    ftGamma: number('ft-gamma', options.ftGamma, DEFAULTS.ftGamma),
    focalGamma: number('focal gamma', options.focalGamma, DEFAULTS.focalGamma, (x) => x >= 0 && Number.isFinite(x)),
    focalAlpha,
    classWeights,
    smooth: number('smooth', options.smooth, DEFAULTS.smooth, (x) => x >= 0 && Number.isFinite(x)),
    nsdTolerance: number('nsd tolerance', options.nsdTolerance, DEFAULTS.nsdTolerance, (x) => x >= 0 && Number.isFinite(x)),
  };
}
