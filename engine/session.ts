/**
 * One evaluation session per decoded pair: the files are read and decoded once, put through the
 * input rules (docs/spec/losses.md §1) once, and every question about the pair — the result
 * document, the overlay of any class and slice, the loss curves — is answered from that one
 * prepared pair. The CLI, the extension's worker pool and the bench all evaluate through here.
 */
import { checkNiftiGeometry } from '../formats/geometry.js';
import type { DecodedMask } from '../formats/types.js';
import { backendFor } from '../kernels/backendFor.js';
import { computeCurves, type LossCurves } from '../kernels/curves.js';
import { evaluatePreparedResult } from '../kernels/evaluate.js';
import { OverlayComputer, type OverlayRequest, type OverlaySlice } from '../kernels/overlay.js';
import { preparePair, type PairContext, type Prepared } from '../kernels/prepare.js';
import type { BackendRequest, EvaluateOptions, EvaluationResult } from '../kernels/types.js';
import { loadMaskFile, type LoadOptions } from './loadMaskFile.js';

export interface EvaluateFilesOptions extends EvaluateOptions {
  /**
   * Largest mask file to open, in bytes, checked before reading; it also bounds what a compressed
   * file may inflate to. undefined: the default (2 GiB); 0: no limit (formats/limits.ts).
   */
  maxFileBytes?: number;
  /** Largest class count a pair may need (max label + 1, channels, --classes); default 1024 (formats/limits.ts). */
  maxClasses?: number;
  /** Largest element count of one decoded array; default 512 Mi (formats/limits.ts). */
  maxElements?: number;
  /** RGB PNG colour map: '#rrggbb' -> class index. */
  colourMap?: Record<string, number>;
  /** why `backend` is what it is, when a host chose it (engine/pool.ts: `auto` measured per machine) */
  backendChoice?: string;
}

/** Why a backend ran when no host said: the request itself. */
function choiceOf(request: BackendRequest): string {
  return request === 'auto'
    ? 'auto chose reference: the fastest correct backend where we measured (BENCHMARKS.md); this process keeps no measurement of its own machine'
    : `asked for by name (the segscope.backend setting, --backend)`;
}

/** Reads and decodes one mask file; a session's files go through one of these (a cache shares them). */
export type MaskLoader = (path: string, options: LoadOptions) => Promise<DecodedMask>;

export function loadOptionsOf(options: EvaluateFilesOptions): LoadOptions {
  return { maxBytes: options.maxFileBytes, colourMap: options.colourMap, ...(options.maxElements !== undefined ? { maxVoxels: options.maxElements } : {}) };
}

export class EvaluationSession {
  private resultPromise?: Promise<EvaluationResult>;
  private curvesPromise?: Promise<LossCurves[]>;
  private overlays?: OverlayComputer;

  private constructor(
    readonly predPath: string,
    readonly gtPath: string,
    readonly options: EvaluateFilesOptions,
    private readonly prepared: Prepared,
    private readonly decodeWarnings: string[],
    private readonly timingsMs: { load: number; prepare: number },
  ) {}

  /** Reads, decodes and prepares a pair. Every input problem is a MaskInputError naming the file. */
  static async open(predPath: string, gtPath: string, options: EvaluateFilesOptions = {}, load: MaskLoader = loadMaskFile): Promise<EvaluationSession> {
    const t0 = performance.now();
    const loadOptions = loadOptionsOf(options);
    const [pred, gt] = await Promise.all([load(predPath, loadOptions), load(gtPath, loadOptions)]);
    if (pred.format === 'nifti' && gt.format === 'nifti') checkNiftiGeometry(pred, gt);
    const t1 = performance.now();
    const prepared = preparePair(pred, gt, options, { ...contextOf(predPath, gtPath, pred, gt), maxClasses: options.maxClasses });
    const t2 = performance.now();
    const warnings = [...(pred.warnings ?? []), ...(gt.warnings ?? [])];
    return new EvaluationSession(predPath, gtPath, options, prepared, warnings, { load: t1 - t0, prepare: t2 - t1 });
  }

  /** The result document (computed once). */
  result(): Promise<EvaluationResult> {
    this.resultPromise ??= this.computeResult();
    return this.resultPromise;
  }

  private async computeResult(): Promise<EvaluationResult> {
    const request = this.options.backend ?? 'auto';
    const backend = await backendFor(request);
    const context = { predPath: this.predPath, targetPath: this.gtPath };
    const result = await evaluatePreparedResult(this.prepared, this.options, context, backend);
    result.backendChoice = this.options.backendChoice ?? choiceOf(request);
    result.timingsMs = { ...this.timingsMs, ...result.timingsMs };
    result.warnings.unshift(...this.decodeWarnings);
    return result;
  }

  /** The overlay of one class in one plane (the whole-array fields of a class are computed once). */
  overlay(request: OverlayRequest = {}): OverlaySlice {
    this.overlays ??= new OverlayComputer(this.prepared.pair);
    return this.overlays.slice(request);
  }

  /** The loss curves (computed once). */
  curves(): Promise<LossCurves[]> {
    this.curvesPromise ??= computeCurves(this.prepared.pair, { evaluate: this.options });
    return this.curvesPromise;
  }
}

function contextOf(predPath: string, gtPath: string, pred: DecodedMask, gt: DecodedMask): PairContext {
  return { predPath, targetPath: gtPath, predSpacing: pred.spacing, targetSpacing: gt.spacing };
}

/** file → formats → kernels → result: one pair, one session, the result document. */
export async function evaluateFiles(predPath: string, gtPath: string, options: EvaluateFilesOptions = {}): Promise<EvaluationResult> {
  return (await EvaluationSession.open(predPath, gtPath, options)).result();
}
