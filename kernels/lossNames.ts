import type { LossId } from './types.js';

export const LOSS_NAMES: Record<LossId, string> = {
  bce: 'Binary cross entropy',
  cce: 'Categorical cross entropy',
  wce: 'Weighted cross entropy',
  dice: 'Dice loss',
  iou: 'IoU (Jaccard) loss',
  bce_dice: 'BCE + Dice',
  ce_iou: 'CE + IoU',
  boundary: 'Boundary loss',
  hausdorff: 'Hausdorff distance',
  hd95: '95th-percentile Hausdorff',
  hausdorff_dt: 'Hausdorff DT loss',
  focal: 'Focal loss',
  tversky: 'Tversky loss',
  lovasz: 'Lovász-Softmax / hinge',
  focal_tversky: 'Focal Tversky loss',
  surface: 'Surface loss (3D boundary)',
  assd: 'Avg. symmetric surface distance',
  nsd: 'Normalized surface Dice',
};
