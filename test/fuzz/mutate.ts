/** Seeded byte- and text-level mutations of valid inputs (AFL-style havoc, small and deterministic). */
import { mulberry32 } from '../../electron/core/common/prng';

export type Rand = () => number;
export const rng = (seed: number) => {
  const next = mulberry32(seed);
  return () => next() / 2 ** 32;
};
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: Rand, n: number) => Math.floor(r() * n);

const INTERESTING_32 = [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];
const TOKENS = ['{', '}', '[', ']', '"', ',', ':', '\\', '\n', '\r\n', '\0', 'null', '-1', '1e309', '"\\ud800"', '\u202e', 'é', '%PDF', 'PK\x03\x04', 'obj', 'endobj', 'stream', '<w:p>', '</w:t>', '#', '|'];

function havocOnce(r: Rand, b: Buffer, donor: Buffer): Buffer {
  const at = b.length ? int(r, b.length) : 0;
  switch (int(r, 9)) {
    case 0: { // flip a bit
      if (!b.length) return b;
      const c = Buffer.from(b);
      c[at] = c[at]! ^ (1 << int(r, 8));
      return c;
    }
    case 1: { // a byte set to an edge value
      if (!b.length) return b;
      const c = Buffer.from(b);
      c[at] = pick(r, [0, 1, 0x7f, 0x80, 0xff]);
      return c;
    }
    case 2: { // a 32- or 64-bit little-endian field set to an edge value (sizes, counts, offsets)
      if (b.length < 8) return b;
      const c = Buffer.from(b);
      const o = int(r, b.length - 7);
      if (r() < 0.5) c.writeUInt32LE(pick(r, INTERESTING_32), o);
      else c.writeBigUInt64LE(pick(r, [0n, 1n, 0xffffffffn, 1n << 32n, 1n << 62n, (1n << 64n) - 1n]), o);
      return c;
    }
    case 3: // truncate
      return b.subarray(0, at);
    case 4: { // delete a range
      const n = 1 + int(r, Math.max(1, Math.min(64, b.length - at)));
      return Buffer.concat([b.subarray(0, at), b.subarray(at + n)]);
    }
    case 5: { // duplicate a range
      const n = 1 + int(r, 256);
      return Buffer.concat([b.subarray(0, at), b.subarray(at, at + n), b.subarray(at)]);
    }
    case 6: // insert a syntax token of one of the formats
      return Buffer.concat([b.subarray(0, at), Buffer.from(pick(r, TOKENS), 'latin1'), b.subarray(at)]);
    case 7: { // splice in part of another valid input
      const from = donor.length ? int(r, donor.length) : 0;
      return Buffer.concat([b.subarray(0, at), donor.subarray(from, from + 1 + int(r, 512)), b.subarray(at)]);
    }
    default: { // random bytes
      const n = 1 + int(r, 32);
      return Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: n }, () => int(r, 256))), b.subarray(at)]);
    }
  }
}

/** One to eight stacked mutations of a seed input; never returns the seed unchanged. */
export function mutate(r: Rand, seed: Buffer, donor: Buffer): Buffer {
  let out = seed;
  const n = 1 + int(r, 8);
  for (let i = 0; i < n || out.equals(seed); i++) out = havocOnce(r, out, donor);
  return out;
}

/** A random JSON value, with the given object keys likely (so inputs get past the first check). */
export function randomJson(r: Rand, keys: readonly string[], depth = 0): unknown {
  switch (int(r, depth > 2 ? 6 : 8)) {
    case 0: return null;
    case 1: return r() < 0.5;
    case 2: return pick(r, [0, -1, 1, 2 ** 53, -(2 ** 53), 1.5, Number.MAX_VALUE, 1e-300]);
    case 3: return pick(r, ['', 'x', 'a'.repeat(5000), '0x', `0x${'ab'.repeat(32)}`, 'dn_0123456789abcdef', '../../etc/passwd', '\u0000', '☃', 'NaN']);
    case 4: return int(r, 1000);
    case 5: return pick(r, keys.length ? keys : ['x']);
    case 6: return Array.from({ length: int(r, 4) }, () => randomJson(r, keys, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = int(r, 5); i > 0; i--) o[r() < 0.8 && keys.length ? pick(r, keys) : pick(r, ['__proto__', 'constructor', 'extra', ''])] = randomJson(r, keys, depth + 1);
      return o;
    }
  }
}
