import { evaluate } from '../kernels/evaluate.js';
import { loadMaskFile } from '../formats/load.js';
import { LOSS_IDS } from '../kernels/types.js';
const w = process.argv[2];
const pred = await loadMaskFile(`/tmp/bw/${w}_pred.npy`);
const gt = await loadMaskFile(`/tmp/bw/${w}_gt.npy`);
for (const l of [...LOSS_IDS, null]) {
  const t0 = performance.now();
  const r = await evaluate(pred, gt, l ? { losses: [l] } : {});
  console.log(l, Math.round(performance.now() - t0), JSON.stringify(r.timingsMs));
}
