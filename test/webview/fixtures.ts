/**
 * Recorded results for the panel tests, made by code: small synthetic pairs run through the
 * engine (kernels/evaluate.ts), presented as the host sends them (engine/present.ts: the CLI's
 * JSON document, the overlay of kernels/overlay.ts and the curves of kernels/curves.ts).
 * `node --import tsx test/webview/fixtures.ts` also writes them to test/webview/fixtures/*.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeChoice, type Calibration } from '../../engine/backendCalibration.js';
import { presentCurves, presentOverlay, presentResult } from '../../engine/present.js';
import { computeCurves } from '../../kernels/curves.js';
import { evaluate } from '../../kernels/evaluate.js';
import { OverlayComputer, type OverlayRequest } from '../../kernels/overlay.js';
import { preparePair } from '../../kernels/prepare.js';
import type { NdArray } from '../../formats/types.js';
import type { EvaluateOptions, PreparedPair } from '../../kernels/types.js';
import type { EvaluationJson, OverlayData, PairInfo, PanelDetails } from '../../protocol/messages.js';

export interface Fixture {
  name: string;
  pair: PairInfo;
  result: EvaluationJson;
  details: PanelDetails;
  /** the host's side, to answer `slice` messages */
  prepared: PreparedPair;
  overlay(request?: OverlayRequest): OverlayData;
}

const f32 = (shape: number[], f: (...idx: number[]) => number): NdArray => {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < size; i++) {
    data[i] = f(...idx);
    for (let a = shape.length - 1; a >= 0; a--) {
      if (++idx[a] < shape[a]) break;
      idx[a] = 0;
    }
  }
  return { data, shape, integer: false, dtype: '<f4' };
};

const u8 = (a: NdArray): NdArray => ({ data: Uint8Array.from(a.data), shape: a.shape, integer: true, dtype: '|u1' });

const SAMPLE_CALIBRATION: Calibration = {
  version: 1,
  machine: 'test',
  measuredAt: '2026-12-02T12:00:00.000Z',
  chosen: 'reference',
  trials: [
    { backend: 'reference', ms: 21.4, correct: true },
    { backend: 'cpu', ms: 388, correct: true },
    { backend: 'webasm', ms: 251, correct: true },
    { backend: 'headlessgl', problem: 'unavailable: no X display (DISPLAY unset)' },
    { backend: 'webgpu', problem: 'unavailable: the native module `webgpu` failed to load' },
  ],
};

async function build(
  name: string, pred: NdArray, gt: NdArray, options: EvaluateOptions, pair: PairInfo, classNames: string[],
): Promise<Fixture> {
  const ctx = { predPath: pair.pred, targetPath: pair.gt };
  const result = await evaluate(pred, gt, options, ctx); // the reference backend
  const prepared = preparePair(pred, gt, options, ctx).pair;
  const overlays = new OverlayComputer(prepared);
  const overlay = (request: OverlayRequest = {}) => presentOverlay(overlays.slice(request));
  const details: PanelDetails = {
    classNames,
    overlay: overlay(),
    curves: presentCurves(await computeCurves(prepared, { evaluate: options, k: 4 })),
  };
  // as the extension's pool says it: auto, measured on this machine (engine/backendCalibration.ts)
  result.backendChoice = describeChoice(SAMPLE_CALIBRATION);
  return { name, pair, result: presentResult(result), details, prepared, overlay };
}

/** 2D binary probabilities: an ellipse predicted slightly shifted and too small, plus a stray blob. */
export async function binary2d(): Promise<Fixture> {
  const [H, W] = [96, 128];
  const inGt = (y: number, x: number) => ((y - 48) / 28) ** 2 + ((x - 60) / 40) ** 2 <= 1;
  const gt = u8(f32([H, W], (y, x) => (inGt(y, x) ? 1 : 0)));
  const pred = f32([H, W], (y, x) => {
    const r = Math.sqrt(((y - 50) / 25) ** 2 + ((x - 66) / 37) ** 2);
    const blob = Math.hypot(y - 15, x - 112) <= 5 ? 0.9 : 0;
    return Math.max(blob, Math.min(1, Math.max(0, 1.5 - r)) * 0.98);
  });
  return build('binary2d', pred, gt, {}, { pred: 'pred_prob.npy', gt: 'gt_mask.png', swappable: false }, ['background', 'lesion']);
}

/** 3D labels, three classes, anisotropic spacing: a sphere and a box, the box predicted thicker. */
export async function labels3d(): Promise<Fixture> {
  const [D, H, W] = [20, 40, 48];
  const label = (z: number, y: number, x: number, shift: number) => {
    if (((z - 10) / 6) ** 2 + ((y - 14 - shift) / 9) ** 2 + ((x - 16) / 9) ** 2 <= 1) return 1;
    if (z >= 5 && z < 15 && y >= 24 && y < 34 && x >= 26 - shift && x < 42) return 2;
    return 0;
  };
  const gt = u8(f32([D, H, W], (z, y, x) => label(z, y, x, 0)));
  const pred = u8(f32([D, H, W], (z, y, x) => (z === 17 && y === 5 && x === 40 ? 2 : label(z, y, x, 2))));
  return build('labels3d', pred, gt, { spacing: [2.5, 1, 1] }, { pred: 'pred_labels.nii.gz', gt: 'gt_labels.nii.gz', swappable: true }, ['background', 'liver', 'tumour']);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = join(import.meta.dirname, 'fixtures');
  mkdirSync(dir, { recursive: true });
  for (const f of [await binary2d(), await labels3d()]) {
    writeFileSync(join(dir, `${f.name}.json`), JSON.stringify({ pair: f.pair, result: f.result, details: f.details }));
    console.log(`wrote ${f.name}.json`);
  }
}
