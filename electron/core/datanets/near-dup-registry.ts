import type { Db } from '../db/open';
import { NearDupIndex, bufferToSignature } from './dedupe';

/**
 * One in-memory LSH index per datanet, built from the stored MinHash signatures the first time
 * it is needed and kept current by the writers. Dropped whenever a write is rolled back or
 * records change wholesale, so it never names a record the database does not hold.
 */
export class NearDupRegistry {
  private readonly indexes = new Map<string, NearDupIndex>();

  constructor(private readonly db: Db) {}

  indexFor(datanetId: string, threshold = 0.8): NearDupIndex {
    const cached = this.indexes.get(datanetId);
    if (cached && cached.threshold === threshold) return cached;
    const index = new NearDupIndex({ threshold });
    const rows = this.db.prepare('SELECT id, minhash FROM records WHERE datanet_id = ? AND minhash IS NOT NULL').all(datanetId) as {
      id: string;
      minhash: Buffer;
    }[];
    for (const r of rows) index.add(r.id, bufferToSignature(r.minhash));
    this.indexes.set(datanetId, index);
    return index;
  }

  forget(datanetId: string): void {
    this.indexes.delete(datanetId);
  }
}
