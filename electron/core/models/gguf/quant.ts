/**
 * Reference quantisers for the ggml block formats we generate (F16, Q8_0, Q4_0, Q4_K), written
 * to match ggml-quants.c's block layouts byte for byte, and their dequantisers (used by tests to
 * check a round trip). Speed is not a goal: these run on test and benchmark fixtures only.
 */
import type { GgmlTypeName } from './types.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half from a float, round to nearest even (as ggml's GGML_FP32_TO_FP16 does). */
export function floatToHalf(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half++; // may carry into the exponent, as it should
  return sign | half;
}

export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

const roundHalf = (x: number) => halfToFloat(floatToHalf(x));
/** C's roundf/nearest_int: halves away from zero. */
const nearestInt = (x: number) => (x < 0 ? -Math.round(-x) : Math.round(x));

function quantizeQ8_0(x: Float32Array, out: Buffer): void {
  for (let b = 0, o = 0; b < x.length; b += 32, o += 34) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[b + j]!));
    const d = amax / 127;
    const id = d ? 1 / d : 0;
    out.writeUInt16LE(floatToHalf(d), o);
    for (let j = 0; j < 32; j++) out.writeInt8(nearestInt(x[b + j]! * id), o + 2 + j);
  }
}

function quantizeQ4_0(x: Float32Array, out: Buffer): void {
  for (let b = 0, o = 0; b < x.length; b += 32, o += 18) {
    let amax = 0;
    let max = 0;
    for (let j = 0; j < 32; j++) {
      const v = x[b + j]!;
      if (Math.abs(v) > amax) { amax = Math.abs(v); max = v; }
    }
    const d = max / -8;
    const id = d ? 1 / d : 0;
    out.writeUInt16LE(floatToHalf(d), o);
    for (let j = 0; j < 16; j++) {
      const q0 = Math.min(15, Math.trunc(x[b + j]! * id + 8.5));
      const q1 = Math.min(15, Math.trunc(x[b + 16 + j]! * id + 8.5));
      out[o + 2 + j] = q0 | (q1 << 4);
    }
  }
}

/**
 * Q4_K: super-blocks of 256 = 8 sub-blocks of 32, each with a 6-bit scale and min; values are
 * d*sc*q - dmin*m with q in 0..15. A plain min/max fit per sub-block (ggml's make_qkx2_quants
 * searches a little further, which only changes accuracy, not the layout).
 */
function quantizeQ4_K(x: Float32Array, out: Buffer): void {
  for (let b = 0, o = 0; b < x.length; b += 256, o += 144) {
    const scales = new Float32Array(8);
    const mins = new Float32Array(8);
    for (let s = 0; s < 8; s++) {
      let lo = 0;
      let hi = -Infinity;
      for (let j = 0; j < 32; j++) {
        const v = x[b + s * 32 + j]!;
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      scales[s] = (hi - lo) / 15;
      mins[s] = -lo;
    }
    const maxScale = Math.max(...scales);
    const maxMin = Math.max(...mins);
    const d = roundHalf(maxScale / 63);
    const dmin = roundHalf(maxMin / 63);
    const ls = new Uint8Array(8);
    const lm = new Uint8Array(8);
    for (let s = 0; s < 8; s++) {
      ls[s] = d ? Math.min(63, nearestInt(scales[s]! / d)) : 0;
      lm[s] = dmin ? Math.min(63, nearestInt(mins[s]! / dmin)) : 0;
    }
    out.writeUInt16LE(floatToHalf(d), o);
    out.writeUInt16LE(floatToHalf(dmin), o + 2);
    const sc = new Uint8Array(12);
    for (let j = 0; j < 8; j++) {
      if (j < 4) {
        sc[j] = ls[j]!;
        sc[j + 4] = lm[j]!;
      } else {
        sc[j + 4] = (ls[j]! & 0xf) | ((lm[j]! & 0xf) << 4);
        sc[j - 4]! |= (ls[j]! >> 4) << 6;
        sc[j]! |= (lm[j]! >> 4) << 6;
      }
    }
    out.set(sc, o + 4);
    const L = new Uint8Array(256);
    for (let s = 0; s < 8; s++) {
      const step = d * ls[s]!;
      const m = dmin * lm[s]!;
      for (let j = 0; j < 32; j++) {
        const q = step ? nearestInt((x[b + s * 32 + j]! + m) / step) : 0;
        L[s * 32 + j] = Math.max(0, Math.min(15, q));
      }
    }
    for (let j = 0, q = o + 16; j < 256; j += 64, q += 32) {
      for (let l = 0; l < 32; l++) out[q + l] = L[j + l]! | (L[j + l + 32]! << 4);
    }
  }
}

function scaleMinK4(j: number, q: Buffer, o: number): [number, number] {
  if (j < 4) return [q[o + j]! & 63, q[o + j + 4]! & 63];
  return [(q[o + j + 4]! & 0xf) | ((q[o + j - 4]! >> 6) << 4), (q[o + j + 4]! >> 4) | ((q[o + j]! >> 6) << 4)];
}

export const QUANTIZABLE = ['F32', 'F16', 'Q8_0', 'Q4_0', 'Q4_K'] as const satisfies readonly GgmlTypeName[];
export type QuantizableType = (typeof QUANTIZABLE)[number];

const BLOCK: Record<QuantizableType, [number, number]> = { F32: [1, 4], F16: [1, 2], Q8_0: [32, 34], Q4_0: [32, 18], Q4_K: [256, 144] };

/** Encodes float values (a whole tensor, rows contiguous) as `type`. Length must fill whole blocks. */
export function quantize(type: QuantizableType, x: Float32Array): Buffer {
  const [bs, ts] = BLOCK[type];
  if (x.length % bs !== 0) throw new Error(`${x.length} values do not fill whole ${type} blocks of ${bs}`);
  const out = Buffer.alloc((x.length / bs) * ts);
  switch (type) {
    case 'F32': Buffer.from(x.buffer, x.byteOffset, x.byteLength).copy(out); break;
    case 'F16': for (let i = 0; i < x.length; i++) out.writeUInt16LE(floatToHalf(x[i]!), i * 2); break;
    case 'Q8_0': quantizeQ8_0(x, out); break;
    case 'Q4_0': quantizeQ4_0(x, out); break;
    case 'Q4_K': quantizeQ4_K(x, out); break;
  }
  return out;
}

export function dequantize(type: QuantizableType, data: Buffer, n: number): Float32Array {
  const y = new Float32Array(n);
  switch (type) {
    case 'F32': for (let i = 0; i < n; i++) y[i] = data.readFloatLE(i * 4); break;
    case 'F16': for (let i = 0; i < n; i++) y[i] = halfToFloat(data.readUInt16LE(i * 2)); break;
    case 'Q8_0':
      for (let b = 0, o = 0; b < n; b += 32, o += 34) {
        const d = halfToFloat(data.readUInt16LE(o));
        for (let j = 0; j < 32; j++) y[b + j] = d * data.readInt8(o + 2 + j);
      }
      break;
    case 'Q4_0':
      for (let b = 0, o = 0; b < n; b += 32, o += 18) {
        const d = halfToFloat(data.readUInt16LE(o));
        for (let j = 0; j < 16; j++) {
          const q = data[o + 2 + j]!;
          y[b + j] = ((q & 0xf) - 8) * d;
          y[b + 16 + j] = ((q >> 4) - 8) * d;
        }
      }
      break;
    case 'Q4_K':
      for (let b = 0, o = 0; b < n; b += 256, o += 144) {
        const d = halfToFloat(data.readUInt16LE(o));
        const dmin = halfToFloat(data.readUInt16LE(o + 2));
        let yi = b;
        let is = 0;
        for (let j = 0, q = o + 16; j < 256; j += 64, q += 32, is += 2) {
          const [s1, m1] = scaleMinK4(is, data, o + 4);
          const [s2, m2] = scaleMinK4(is + 1, data, o + 4);
          for (let l = 0; l < 32; l++) y[yi++] = d * s1 * (data[q + l]! & 0xf) - dmin * m1;
          for (let l = 0; l < 32; l++) y[yi++] = d * s2 * (data[q + l]! >> 4) - dmin * m2;
        }
      }
      break;
  }
  return y;
}
