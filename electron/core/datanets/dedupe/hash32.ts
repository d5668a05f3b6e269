/**
 * 32-bit hashing helpers used by shingling and banding. Plain Math.imul arithmetic: no BigInt,
 * no allocation, so the hot loops stay in small-integer territory for V8.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a over the UTF-16 code units of s[start, end). */
export function fnv1a32(s: string, start = 0, end = s.length, seed = FNV_OFFSET): number {
  let h = seed >>> 0;
  for (let i = start; i < end; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/** The murmur3 finaliser: spreads every input bit over every output bit. */
export function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Order-sensitive combination of two 32-bit hashes (boost::hash_combine style, then mixed). */
export function combine32(a: number, b: number): number {
  return mix32((a ^ (b + 0x9e3779b9 + (a << 6) + (a >>> 2))) >>> 0);
}

