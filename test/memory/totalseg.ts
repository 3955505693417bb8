// Evaluates a synthetic 118-class 20x512x512 label-map pair (TotalSegmentator's label set) with every
// loss and prints one JSON line: peak resident memory and time. Run in its own process by the tests.
import { evaluate } from '../../kernels/evaluate.js';
import { backendFor } from '../../kernels/backendFor.js';
import type { BackendRequest } from '../../kernels/types.js';

const [D, H, W, C] = [20, 512, 512, 118];

function organs(seed: number, shift: number): Uint8Array {
  let s = seed >>> 0;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const map = new Uint8Array(D * H * W);
  for (let c = 1; c < C; c++) {
    const cz = rand() * D, cy = 40 + rand() * (H - 80), cx = 40 + rand() * (W - 80);
    const rz = 2 + rand() * 6, ry = 6 + rand() * 30, rx = 6 + rand() * 30;
    for (let z = Math.max(0, Math.floor(cz - rz)); z < Math.min(D, cz + rz); z++)
      for (let y = Math.max(0, Math.floor(cy - ry)); y < Math.min(H, cy + ry); y++)
        for (let x = Math.max(0, Math.floor(cx - rx + shift)); x < Math.min(W, cx + rx + shift); x++)
          if (((z - cz) / rz) ** 2 + ((y - cy) / ry) ** 2 + ((x - cx - shift) / rx) ** 2 <= 1) map[(z * H + y) * W + x] = c;
  }
  return map;
}

const backend = (process.argv[2] ?? 'reference') as BackendRequest;
const gt = organs(7, 0);
const pred = organs(7, 2);
const t0 = performance.now();
const result = await evaluate(
  { data: pred, shape: [D, H, W], integer: true, dtype: 'uint8' },
  { data: gt, shape: [D, H, W], integer: true, dtype: 'uint8' },
  { classes: C, spacing: [2.5, 0.8, 0.8] },
  {},
  await backendFor(backend),
);
const seconds = (performance.now() - t0) / 1000;
console.log(JSON.stringify({
  backend: result.backend, classes: result.classes, seconds, maxRssBytes: process.resourceUsage().maxRSS * 1024,
  dice: result.losses.dice, hd95: result.losses.hd95, lovasz: result.losses.lovasz, losses: Object.keys(result.losses).length,
}));
process.exit(0);
