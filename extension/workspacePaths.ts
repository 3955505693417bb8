/**
 * Which files a message from a webview or a notebook output may make the extension open: only
 * files inside the workspace folders the user opened, before and after links are resolved. Pure
 * (no vscode import): the roots are passed in, so the policy is unit-tested.
 */
import { existsSync, realpathSync } from 'node:fs';
import { basename, isAbsolute, relative, resolve, sep } from 'node:path';

/** Whether `path` lies strictly inside `root` (both absolute). */
export function within(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

const real = (p: string) => {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
};

/**
 * The absolute path of `path` (absolute, or relative to `base`) when it names an existing file
 * inside one of `roots`; otherwise why not. Nothing is read: only the file system's names.
 */
export function resolveInside(path: string, roots: readonly string[], base: string): { path: string } | { refused: string } {
  const abs = isAbsolute(path) ? path : resolve(base, path);
  const outside = { refused: `${path}: refused, it is outside the workspace folders (a notebook output may only open files of the workspace)` };
  if (!roots.some((root) => within(root, abs))) return outside;
  if (!existsSync(abs)) return { refused: `${path}: file not found (looked for ${abs})` };
  const target = real(abs);
  return roots.some((root) => within(real(root), target)) ? { path: target } : outside;
}

/**
 * The pair a results panel's saved webview state names (workspace-relative, or absolute as an
 * older version wrote it), resolved inside the workspace folders; null when the state names no
 * pair, `refused` when a path is outside the workspace or missing (the panel then says so and
 * reads nothing).
 */
export function pairFromSavedState(state: unknown, roots: readonly string[]): { pred: string; gt: string } | { refused: string } | null {
  const pair = (state as { pair?: { pred?: unknown; gt?: unknown } } | null | undefined)?.pair;
  if (!pair || typeof pair.pred !== 'string' || typeof pair.gt !== 'string') return null;
  const resolveOne = (p: string) => {
    for (const root of roots) {
      // multi-root workspaces display paths that start with the folder's name
      const name = `${basename(root)}/`;
      const hit = resolveInside(roots.length > 1 && p.startsWith(name) ? p.slice(name.length) : p, roots, root);
      if ('path' in hit) return hit;
    }
    return resolveInside(p, roots, roots[0] ?? '/');
  };
  const pred = resolveOne(pair.pred);
  const gt = resolveOne(pair.gt);
  if ('refused' in pred) return pred;
  if ('refused' in gt) return gt;
  return { pred: pred.path, gt: gt.path };
}
