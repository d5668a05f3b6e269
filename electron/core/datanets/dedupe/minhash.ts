import { AppError } from '../../../shared/errors';
import { mulberry32 } from '../../common/prng';
import { contentSketch } from './content-sketch';
import { DEFAULT_SHINGLE, shingleHashes, type ShingleKind } from './shingles';

export const DEFAULT_NUM_PERM = 128;
/** The default seed. Signatures are only comparable when made with the same seed and numPerm. */
export const DEFAULT_SEED = 0x5eed_d00d;

export interface MinHashOptions {
  numPerm?: number;
  seed?: number;
  shingle?: ShingleKind;
}

interface HashFamily {
  a: Uint32Array;
  b: Uint32Array;
}

// Coefficients depend only on (numPerm, seed); cache them so each signature costs no setup.
const families = new Map<string, HashFamily>();

function hashFamily(numPerm: number, seed: number): HashFamily {
  const key = `${numPerm}:${seed}`;
  let f = families.get(key);
  if (!f) {
    const next = mulberry32(seed);
    const a = new Uint32Array(numPerm);
    const b = new Uint32Array(numPerm);
    for (let i = 0; i < numPerm; i++) {
      a[i] = (next() | 1) >>> 0; // odd multiplier: x -> a*x + b is a permutation of 32-bit values
      b[i] = next();
    }
    f = { a, b };
    families.set(key, f);
  }
  return f;
}

/**
 * The MinHash signature of a text: for each of numPerm hash functions h_i(x) = a_i*x + b_i
 * (mod 2^32, then an xor-shift so low bits also vary), the minimum over the text's shingle hashes.
 * An empty text gets all 0xffffffff (it matches only other empty texts).
 */
export function minhashSignature(text: string, options: MinHashOptions = {}): Uint32Array {
  return minhashOfShingles(shingleHashes(text, options.shingle ?? DEFAULT_SHINGLE), options);
}

/**
 * The signature near-duplicate detection stores: the MinHash signature (unchanged, so it compares with
 * signatures stored before) followed by a content sketch (content-sketch.ts), which lets the index
 * refuse pairs that differ in a drug, dose or condition. Old stored signatures are the MinHash part
 * alone; the blob's length tells them apart, so no migration is needed.
 */
export function nearDupSignature(text: string, options: MinHashOptions = {}): Uint32Array {
  const minhash = minhashSignature(text, options);
  const sketch = contentSketch(text);
  const out = new Uint32Array(minhash.length + sketch.length);
  out.set(minhash);
  out.set(sketch, minhash.length);
  return out;
}

/** MinHash over precomputed distinct shingle hashes (lets a caller shingle once, sign many ways). */
export function minhashOfShingles(shingles: Uint32Array, options: MinHashOptions = {}): Uint32Array {
  const numPerm = options.numPerm ?? DEFAULT_NUM_PERM;
  const seed = options.seed ?? DEFAULT_SEED;
  if (!Number.isInteger(numPerm) || numPerm < 1 || numPerm > 4096) {
    throw new AppError('BAD_INPUT', `numPerm must be an integer from 1 to 4096 (got ${numPerm}).`);
  }
  const { a, b } = hashFamily(numPerm, seed >>> 0);
  const sig = new Uint32Array(numPerm).fill(0xffffffff);
  const n = shingles.length;
  for (let p = 0; p < numPerm; p++) {
    const ap = a[p]!;
    const bp = b[p]!;
    let min = 0xffffffff;
    for (let i = 0; i < n; i++) {
      let h = (Math.imul(ap, shingles[i]!) + bp) >>> 0;
      h = (h ^ (h >>> 15)) >>> 0;
      if (h < min) min = h;
    }
    sig[p] = min;
  }
  return sig;
}

/** The fraction of positions where two signatures agree: an unbiased estimate of Jaccard similarity. */
export function estimateJaccard(a: Uint32Array, b: Uint32Array, length = a.length): number {
  if (length === 0 || a.length < length || b.length < length || (length === a.length && a.length !== b.length)) {
    throw new AppError('BAD_INPUT', `Signatures must have the same non-zero length (got ${a.length} and ${b.length}).`);
  }
  let same = 0;
  for (let i = 0; i < length; i++) if (a[i] === b[i]) same++;
  return same / length;
}

/** Exact Jaccard similarity of two texts' shingle sets (for evaluation; slower than the estimate). */
export function exactJaccard(textA: string, textB: string, shingle: ShingleKind = DEFAULT_SHINGLE): number {
  const a = shingleHashes(textA, shingle);
  const b = shingleHashes(textB, shingle);
  if (a.length === 0 && b.length === 0) return 1;
  // Both arrays are sorted and distinct: merge-count the intersection.
  let i = 0;
  let j = 0;
  let inter = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      inter++;
      i++;
      j++;
    } else if (a[i]! < b[j]!) i++;
    else j++;
  }
  return inter / (a.length + b.length - inter);
}
