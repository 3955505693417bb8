/**
 * Decoded masks shared between the sessions of one worker: a ground truth that several
 * predictions are compared against is read and decoded once. An entry lives while a session
 * holds it; a file changed on disk (size or modification time) is read again.
 */
import { stat } from 'node:fs/promises';
import type { DecodedMask } from '../formats/types.js';
import { loadMaskFile, type LoadOptions } from './loadMaskFile.js';
import type { MaskLoader } from './session.js';

interface Entry {
  stamp: string;
  mask: Promise<DecodedMask>;
  holders: number;
}

export class MaskCache {
  /** how many files were read and decoded (for tests and the worker's stats) */
  loads = 0;
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly read: MaskLoader = loadMaskFile) {}

  /** A loader for one session: what it loads is held until {@link release} with the same paths. */
  readonly acquire: MaskLoader = async (path, options) => {
    const key = keyOf(path, options);
    const stamp = await stampOf(path);
    let entry = this.entries.get(key);
    if (!entry || entry.stamp !== stamp || stamp === '') {
      this.loads++;
      entry = { stamp, mask: this.read(path, options), holders: entry?.holders ?? 0 };
      this.entries.set(key, entry);
    }
    entry.holders++;
    try {
      return await entry.mask;
    } catch (e) {
      if (this.entries.get(key) === entry) this.entries.delete(key);
      throw e;
    }
  };

  release(path: string, options: LoadOptions): void {
    const key = keyOf(path, options);
    const entry = this.entries.get(key);
    if (entry && --entry.holders <= 0) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}

function keyOf(path: string, options: LoadOptions): string {
  return JSON.stringify([path, options.maxBytes ?? null, options.colourMap ?? null]);
}

/** Size and modification time, or '' when the file cannot be stat'ed (the loader then names the problem). */
async function stampOf(path: string): Promise<string> {
  try {
    const s = await stat(path);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return '';
  }
}
