/** Extensions of the mask formats SegScope reads; `.nii.gz` is matched as a whole. */
export const MASK_EXTENSIONS = ['.png', '.npy', '.nii', '.nii.gz'] as const;
export type MaskExtension = (typeof MASK_EXTENSIONS)[number];

/** The last component of a path with '/' or '\\' separators. */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]+/);
  return parts[parts.length - 1] ?? path;
}

/** The mask extension of `path` ('.nii.gz' as one), lower-case, or undefined when it is not a mask. */
export function maskExtension(path: string): MaskExtension | undefined {
  const lower = baseName(path).toLowerCase();
  if (lower.endsWith('.nii.gz')) return '.nii.gz';
  for (const ext of MASK_EXTENSIONS) if (lower.endsWith(ext)) return ext;
  return undefined;
}

/** The file name without its mask extension (without its last extension when it is not a mask). */
export function stemOf(path: string): string {
  const name = baseName(path);
  const ext = maskExtension(name);
  return ext ? name.slice(0, name.length - ext.length) : name.replace(/\.[^.]*$/, '');
}
