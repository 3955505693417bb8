import { MaskInputError, quoteForMessage } from '../formats/types.js';
import { checkNumericParam, FOCAL_ALPHA, LOSS_IDS, NUMERIC_PARAMS, type NumericParam } from './registry.js';
import type { EvaluateOptions, LossId, LossParams } from './types.js';

/** The options every loss reads, with the spec's defaults, checked. */
export function resolveParams(options: EvaluateOptions, binary: boolean, classes: number): LossParams {
  const losses = options.losses?.length ? options.losses : [...LOSS_IDS];
  for (const id of losses) {
    if (!(LOSS_IDS as readonly string[]).includes(id)) {
      throw new MaskInputError('', `unknown loss '${quoteForMessage(String(id), 40)}' (known: ${LOSS_IDS.join(', ')})`);
    }
  }
  const number = (id: NumericParam['id']) => {
    const param = NUMERIC_PARAMS[id];
    const x = options[id] ?? param.default;
    const problem = checkNumericParam(param, x);
    if (problem) throw new MaskInputError('', problem);
    return x;
  };
  const alpha = (x: number) => {
    if (!(x >= FOCAL_ALPHA.min && x <= FOCAL_ALPHA.max)) throw new MaskInputError('', `--focal-alpha must be a number in [${FOCAL_ALPHA.min}, ${FOCAL_ALPHA.max}] or none, got ${x}`);
    return x;
  };
  let focalAlpha: number[] | null;
  if (options.focalAlpha === null) focalAlpha = null;
  else if (binary) {
    const a = alpha(options.focalAlpha ?? FOCAL_ALPHA.binaryDefault);
    focalAlpha = [1 - a, a];
  } else focalAlpha = new Array<number>(classes).fill(alpha(options.focalAlpha ?? FOCAL_ALPHA.multiClassDefault));

  const classWeights = options.classWeights ?? null;
  if (classWeights && (classWeights.length !== classes || classWeights.some((w) => !(w >= 0)))) {
    throw new MaskInputError('', `--class-weights needs ${classes} non-negative weights (one per class), got ${classWeights.length}: ${quoteForMessage(classWeights.join(','), 80)}`);
  }
  return {
    losses: [...new Set(losses)] as LossId[],
    includeBackground: options.includeBackground ?? true,
    alpha: number('alpha'),
    beta: number('beta'),
    ftGamma: number('ftGamma'),
    focalGamma: number('focalGamma'),
    focalAlpha,
    classWeights,
    smooth: number('smooth'),
    nsdTolerance: number('nsdTolerance'),
  };
}
