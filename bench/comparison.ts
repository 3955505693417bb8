/**
 * The comparison workload (issue #8): one ground truth against ten predictions, `segscope compare`'s
 * path (engine/compareFiles.ts: the ground truth decoded once) against ten separate `evaluate` runs of
 * the same pairs (engine/session.ts evaluateFiles: each decodes it again), in the same process,
 * alternating, median of the repeats. Writes .npy label maps: a 19-class street-scene-like ground
 * truth of rectangles and discs, predictions that shift and erode it differently.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareFiles } from '../engine/compareFiles.js';
import { presentResult } from '../engine/present.js';
import { evaluateFiles } from '../engine/session.js';

export interface ComparisonBench {
  size: number;
  classes: number;
  predictions: number;
  repeats: number;
  compareMs: number;
  separateMs: number;
}

function npy(path: string, data: Uint8Array, shape: number[]): void {
  let dict = `{'descr': '|u1', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  dict = dict.padEnd(Math.ceil((10 + dict.length + 1) / 64) * 64 - 11, ' ') + '\n';
  const header = Buffer.alloc(10);
  header.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  header.writeUInt16LE(dict.length, 8);
  writeFileSync(path, Buffer.concat([header, Buffer.from(dict, 'latin1'), Buffer.from(data)]));
}

function scene(n: number, classes: number, shift: number, seed: number): Uint8Array {
  const m = new Uint8Array(n * n);
  for (let c = 1; c < classes; c++) {
    const cy = ((c * 7919 + seed * 13) % 97) / 97;
    const cx = ((c * 104729) % 89) / 89;
    const r = (0.04 + 0.06 * ((c * 31) % 5) / 5) * n;
    for (let y = Math.max(0, Math.floor(cy * n - r)); y < Math.min(n, Math.ceil(cy * n + r)); y++) {
      for (let x = Math.max(0, Math.floor(cx * n - r)); x < Math.min(n, Math.ceil(cx * n + r)); x++) {
        const inside = c % 2 ? Math.hypot(y - cy * n, x - cx * n) < r : true;
        if (inside) m[y * n + Math.min(n - 1, x + shift)] = c;
      }
    }
  }
  return m;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function runComparisonBench(dir: string, quick: boolean): Promise<ComparisonBench> {
  const size = quick ? 256 : 1024;
  const classes = 19;
  const count = quick ? 4 : 10;
  const repeats = quick ? 2 : 3;
  const gt = join(dir, 'cmp_gt.npy');
  npy(gt, scene(size, classes, 0, 0), [size, size]);
  const preds = Array.from({ length: count }, (_, i) => {
    const p = join(dir, `cmp_pred_${i}.npy`);
    npy(p, scene(size, classes, 1 + (i % 4), i % 3), [size, size]);
    return p;
  });
  const options = { backend: 'reference' as const };
  const timed = async (work: () => Promise<unknown>) => {
    const t = performance.now();
    await work();
    return performance.now() - t;
  };
  const runCompare = () => compareFiles(gt, preds, options);
  // the same documents `segscope evaluate --json` prints, one run per prediction
  const runSeparate = async () => {
    for (const p of preds) presentResult(await evaluateFiles(p, gt, options));
  };
  await runCompare(); // warm-up (JIT) of both paths
  await runSeparate();
  const compare: number[] = [];
  const separate: number[] = [];
  for (let r = 0; r < repeats; r++) {
    // alternate the order so that neither path always runs second
    if (r % 2 === 0) {
      compare.push(await timed(runCompare));
      separate.push(await timed(runSeparate));
    } else {
      separate.push(await timed(runSeparate));
      compare.push(await timed(runCompare));
    }
  }
  return { size, classes, predictions: count, repeats, compareMs: median(compare), separateMs: median(separate) };
}

export function comparisonMarkdown(b: ComparisonBench): string[] {
  return [
    '## Comparison workload',
    '',
    `One ${b.size}×${b.size} ${b.classes}-class ground truth against ${b.predictions} label-map predictions, every loss, reference backend, in one process (median of ${b.repeats}):`,
    '',
    '| path | time | ratio |',
    '|---|---:|---:|',
    `| \`segscope compare\` (engine/compareFiles.ts: the ground truth decoded once) | ${(b.compareMs / 1000).toFixed(2)} s | ${(b.compareMs / b.separateMs).toFixed(2)}× |`,
    `| ${b.predictions} separate \`evaluate\` runs (each decodes the ground truth) | ${(b.separateMs / 1000).toFixed(2)} s | 1.00× |`,
    '',
  ];
}
