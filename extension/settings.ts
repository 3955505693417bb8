/**
 * The `segscope.*` settings → the engine's options. Pure (no `vscode` import): the extension
 * reads `vscode.workspace.getConfiguration('segscope')` into a plain object and calls
 * {@link settingsToOptions}. Every option of the CLI (docs/spec/cli.md) has a setting with
 * the same default; a setting left at a default whose meaning depends on the pair (losses,
 * classes, ignore index, spacing, focal alpha, class weights, pred scale) is passed as
 * `undefined`, so the engine applies the spec's rule exactly as the CLI does.
 */
import type { EvaluateFilesOptions } from '../engine/session.js';
import { checkNumericParam, DEFAULT_IGNORE_INDEX, FOCAL_ALPHA, NUMERIC_PARAMS, type NumericParam } from '../kernels/registry.js';
import { BACKENDS, LOSS_IDS, type BackendRequest, type LossId } from '../kernels/types.js';
import {
  checkMaxClasses,
  checkMaxFileMb,
  DEFAULT_EXTENSION_MAX_FILE_MB,
  DEFAULT_MAX_CLASSES,
  fileBytesFromMb,
  MAX_CLASSES_CEILING,
} from '../formats/limits.js';

export type { EvaluateFilesOptions };

/** The settings as `getConfiguration('segscope')` gives them (any may be missing or ill-typed). */
export interface SegscopeSettings {
  losses?: unknown;
  fromLogits?: unknown;
  channelsLast?: unknown;
  classes?: unknown;
  ignoreIndex?: unknown;
  noIgnore?: unknown;
  includeBackground?: unknown;
  spacing?: unknown;
  alpha?: unknown;
  beta?: unknown;
  ftGamma?: unknown;
  focalGamma?: unknown;
  focalAlpha?: unknown;
  classWeights?: unknown;
  smooth?: unknown;
  nsdTolerance?: unknown;
  predScale?: unknown;
  backend?: unknown;
  classNames?: unknown;
  maxFileSizeMB?: unknown;
  maxClasses?: unknown;
}

/** The defaults, as package.json declares them (test/unit/registry.test.ts checks both against kernels/registry.ts). */
export const SETTING_DEFAULTS = {
  losses: [] as string[],
  fromLogits: false,
  channelsLast: false,
  classes: null as number | null,
  ignoreIndex: DEFAULT_IGNORE_INDEX,
  noIgnore: false,
  includeBackground: true,
  spacing: [] as number[],
  alpha: NUMERIC_PARAMS.alpha.default,
  beta: NUMERIC_PARAMS.beta.default,
  ftGamma: NUMERIC_PARAMS.ftGamma.default,
  focalGamma: NUMERIC_PARAMS.focalGamma.default,
  focalAlpha: null as number | string | null,
  classWeights: [] as number[],
  smooth: NUMERIC_PARAMS.smooth.default,
  nsdTolerance: NUMERIC_PARAMS.nsdTolerance.default,
  predScale: null as number | null,
  backend: 'auto' as BackendRequest,
  classNames: [] as string[] | Record<string, string>,
  maxFileSizeMB: DEFAULT_EXTENSION_MAX_FILE_MB,
  maxClasses: DEFAULT_MAX_CLASSES,
} as const;

export interface SettingsResult {
  options: EvaluateFilesOptions;
  /** one line per setting that was ignored because its value is invalid (the default is used) */
  problems: string[];
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isInt = (v: unknown): v is number => isNum(v) && Number.isInteger(v);

/** A number list from an array of numbers or a "a,b,c" string; undefined when invalid. */
function numberList(v: unknown): number[] | undefined {
  if (typeof v === 'string') {
    const t = v.trim();
    if (t === '') return [];
    const parts = t.split(/[\s,]+/).map(Number);
    return parts.every((x) => Number.isFinite(x)) ? parts : undefined;
  }
  if (Array.isArray(v) && v.every(isNum)) return [...v];
  return undefined;
}

/** Map plain settings to the engine's options; invalid values are reported and replaced by the default. */
export function settingsToOptions(s: SegscopeSettings): SettingsResult {
  const options: EvaluateFilesOptions = {};
  const problems: string[] = [];
  const bad = (name: string, value: unknown, why: string) =>
    problems.push(`segscope.${name}: ${why} (got ${JSON.stringify(value)}); using the default`);

  // losses: [] or missing → all that apply
  if (s.losses !== undefined && s.losses !== null) {
    const list = typeof s.losses === 'string' ? s.losses.split(/[\s,]+/).filter(Boolean) : s.losses;
    if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) {
      bad('losses', s.losses, 'expected a list of loss ids');
    } else {
      const unknown = list.filter((x) => !(LOSS_IDS as readonly string[]).includes(x));
      if (unknown.length) bad('losses', s.losses, `unknown loss id ${unknown.join(', ')}; known: ${LOSS_IDS.join(', ')}`);
      else if (list.length) options.losses = [...new Set(list)] as LossId[];
    }
  }

  const bool = (name: 'fromLogits' | 'channelsLast' | 'includeBackground', dflt: boolean) => {
    const v = s[name];
    if (v === undefined || v === null) return dflt;
    if (typeof v === 'boolean') return v;
    bad(name, v, 'expected true or false');
    return dflt;
  };
  options.fromLogits = bool('fromLogits', SETTING_DEFAULTS.fromLogits);
  options.channelsLast = bool('channelsLast', SETTING_DEFAULTS.channelsLast);
  options.includeBackground = bool('includeBackground', SETTING_DEFAULTS.includeBackground);

  // classes: null / 0 → inferred
  if (s.classes !== undefined && s.classes !== null && s.classes !== 0) {
    if (isInt(s.classes) && s.classes >= 1) options.classes = s.classes;
    else bad('classes', s.classes, 'expected a positive integer, or null to infer');
  }

  // ignoreIndex / noIgnore: noIgnore → null (--no-ignore); 255 → the spec's default; else explicit
  const noIgnore = s.noIgnore === true;
  if (s.noIgnore !== undefined && s.noIgnore !== null && typeof s.noIgnore !== 'boolean') bad('noIgnore', s.noIgnore, 'expected true or false');
  if (noIgnore || s.ignoreIndex === 'none') {
    options.ignoreIndex = null;
  } else if (s.ignoreIndex !== undefined && s.ignoreIndex !== null && s.ignoreIndex !== DEFAULT_IGNORE_INDEX) {
    if (isInt(s.ignoreIndex)) options.ignoreIndex = s.ignoreIndex;
    else bad('ignoreIndex', s.ignoreIndex, 'expected an integer label');
  }

  // spacing: [] → 1s or the NIfTI header
  if (s.spacing !== undefined && s.spacing !== null) {
    const list = numberList(s.spacing);
    if (list === undefined || !list.every((x) => x > 0) || (list.length !== 0 && (list.length < 2 || list.length > 3))) {
      bad('spacing', s.spacing, 'expected 2 or 3 positive numbers, or [] for the default');
    } else if (list.length) {
      options.spacing = list;
    }
  }

  const num = (name: NumericParam['id']): number => {
    const param = NUMERIC_PARAMS[name];
    const v = s[name];
    if (v === undefined || v === null) return param.default;
    if (isNum(v) && checkNumericParam(param, v) === null) return v;
    bad(name, v, `expected a number ${param.exclusive ? '>' : '≥'} ${param.min}`);
    return param.default;
  };
  options.alpha = num('alpha');
  options.beta = num('beta');
  options.ftGamma = num('ftGamma');
  options.focalGamma = num('focalGamma');
  options.smooth = num('smooth');
  options.nsdTolerance = num('nsdTolerance');

  // focalAlpha: null / "default" → the spec's default; "none" → off; a number (or numeric string) → explicit
  const fa = s.focalAlpha;
  if (fa === 'none') options.focalAlpha = null;
  else if (fa === undefined || fa === null || fa === '' || fa === 'default') {
    /* spec default */
  } else if (isNum(fa) && fa >= 0 && fa <= 1) options.focalAlpha = fa;
  else if (typeof fa === 'string' && Number.isFinite(Number(fa)) && Number(fa) >= 0 && Number(fa) <= 1) options.focalAlpha = Number(fa);
  else bad('focalAlpha', fa, 'expected a number in [0, 1], "none", or null for the default');

  // classWeights: [] → balanced
  if (s.classWeights !== undefined && s.classWeights !== null) {
    const list = numberList(s.classWeights);
    if (list === undefined || !list.every((x) => x >= 0)) bad('classWeights', s.classWeights, 'expected a list of numbers ≥ 0');
    else if (list.length) options.classWeights = list;
  }

  // predScale: null / 0 → off
  if (s.predScale !== undefined && s.predScale !== null && s.predScale !== 0) {
    if (isInt(s.predScale) && s.predScale > 0) options.predScale = s.predScale;
    else bad('predScale', s.predScale, 'expected a positive integer, or null for off');
  }

  if (s.backend === undefined || s.backend === null) options.backend = SETTING_DEFAULTS.backend;
  else if (typeof s.backend === 'string' && (BACKENDS as readonly string[]).includes(s.backend)) options.backend = s.backend as BackendRequest;
  else {
    bad('backend', s.backend, `expected one of ${BACKENDS.join(', ')}`);
    options.backend = SETTING_DEFAULTS.backend;
  }

  // maxFileSizeMB: the CLI's --max-file-mb, one meaning (formats/limits.ts): MiB > 0, 0 → no limit
  const mb = s.maxFileSizeMB;
  if (mb === undefined || mb === null) options.maxFileBytes = fileBytesFromMb(SETTING_DEFAULTS.maxFileSizeMB);
  else if (isNum(mb) && checkMaxFileMb(mb) === null) options.maxFileBytes = fileBytesFromMb(mb);
  else {
    bad('maxFileSizeMB', mb, 'expected a number of megabytes > 0, or 0 for no limit');
    options.maxFileBytes = fileBytesFromMb(SETTING_DEFAULTS.maxFileSizeMB);
  }

  // maxClasses: the CLI's --max-classes; the default is left to the engine (the same number)
  const mc = s.maxClasses;
  if (mc !== undefined && mc !== null && mc !== DEFAULT_MAX_CLASSES) {
    if (isNum(mc) && checkMaxClasses(mc) === null) options.maxClasses = mc;
    else bad('maxClasses', mc, `expected an integer from 2 to ${MAX_CLASSES_CEILING}`);
  }

  return { options, problems };
}

/**
 * Class display names: `classes.json` beside the masks overrides `segscope.classNames`, which
 * overrides the defaults ("background" for class 0, "foreground" for a binary pair's class 1, "class c" otherwise). Both accept an array
 * (index = class) or a map {"1": "liver"}; `classes.json` may also be {"classes": [...]} or
 * {"names": {...}} or {"labels": {...}} (the nnU-Net dataset.json form {"labels": {"liver": 1}} too).
 */
export function resolveClassNames(classes: number, setting: unknown, classesJson?: unknown, binary = false): { names: string[]; problems: string[] } {
  const names: string[] = [];
  for (let c = 0; c < classes; c++) names[c] = c === 0 ? 'background' : binary ? 'foreground' : `class ${c}`;
  const problems: string[] = [];
  const apply = (src: unknown, from: string) => {
    if (src === undefined || src === null) return;
    let v: unknown = src;
    if (typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      if ('classes' in o) v = o.classes;
      else if ('names' in o) v = o.names;
      else if ('labels' in o) v = o.labels;
    }
    if (Array.isArray(v)) {
      v.forEach((n, c) => {
        if (typeof n === 'string' && n.trim() !== '' && c < classes) names[c] = n;
      });
      return;
    }
    if (typeof v === 'object' && v !== null) {
      for (const [k, n] of Object.entries(v as Record<string, unknown>)) {
        if (/^\d+$/.test(k) && typeof n === 'string') {
          const c = Number(k);
          if (c < classes) names[c] = n;
        } else if (typeof n === 'number' && Number.isInteger(n) && n >= 0) {
          // nnU-Net form: {"liver": 1}
          if (n < classes) names[n] = k;
        } else if (typeof n === 'string' && /^\d+$/.test(n) && !/^\d+$/.test(k)) {
          const c = Number(n);
          if (c < classes) names[c] = k;
        } else {
          problems.push(`${from}: entry ${JSON.stringify(k)} is neither "index": "name" nor "name": index`);
        }
      }
      return;
    }
    problems.push(`${from}: expected an array of names or a map of class index to name`);
  };
  apply(setting, 'segscope.classNames');
  apply(classesJson, 'classes.json');
  return { names, problems };
}
