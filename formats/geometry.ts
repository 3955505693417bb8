import { quotePath } from './quote.js';
import { MaskInputError, type DecodedMask } from './types.js';

export interface GeometryTolerance {
  /** Relative tolerance on spacing and on the affine's voxel sizes (default 1e-4). */
  spacingRel?: number;
  /** Largest difference allowed between unit axis directions (default 1e-4). */
  direction?: number;
  /** Largest origin distance allowed, as a fraction of the smallest voxel size (default 1e-3). */
  originVoxels?: number;
}

const AXIS = ['x', 'y', 'z'];

function fmt(v: number): string {
  return String(Number(v.toPrecision(6)) + 0); // + 0 turns -0 into 0
}

const column = (a: number[][], c: number) => [a[0][c], a[1][c], a[2][c]];
const norm = (v: number[]) => Math.hypot(...v);
const dot = (u: number[], v: number[]) => u[0] * v[0] + u[1] * v[1] + u[2] * v[2];

/** A column as one number when it lies along a world axis, else as a vector. */
function fmtColumn(v: number[]): string {
  const n = norm(v);
  const significant = v.filter((x) => Math.abs(x) > 1e-6 * n);
  return significant.length === 1 ? fmt(significant[0]) : `(${v.map(fmt).join(', ')})`;
}

/** Spatial extent in the file's (x, y, z) order: the last spacing.length axes of shape, reversed. */
function gridXYZ(m: DecodedMask): number[] {
  return m.shape.slice(m.shape.length - (m.spacing?.length ?? 0)).reverse();
}

function relDiffers(a: number, b: number, rel: number): boolean {
  return Math.abs(a - b) > rel * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * Every way the voxel grids of two NIfTI masks disagree (empty when they match, or when either is not
 * NIfTI). Sizes and directions are reported in the file's (x, y, z) axis order.
 */
export function niftiGeometryDifferences(pred: DecodedMask, gt: DecodedMask, tol: GeometryTolerance = {}): string[] {
  if (pred.format !== 'nifti' || gt.format !== 'nifti') return [];
  const spacingRel = tol.spacingRel ?? 1e-4;
  const directionTol = tol.direction ?? 1e-4;
  const originVoxels = tol.originVoxels ?? 1e-3;
  const diffs: string[] = [];

  const pGrid = gridXYZ(pred);
  const gGrid = gridXYZ(gt);
  if (pGrid.length !== gGrid.length || pGrid.some((d, i) => d !== gGrid[i])) {
    diffs.push(`grid differs: pred ${pGrid.join('x')} vs gt ${gGrid.join('x')} voxels (x,y,z)`);
  }

  const pSp = [...(pred.spacing ?? [])].reverse();
  const gSp = [...(gt.spacing ?? [])].reverse();
  const spacingDiffers = pSp.length !== gSp.length || pSp.some((s, i) => relDiffers(s, gSp[i], spacingRel));
  if (spacingDiffers) {
    diffs.push(`spacing differs: pred ${pSp.map(fmt).join('x')} vs gt ${gSp.map(fmt).join('x')} (x,y,z)`);
  }

  const pa = pred.affine;
  const ga = gt.affine;
  if (!pa || !ga) return diffs;

  const pCols = [0, 1, 2].map((c) => column(pa, c));
  const gCols = [0, 1, 2].map((c) => column(ga, c));
  const pNorm = pCols.map(norm);
  const gNorm = gCols.map(norm);
  const usable = [0, 1, 2].filter((i) => pNorm[i] > 0 && gNorm[i] > 0);
  const pUnit = pCols.map((v, i) => v.map((x) => x / pNorm[i]));
  const gUnit = gCols.map((v, i) => v.map((x) => x / gNorm[i]));

  // Which gt axis each pred axis lies along.
  const along = [0, 1, 2].map((i) => {
    let best = i;
    for (const j of usable) if (Math.abs(dot(pUnit[i], gUnit[j])) > Math.abs(dot(pUnit[i], gUnit[best]))) best = j;
    return best;
  });
  const isPermutation = usable.length === 3 && new Set(along).size === 3;
  if (isPermutation && along.some((j, i) => j !== i)) {
    diffs.push(
      `axes permuted: pred's x,y,z voxel axes run along gt's ${along.map((j) => AXIS[j]).join(',')} axes ` +
        `(pred affine columns ${pCols.map(fmtColumn).join(' ')} vs gt ${gCols.map(fmtColumn).join(' ')})`,
    );
  } else {
    for (const i of usable) {
      const cosine = dot(pUnit[i], gUnit[i]);
      const shown = `pred affine column ${i} = ${fmtColumn(pCols[i])} vs gt ${fmtColumn(gCols[i])}`;
      if (cosine < 0) {
        diffs.push(`${AXIS[i]} axis is flipped (${shown})`);
      } else if (pUnit[i].some((x, k) => Math.abs(x - gUnit[i][k]) > directionTol)) {
        const degrees = (Math.acos(Math.min(1, cosine)) * 180) / Math.PI;
        diffs.push(`${AXIS[i]} axis direction differs by ${fmt(degrees)} degrees (${shown})`);
      } else if (!spacingDiffers && relDiffers(pNorm[i], gNorm[i], spacingRel)) {
        diffs.push(`${AXIS[i]} voxel size in the affine differs: pred ${fmt(pNorm[i])} vs gt ${fmt(gNorm[i])}`);
      }
    }
  }

  const pOrigin = column(pa, 3);
  const gOrigin = column(ga, 3);
  const distance = norm(pOrigin.map((x, k) => x - gOrigin[k]));
  const smallestVoxel = Math.min(...(gt.spacing ?? [1]), ...(pred.spacing ?? [1]));
  if (distance > originVoxels * smallestVoxel) {
    diffs.push(
      `origin differs by ${fmt(distance)} mm (pred (${pOrigin.map(fmt).join(', ')}) vs gt (${gOrigin.map(fmt).join(', ')}))`,
    );
  }
  return diffs;
}

/** Throws a MaskInputError naming every difference when two NIfTI masks do not share a voxel grid. */
export function checkNiftiGeometry(pred: DecodedMask, gt: DecodedMask, tol?: GeometryTolerance): void {
  const diffs = niftiGeometryDifferences(pred, gt, tol);
  if (diffs.length > 0) {
    throw new MaskInputError(pred.path, `does not share the voxel grid of ${quotePath(gt.path)}: ${diffs.join('; ')}`);
  }
}
