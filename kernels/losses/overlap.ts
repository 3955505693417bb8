import type { PixelSums } from '../types.js';

/** Soft TP/FP/FN of one class from the pixel sums. */
export function softCounts(sums: PixelSums, c: number): { tp: number; fp: number; fn: number; sumP: number; sumT: number } {
  const tp = sums.tp[c];
  const sumP = sums.sumP[c];
  const sumT = sums.count[c];
  return { tp, fp: sumP - tp, fn: sumT - tp, sumP, sumT };
}

export function diceLoss(sums: PixelSums, c: number, smooth: number): number {
  const { tp, sumP, sumT } = softCounts(sums, c);
  return 1 - (2 * tp + smooth) / (sumP + sumT + smooth);
}

export function iouLoss(sums: PixelSums, c: number, smooth: number): number {
  const { tp, sumP, sumT } = softCounts(sums, c);
  return 1 - (tp + smooth) / (sumP + sumT - tp + smooth);
}

export function tverskyIndex(sums: PixelSums, c: number, alpha: number, beta: number, smooth: number): number {
  const { tp, fp, fn } = softCounts(sums, c);
  return (tp + smooth) / (tp + alpha * fp + beta * fn + smooth);
}

export function tverskyLoss(sums: PixelSums, c: number, alpha: number, beta: number, smooth: number): number {
  return 1 - tverskyIndex(sums, c, alpha, beta, smooth);
}

export function focalTverskyLoss(sums: PixelSums, c: number, alpha: number, beta: number, gamma: number, smooth: number): number {
  return Math.pow(Math.max(0, 1 - tverskyIndex(sums, c, alpha, beta, smooth)), gamma);
}
