import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MANIFEST_FILE } from './format.js';
import { SpanIndex } from './span-index.js';

/**
 * Opened indexes kept for reuse, least recently used dropped first. Opening reads and checks
 * every file (about 0.4 s and 8 bytes of memory per token for 10M tokens), too much per query.
 * An entry is reopened when its folder's manifest is a different file: a rebuilt index is a new
 * folder renamed into place.
 */
export class SpanIndexCache {
  private readonly entries = new Map<string, { stamp: string; index: Promise<SpanIndex> }>();

  constructor(private readonly maxOpen = 2) {}

  get(dir: string): Promise<SpanIndex> {
    const key = resolve(dir);
    const stamp = manifestStamp(key);
    const hit = this.entries.get(key);
    this.entries.delete(key);
    if (hit && stamp !== null && hit.stamp === stamp) {
      this.entries.set(key, hit);
      return hit.index;
    }
    const index = SpanIndex.open(key);
    if (stamp === null) return index; // not an index (yet): open says why
    const entry = { stamp, index };
    this.entries.set(key, entry);
    // A folder that fails to open is not remembered.
    index.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    while (this.entries.size > this.maxOpen) this.entries.delete(this.entries.keys().next().value!);
    return index;
  }

  /** Forgets a folder (before deleting it, say). */
  forget(dir: string): void {
    this.entries.delete(resolve(dir));
  }
}

function manifestStamp(dir: string): string | null {
  try {
    const s = statSync(join(dir, MANIFEST_FILE));
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return null;
  }
}
