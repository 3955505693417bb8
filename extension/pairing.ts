/**
 * Which file of a mask pair is the prediction and which the ground truth, and which workspace
 * file is the partner of a single selected mask. Pure: no I/O, no `vscode` import; paths are
 * plain strings with '/' or '\\' separators.
 *
 * Evidence, strongest first:
 *  1. role words in the file name (`case01_pred.png`, `liver-gt.nii.gz`, `y_true.npy`);
 *  2. role words in the folders above it, nearest first (`predictions/case01.png`, `labelsTr/…`);
 *  3. what the file holds, when the caller knows it ({@link FileHints}): a floating-point array
 *     (a probability or logit map) is a prediction; an integer label map can be either.
 */

export type Role = 'pred' | 'gt';

import { baseName, maskExtension, stemOf } from '../formats/extensions.js';

export { MASK_EXTENSIONS, baseName, maskExtension, stemOf } from '../formats/extensions.js';

const PRED_WORDS = new Set([
  'pred', 'preds', 'prediction', 'predictions', 'predicted', 'output', 'outputs', 'out',
  'prob', 'probs', 'probability', 'probabilities', 'logit', 'logits', 'infer', 'inference',
  'result', 'results', 'yhat', 'est', 'estimate', 'estimated',
]);
const GT_WORDS = new Set([
  'gt', 'groundtruth', 'truth', 'label', 'labels', 'lbl', 'mask', 'masks', 'target', 'targets',
  'annotation', 'annotations', 'annot', 'anno', 'ref', 'reference', 'manual', 'true', 'gold',
]);
/** Words that are part of a two-word role, e.g. `ground_truth`, `y_true`, `y_pred`. */
const JOINER_WORDS = new Set(['ground', 'y']);

/** What the caller may know about a file's content (e.g. from a `.npy` header). */
export interface FileHints {
  /** the array holds floating-point values (a probability or logit map) */
  float?: boolean;
}

export interface RoleScore {
  /** > 0 leans prediction, < 0 leans ground truth, 0 no evidence */
  score: number;
  /** the words that decided it, for messages */
  evidence: string[];
}

/** The file name without folders. */

/** The folder names above the file, nearest first. */
export function folderNames(path: string): string[] {
  const parts = path.split(/[\\/]+/).filter((p) => p.length > 0);
  parts.pop();
  return parts.reverse();
}

export function isMaskFile(path: string): boolean {
  return maskExtension(path) !== undefined;
}

/** Words of a name: split at non-alphanumerics, camelCase humps and letter/digit boundaries; lower-case. */
export function words(name: string): string[] {
  return name
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .flatMap((w) => w.split(/(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])/))
    .filter((w) => w.length > 0)
    .map((w) => w.toLowerCase());
}

function roleOfWord(word: string): Role | undefined {
  if (PRED_WORDS.has(word)) return 'pred';
  if (GT_WORDS.has(word)) return 'gt';
  return undefined;
}

/** Role evidence of one list of words; `ground truth` counts as one gt word. */
function wordsScore(ws: string[]): { pred: string[]; gt: string[] } {
  const pred: string[] = [];
  const gt: string[] = [];
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i]!;
    if (w === 'ground' && ws[i + 1] === 'truth') {
      gt.push('ground truth');
      i++;
      continue;
    }
    const role = roleOfWord(w);
    if (role === 'pred') pred.push(w);
    else if (role === 'gt') gt.push(w);
  }
  return { pred, gt };
}

/**
 * Role evidence of a path: name words weigh 8, the nearest folder 4, the next 2, then 1.
 * Content hints add ±3 (a float array leans prediction).
 */
export function roleScore(path: string, hints?: FileHints): RoleScore {
  let score = 0;
  const evidence: string[] = [];
  const name = wordsScore(words(stemOf(path)));
  score += 8 * (name.pred.length > 0 ? 1 : 0) - 8 * (name.gt.length > 0 ? 1 : 0);
  for (const w of [...name.pred, ...name.gt]) evidence.push(`name "${w}"`);
  const folders = folderNames(path);
  for (let i = 0; i < Math.min(folders.length, 3); i++) {
    const f = wordsScore(words(folders[i]!));
    const weight = i === 0 ? 4 : i === 1 ? 2 : 1;
    score += weight * ((f.pred.length > 0 ? 1 : 0) - (f.gt.length > 0 ? 1 : 0));
    if (f.pred.length + f.gt.length > 0) evidence.push(`folder "${folders[i]}"`);
  }
  if (hints?.float === true) {
    score += 3;
    evidence.push('floating-point values');
  }
  return { score, evidence };
}

/** The role a single path suggests, or undefined when there is no (or balanced) evidence. */
export function roleOf(path: string, hints?: FileHints): Role | undefined {
  const { score } = roleScore(path, hints);
  return score > 0 ? 'pred' : score < 0 ? 'gt' : undefined;
}

export interface OrderedPair {
  pred: string;
  gt: string;
  /** true when names, folders or content decided the order; false when it is only the given order */
  confident: boolean;
  /** a short human-readable reason */
  reason: string;
}

/**
 * Decide which of two files is the prediction. `a` is taken as the prediction when nothing
 * tells them apart (the panel offers a one-click swap).
 */
export function orderPair(a: string, b: string, hintsA?: FileHints, hintsB?: FileHints): OrderedPair {
  const sa = roleScore(a, hintsA);
  const sb = roleScore(b, hintsB);
  // Compare the difference: the file that leans more towards "prediction" is the prediction.
  const diff = sa.score - sb.score;
  if (diff > 0) return { pred: a, gt: b, confident: true, reason: reasonOf(sa, sb) };
  if (diff < 0) return { pred: b, gt: a, confident: true, reason: reasonOf(sb, sa) };
  return { pred: a, gt: b, confident: false, reason: 'no name, folder or content tells them apart: first file taken as the prediction' };
}

function reasonOf(pred: RoleScore, gt: RoleScore): string {
  const parts: string[] = [];
  if (pred.evidence.length) parts.push(`prediction by ${pred.evidence.join(', ')}`);
  if (gt.evidence.length) parts.push(`ground truth by ${gt.evidence.join(', ')}`);
  return parts.join('; ');
}

/**
 * The name of a file with its role words removed, lower-case: the key two files of one case
 * share (`case01_pred.png` and `gt/case01.nii.gz` both give `case01`).
 */
export function caseKey(path: string): string {
  const ws = words(stemOf(path));
  const kept: string[] = [];
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i]!;
    if (w === 'ground' && ws[i + 1] === 'truth') {
      i++;
      continue;
    }
    if (roleOfWord(w) !== undefined) continue;
    // `y_pred` / `y_true`: drop the lone `y` when a role word follows it
    if (JOINER_WORDS.has(w) && ws[i + 1] !== undefined && roleOfWord(ws[i + 1]!) !== undefined) continue;
    kept.push(w);
  }
  return kept.join('_');
}

/** The folder path of a file with role folders replaced by a placeholder (sibling pred/gt folders match). */
function neutralFolder(path: string): string {
  return folderNames(path)
    .reverse()
    .map((f) => {
      const s = wordsScore(words(f));
      return s.pred.length + s.gt.length > 0 ? '<role>' : f.toLowerCase();
    })
    .join('/');
}

function dirOf(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i < 0 ? '' : path.slice(0, i);
}

export interface PartnerCandidate {
  path: string;
  /** higher is a better partner */
  score: number;
  /** the role this candidate would have (the opposite of the selected file's, when known) */
  role: Role | undefined;
}

export interface PartnerSearch {
  /** the one partner when the evidence singles it out */
  unique?: string;
  /** every plausible partner, best first (for a quick pick) */
  candidates: PartnerCandidate[];
}

/**
 * Find the partner of `file` among `others` (workspace mask files; `file` itself is ignored).
 * A partner has the same {@link caseKey} (or, when the file's key is empty, lives beside it),
 * and a role that does not clash with the file's. It is unique when exactly one candidate has
 * the best score and that score shows real evidence (same case key and opposite roles, or the
 * same case in a sibling folder).
 */
export function findPartner(file: string, others: readonly string[], hints?: (path: string) => FileHints | undefined): PartnerSearch {
  const role = roleOf(file, hints?.(file));
  const key = caseKey(file);
  const dir = dirOf(file);
  const neutral = neutralFolder(file);
  const candidates: PartnerCandidate[] = [];
  const seen = new Set<string>();
  for (const other of others) {
    if (other === file || seen.has(other) || !isMaskFile(other)) continue;
    seen.add(other);
    const otherRole = roleOf(other, hints?.(other));
    if (role !== undefined && otherRole === role) continue; // two predictions are no pair
    const otherKey = caseKey(other);
    let score = 0;
    if (key !== '' && otherKey === key) score += 10;
    else if (key === '' && otherKey === '' && dirOf(other) === dir) score += 6;
    else if (key !== '' && otherKey !== '' && (otherKey.includes(key) || key.includes(otherKey))) score += 2;
    if (role !== undefined && otherRole !== undefined && otherRole !== role) score += 6;
    else if (role === undefined && otherRole !== undefined) score += 3;
    else if (role !== undefined && otherRole === undefined) score += 1;
    if (dirOf(other) === dir) score += 2;
    else if (neutralFolder(other) === neutral) score += 3;
    if (maskExtension(other) === maskExtension(file)) score += 1;
    if (score > 0) candidates.push({ path: other, score, role: otherRole ?? (role === 'pred' ? 'gt' : role === 'gt' ? 'pred' : undefined) });
  }
  candidates.sort((x, y) => y.score - x.score || x.path.localeCompare(y.path));
  const best = candidates[0];
  const second = candidates[1];
  const strong = best !== undefined && best.score >= 15;
  const unique = strong && (second === undefined || second.score < best.score) ? best.path : undefined;
  return unique ? { unique, candidates } : { candidates };
}

/**
 * Whether a `.npy` header (the file's first bytes) declares a floating-point dtype; undefined
 * when the bytes are no `.npy` header.
 */
export function npyHeaderIsFloat(bytes: Uint8Array): boolean | undefined {
  if (bytes.length < 10 || bytes[0] !== 0x93) return undefined;
  const magic = String.fromCharCode(...bytes.subarray(1, 6));
  if (magic !== 'NUMPY') return undefined;
  const text = String.fromCharCode(...bytes.subarray(8, Math.min(bytes.length, 512)));
  const m = /'descr'\s*:\s*'([^']*)'/.exec(text);
  if (!m) return undefined;
  return /^[<>|=]?f\d+$/.test(m[1]!);
}
