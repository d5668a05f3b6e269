import { AppError } from '../../../shared/errors';
import { bandsFor, DEFAULT_THRESHOLD, lshBandNumbers, type Banding } from './lsh';
import { contentDiffers, SKETCH_LENGTH } from './content-sketch';
import { estimateJaccard } from './minhash';

export interface NearDupIndexOptions {
  /** Estimated Jaccard similarity at or above which a stored record counts as a near-duplicate. */
  threshold?: number;
  numPerm?: number;
  /** Overrides the banding chosen by bandsFor(threshold, numPerm). */
  banding?: Banding;
}

export interface NearDupCandidate {
  id: string;
  similarity: number;
}

/**
 * An in-memory LSH index for one import: add signatures under ids, query a signature for stored
 * records whose estimated similarity is at or above the threshold, best first. Query before add
 * to find what a new record duplicates.
 */
export class NearDupIndex {
  readonly threshold: number;
  readonly numPerm: number;
  readonly banding: Banding;
  // Most buckets hold one id: store it bare and only make an array on the second (saves memory at 100k records).
  private readonly buckets = new Map<number, string | string[]>();
  private readonly signatures = new Map<string, Uint32Array>();

  constructor(options: NearDupIndexOptions = {}) {
    this.threshold = options.threshold ?? DEFAULT_THRESHOLD;
    this.numPerm = options.numPerm ?? 128;
    this.banding = options.banding ?? bandsFor(this.threshold, this.numPerm);
    if (this.banding.bands * this.banding.rows > this.numPerm) {
      throw new AppError('BAD_INPUT', `Banding ${this.banding.bands}x${this.banding.rows} needs more than ${this.numPerm} signature values.`);
    }
  }

  get size(): number {
    return this.signatures.size;
  }

  add(id: string, sig: Uint32Array): void {
    this.checkLength(sig);
    if (this.signatures.has(id)) throw new AppError('CONFLICT', `Record ${id} is already in the near-duplicate index.`);
    this.signatures.set(id, sig);
    for (const key of lshBandNumbers(sig, this.banding)) {
      const bucket = this.buckets.get(key);
      if (bucket === undefined) this.buckets.set(key, id);
      else if (typeof bucket === 'string') this.buckets.set(key, [bucket, id]);
      else bucket.push(id);
    }
  }

  /**
   * `maxCandidates` bounds the work per query: in templated data (forms, boilerplate) thousands of
   * records share a bucket, and comparing against all of them makes an import quadratic. Buckets
   * are searched newest first, so the bound keeps the most recent look-alikes.
   */
  query(sig: Uint32Array, limit = Infinity, maxCandidates = Infinity): NearDupCandidate[] {
    this.checkLength(sig);
    const seen = new Set<string>();
    const out: NearDupCandidate[] = [];
    search: for (const key of lshBandNumbers(sig, this.banding)) {
      const bucket = this.buckets.get(key);
      if (bucket === undefined) continue;
      const ids = typeof bucket === 'string' ? [bucket] : bucket;
      for (let i = ids.length - 1; i >= 0; i--) {
        const id = ids[i]!;
        if (seen.has(id)) continue;
        if (seen.size >= maxCandidates) break search;
        seen.add(id);
        const stored = this.signatures.get(id)!;
        const similarity = estimateJaccard(sig, stored, this.numPerm);
        if (similarity >= this.threshold && !contentDiffers(sig, stored, this.numPerm)) out.push({ id, similarity });
      }
    }
    out.sort((x, y) => y.similarity - x.similarity || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    return out.length > limit ? out.slice(0, limit) : out;
  }

  // A signature is the MinHash part alone (stored before content sketches) or MinHash + sketch.
  private checkLength(sig: Uint32Array): void {
    if (sig.length !== this.numPerm && sig.length !== this.numPerm + SKETCH_LENGTH) {
      throw new AppError('BAD_INPUT', `This index holds ${this.numPerm}-value signatures; got one of ${sig.length}.`);
    }
  }
}
