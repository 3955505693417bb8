import type { Metrics, MetricsClassEntry, PixelSums } from './types.js';

const ratio = (a: number, b: number) => (b === 0 ? NaN : a / b);

/** Hard-mask metrics per class 0..C-1, their mean over foreground classes, and pixel accuracy. */
export function hardMetrics(sums: PixelSums): Metrics {
  const perClass: MetricsClassEntry[] = Array.from(sums.hardTp, (tp, c) => {
    const fp = sums.hardFp[c];
    const fn = sums.hardFn[c];
    return {
      class: c,
      dice: ratio(2 * tp, 2 * tp + fp + fn),
      iou: ratio(tp, tp + fp + fn),
      precision: ratio(tp, tp + fp),
      recall: ratio(tp, tp + fn),
      tp, fp, fn,
    };
  });
  const foreground = perClass.slice(1);
  const mean = (key: 'dice' | 'iou' | 'precision' | 'recall') => {
    const values = foreground.map((e) => e[key]).filter((v) => !Number.isNaN(v));
    return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
  };
  return {
    pixelAccuracy: ratio(sums.correct, sums.n),
    perClass,
    meanForeground: { dice: mean('dice'), iou: mean('iou'), precision: mean('precision'), recall: mean('recall') },
  };
}
