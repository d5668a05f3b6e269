import { AppError } from '../../../shared/errors';
import { mix32 } from './hash32';

export const DEFAULT_THRESHOLD = 0.8;

export interface Banding {
  bands: number;
  rows: number;
}

/**
 * The probability that two documents with Jaccard similarity s share at least one band:
 * 1 - (1 - s^rows)^bands (the LSH "S-curve").
 */
export function candidateProbability(s: number, { bands, rows }: Banding): number {
  return 1 - (1 - s ** rows) ** bands;
}

/**
 * Chooses (bands, rows) with bands*rows <= numPerm for a Jaccard threshold: the most selective
 * banding (most rows per band, as many bands as fit) under which a pair whose similarity is exactly
 * the threshold still becomes a candidate with probability >= minCandidateProbability.
 * Candidates are then checked against the threshold by their estimated similarity, so banding
 * false positives cost time, not precision; banding false negatives cost recall, hence the bias.
 */
export function bandsFor(threshold = DEFAULT_THRESHOLD, numPerm = 128, minCandidateProbability = 0.98): Banding {
  if (!(threshold > 0 && threshold < 1)) throw new AppError('BAD_INPUT', `The similarity threshold must be between 0 and 1 (got ${threshold}).`);
  if (!Number.isInteger(numPerm) || numPerm < 2) throw new AppError('BAD_INPUT', `numPerm must be an integer of at least 2 (got ${numPerm}).`);
  for (let rows = numPerm; rows >= 1; rows--) {
    const b = { bands: Math.floor(numPerm / rows), rows };
    if (candidateProbability(threshold, b) >= minCandidateProbability) return b;
  }
  return { bands: numPerm, rows: 1 };
}

function checkBanding(sig: Uint32Array, { bands, rows }: Banding): void {
  if (!Number.isInteger(bands) || !Number.isInteger(rows) || bands < 1 || rows < 1) {
    throw new AppError('BAD_INPUT', `bands and rows must be positive integers (got ${bands} and ${rows}).`);
  }
  if (bands * rows > sig.length) {
    throw new AppError('BAD_INPUT', `${bands} bands of ${rows} rows need a signature of at least ${bands * rows} values (got ${sig.length}).`);
  }
}

/**
 * Two independent 32-bit hashes of each band's values, written into out[2*band] and out[2*band+1].
 * Two signatures agree on a band exactly when its values are equal (up to hash collisions).
 */
function bandHashes(sig: Uint32Array, { bands, rows }: Banding, out: Uint32Array): void {
  for (let band = 0; band < bands; band++) {
    let h1 = 0x811c9dc5 ^ band;
    let h2 = (0x01000193 + Math.imul(band, 0x27d4eb2f)) >>> 0;
    for (let r = band * rows; r < (band + 1) * rows; r++) {
      const v = sig[r]!;
      h1 = mix32(h1 ^ v);
      h2 = mix32(Math.imul(h2, 0x9e3779b1) + v);
    }
    out[2 * band] = h1;
    out[2 * band + 1] = h2;
  }
}

/**
 * One key per band, for storage (e.g. an indexed SQLite column): `${bands}x${rows}:${band}:${hash}`,
 * where hash is 64 bits (16 hex digits) of that band's signature values. Two signatures share a key
 * exactly when their band values are equal (up to a 2^-64 collision). The banding is part of the key,
 * so keys made under different banding never match; keys are only comparable between signatures
 * made with the same numPerm, seed and shingle kind.
 */
export function lshBandKeys(sig: Uint32Array, banding: Banding): string[] {
  checkBanding(sig, banding);
  const h = new Uint32Array(banding.bands * 2);
  bandHashes(sig, banding, h);
  const keys: string[] = new Array<string>(banding.bands);
  for (let band = 0; band < banding.bands; band++) {
    keys[band] = `${banding.bands}x${banding.rows}:${band}:${hex8(h[2 * band]!)}${hex8(h[2 * band + 1]!)}`;
  }
  return keys;
}

/**
 * The same bands as numbers (53 bits: 32 + 14 bits of hash, 7 bits of band index) for in-memory
 * indexes, where number keys cost far less than strings. A collision here only makes an extra
 * candidate, which the similarity check then rejects.
 */
export function lshBandNumbers(sig: Uint32Array, banding: Banding, out: number[] = []): number[] {
  checkBanding(sig, banding);
  if (banding.bands > 128) throw new AppError('BAD_INPUT', `At most 128 bands (got ${banding.bands}).`);
  const h = new Uint32Array(banding.bands * 2);
  bandHashes(sig, banding, h);
  out.length = banding.bands;
  for (let band = 0; band < banding.bands; band++) {
    out[band] = (h[2 * band + 1]! & 0x3fff) * 2 ** 39 + band * 2 ** 32 + h[2 * band]!;
  }
  return out;
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}
