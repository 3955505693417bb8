/**
 * The teaching text of each loss's card, in plain words: what it measures, an example, an
 * analogy, its goal, when to use it and its formula. Formulas follow losses.md §2 exactly (the
 * reference table's formulas are not used). The facts of a loss (name, family, direction, unit)
 * are kernels/registry.ts's, not repeated here. Pure data, shared by every view that explains a loss.
 */
import type { LossId } from '../kernels/registry.js';

export interface LossCard {
  measures: string;
  example: string;
  analogy: string;
  goal: string;
  useWhen: string;
  formula: string;
}

export const LOSS_CARDS: Readonly<Record<LossId, LossCard>> = {
  bce: {
    measures: 'How much probability each pixel puts on the wrong side of a yes/no decision, averaged over pixels.',
    example: 'A pixel of a lesion predicted at p = 0.1 costs −log 0.1 ≈ 2.3; predicted at 0.9 it costs only ≈ 0.1.',
    analogy: 'A true/false quiz where confident wrong answers lose far more marks than hesitant ones.',
    goal: 'Calibrated per-pixel probabilities: every pixel pushed towards its true label.',
    useWhen: 'The default for binary masks and multi-label outputs; pair it with an overlap loss when the foreground is small.',
    formula: 'mean_x −[t·log p + (1−t)·log(1−p)], p clamped to [1e−7, 1−1e−7]; multi-class: mean over all one-vs-rest channels and pixels',
  },
  cce: {
    measures: 'The average surprise of the model at each pixel’s true class.',
    example: 'A street-scene pixel that is road but gets only 0.2 probability for “road” adds −log 0.2 ≈ 1.6.',
    analogy: 'A multiple-choice exam where you bet probability on the answers and are scored on the bet placed on the right one.',
    goal: 'Put as much probability as possible on the correct class of every pixel.',
    useWhen: 'The baseline for multi-class semantic segmentation with reasonably balanced classes.',
    formula: 'mean_x −log p_{y(x)}; binary uses [1−p, p], so it equals bce',
  },
  wce: {
    measures: 'Cross entropy in which each class’s pixels carry a weight, so rare classes are not drowned out.',
    example: 'With balanced weights a 1 % tumour class counts as much in total as the 99 % background.',
    analogy: 'An exam where the rare, hard questions are worth more points.',
    goal: 'Stop the majority class from dominating the gradient.',
    useWhen: 'Imbalanced datasets where plain cross entropy learns to predict only background.',
    formula: 'Σ_x w_{y(x)}·(−log p_{y(x)}) / Σ_x w_{y(x)}; default w_c = N / (C_present · n_c)',
  },
  dice: {
    measures: 'One minus the (soft) Dice overlap between prediction and ground truth.',
    example: 'A prediction covering 70 % of a tumour with no spill-over has Dice ≈ 0.82, loss ≈ 0.18.',
    analogy: 'How much two paper cut-outs overlap when laid on top of each other.',
    goal: 'Maximise region overlap, regardless of how many background pixels there are.',
    useWhen: 'Medical and other imbalanced segmentation where the object is a small part of the image.',
    formula: 'per class 1 − (2·TP + s) / (Σp + Σt + s), s = 1e−5; mean over selected classes',
  },
  iou: {
    measures: 'One minus intersection over union of prediction and ground truth.',
    example: 'An organ prediction with 75 % intersection over union gives a loss of 0.25.',
    analogy: 'The shared part of a Venn diagram as a fraction of everything either circle covers.',
    goal: 'Optimise the overlap measure benchmarks report, penalising both misses and spill-over.',
    useWhen: 'When the evaluation metric is IoU / mIoU and you want the loss to track it directly.',
    formula: 'per class 1 − (TP + s) / (Σp + Σt − TP + s); mean over selected classes',
  },
  bce_dice: {
    measures: 'Cross entropy and Dice loss added: pixel-level correctness plus region overlap.',
    example: 'A tumour mask judged both pixel by pixel and as a whole shape.',
    analogy: 'Marking each answer and also the essay as a whole.',
    goal: 'Stable per-pixel gradients from CE with the imbalance robustness of Dice.',
    useWhen: 'A strong default in medical segmentation pipelines (MONAI DiceCELoss).',
    formula: '1·bce + 1·dice (binary); 1·cce + 1·dice (multi-class)',
  },
  ce_iou: {
    measures: 'Categorical cross entropy plus IoU loss.',
    example: 'Organs scored on per-pixel class accuracy and on how well each region overlaps.',
    analogy: 'Judged on both accuracy and consistency.',
    goal: 'Balance pixel correctness with region overlap.',
    useWhen: 'Multi-class tasks with class imbalance where IoU is the reported metric.',
    formula: '1·cce + 1·iou',
  },
  boundary: {
    measures: 'Predicted probability weighted by the signed distance to the true boundary: far-off false positives cost the most, confident interior pixels earn a reward.',
    example: 'A spurious blob 20 px away from a thin vessel adds about 20 per pixel; pixels deep inside the vessel subtract.',
    analogy: 'Tracing an outline: ink far from the line is a bigger mistake than ink just beside it.',
    goal: 'Pull the predicted region towards the true contour; it can go negative.',
    useWhen: 'Thin or highly imbalanced structures, usually combined with Dice or CE (Kervadec et al. 2019).',
    formula: 'mean over classes c ≥ 1 and pixels x of p_c(x)·φ_c(x), φ_c = edt(¬G)·¬G − (edt(G) − 1)·G; φ_c = 0 if G is empty or full',
  },
  hausdorff: {
    measures: 'The single largest gap between the two contours, in either direction.',
    example: 'A tumour outline that is right everywhere except one spot 12 px out has HD = 12.',
    analogy: 'A ruler laid at the worst place where the two outlines disagree.',
    goal: 'Penalise the worst-case contour deviation.',
    useWhen: 'When any large boundary error is unacceptable (surgical margins, radiotherapy); sensitive to outliers.',
    formula: 'on hard masks, per class c ≥ 1: max(max_{a∈∂A} d(a,∂B), max_{b∈∂B} d(b,∂A)); mean over classes',
  },
  hd95: {
    measures: 'Like Hausdorff, but the 95th percentile of boundary distances instead of the maximum.',
    example: 'A single stray pixel far away hardly moves HD95 while it sets the Hausdorff distance.',
    analogy: 'Grading the outline on nearly all of its points, forgiving the worst 5 %.',
    goal: 'A robust worst-case boundary error.',
    useWhen: 'Challenge leaderboards and medical evaluation (MONAI percentile = 95).',
    formula: 'as hausdorff with each directed max replaced by its 95th percentile (linear interpolation); max of the two directions',
  },
  hausdorff_dt: {
    measures: 'A differentiable stand-in for Hausdorff: squared errors weighted by how far they are from both boundaries.',
    example: 'A wrong pixel 10 px from either contour weighs about 100× more than one on the contour.',
    analogy: 'Mistakes count more the further they are from where the outline should be.',
    goal: 'Reduce the largest boundary errors with a smooth, trainable loss (Karimi & Salcudean 2019).',
    useWhen: 'Fine-tuning a model whose Hausdorff distance is poor.',
    formula: 'mean over classes c ≥ 1 and x of (p_c − t_c)²·(dt(p_c)² + dt(t_c)²), dt(m) = edt(M) + edt(¬M), M = m > 0.5',
  },
  focal: {
    measures: 'Cross entropy that fades out easy, already-correct pixels so the hard ones dominate.',
    example: 'A background pixel at 0.99 contributes ~10 000× less than in CE (γ = 2); a missed small tumour still counts fully.',
    analogy: 'A teacher who spends the lesson on the questions students still get wrong.',
    goal: 'Down-weight easy examples, focus on hard ones.',
    useWhen: 'Severe class imbalance with many easy background pixels (Lin et al. 2017).',
    formula: 'binary: mean_x −α_t (1−p_t)^γ log p_t; multi-class: mean_x −α_y (1−p_y)^γ log p_y; γ = 2, binary α = 0.25',
  },
  tversky: {
    measures: 'An overlap loss where false negatives and false positives have separate weights.',
    example: 'With β = 0.7 a missed tumour pixel costs more than a false alarm (α = 0.3).',
    analogy: 'An exam where leaving an answer blank costs more than a wrong guess.',
    goal: 'Trade recall against precision explicitly; α = β = 0.5 is Dice.',
    useWhen: 'When recall matters most, e.g. lesion detection (Salehi et al. 2017).',
    formula: 'per class 1 − (TP + s) / (TP + α·FP + β·FN + s), α = 0.3, β = 0.7; mean over selected classes',
  },
  lovasz: {
    measures: 'A convex surrogate of the IoU loss built by sorting pixel errors (Lovász extension).',
    example: 'A Cityscapes model fine-tuned with it gains mIoU because the loss tracks IoU closely.',
    analogy: 'Training for the exact score the exam will use.',
    goal: 'Directly minimise (a tight surrogate of) the Jaccard loss.',
    useWhen: 'Benchmarks judged by IoU; typically as a fine-tuning loss (Berman et al. 2018).',
    formula: 'multi-class: mean over present classes of sort↓(|fg − p_c|) · lovasz_grad(fg_sorted); binary: relu(1 − z·(2t−1)) sorted ↓ · lovasz_grad(t_sorted)',
  },
  focal_tversky: {
    measures: 'The Tversky loss raised to a power below 1, which boosts classes that are still poorly segmented.',
    example: 'A rare lesion with Tversky index 0.3 keeps a large loss while easy classes fade.',
    analogy: 'The hardest important questions get extra attention.',
    goal: 'Focus on hard, small structures and their false negatives.',
    useWhen: 'Small, rare targets (Abraham & Khan 2019).',
    formula: 'per class (1 − TI_c)^γ, TI_c = (TP + s) / (TP + α·FP + β·FN + s), γ = 0.75; mean over selected classes',
  },
  surface: {
    measures: 'The boundary loss computed on the whole volume with voxel spacing: distance-weighted surface error in 3D.',
    example: 'An organ surface shifted by 2 mm along the scanner axis shows up even if each slice looks fine.',
    analogy: 'Comparing two 3D models by how far apart their skins are.',
    goal: 'Minimise the distance between predicted and true surfaces.',
    useWhen: '3D organ and other volumetric structures; equals boundary by definition here.',
    formula: 'the boundary formula on the whole array (2D or 3D), with the voxel spacing',
  },
  assd: {
    measures: 'The mean distance from every boundary point of each mask to the other mask’s boundary.',
    example: 'Contours that are off by 1 px all around give ASSD ≈ 1.',
    analogy: 'Walking along both outlines and averaging how far the other one is.',
    goal: 'Typical boundary error, less dominated by a single outlier than Hausdorff.',
    useWhen: 'Reporting overall contour accuracy in medical segmentation (MONAI symmetric).',
    formula: '(Σ_{a∈∂A} d(a,∂B) + Σ_{b∈∂B} d(b,∂A)) / (|∂A| + |∂B|) per class c ≥ 1; mean over classes',
  },
  nsd: {
    measures: 'The fraction of boundary points of both masks that lie within a tolerance τ of the other boundary (a score: 1 is perfect).',
    example: 'With τ = 1 px, a contour shifted by one pixel still scores 1.',
    analogy: 'Counting the outline points drawn within a pen’s width of the true line.',
    goal: 'Measure how much of the contour is acceptable, given a clinically tolerable error.',
    useWhen: 'When small boundary deviations are acceptable and what matters is how much of the outline needs correcting (Nikolov et al.).',
    formula: '(|{a∈∂A: d(a,∂B) ≤ τ}| + |{b∈∂B: d(b,∂A) ≤ τ}|) / (|∂A| + |∂B|), τ = 1; mean over classes',
  },
};
