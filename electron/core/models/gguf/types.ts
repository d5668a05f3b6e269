/**
 * GGUF constants: metadata value types and the ggml tensor types this project knows the block
 * layout of. A tensor of a type missing from GGML_TYPES is refused, because its byte size
 * (and so whether it lies inside the file) cannot be checked.
 */

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as little-endian u32
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

export const VALUE_TYPES = {
  u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9, u64: 10, i64: 11, f64: 12,
} as const;
export type GgufScalarType = Exclude<keyof typeof VALUE_TYPES, 'array'>;
export const VALUE_TYPE_NAMES = new Map<number, keyof typeof VALUE_TYPES>(
  Object.entries(VALUE_TYPES).map(([k, v]) => [v, k as keyof typeof VALUE_TYPES]),
);

export type GgufScalar = number | bigint | boolean | string;
export type GgufValue =
  | { type: GgufScalarType; value: GgufScalar }
  | { type: 'array'; itemType: GgufScalarType; value: GgufScalar[] }
  // Arrays of arrays exist in the format but in no model we load; they are read, not written.
  | { type: 'array'; itemType: 'array'; value: GgufValue[] };

/** ggml tensor types: id → name, elements per block, bytes per block. */
export const GGML_TYPES = {
  F32: { id: 0, blockSize: 1, typeSize: 4 },
  F16: { id: 1, blockSize: 1, typeSize: 2 },
  Q4_0: { id: 2, blockSize: 32, typeSize: 18 },
  Q4_1: { id: 3, blockSize: 32, typeSize: 20 },
  Q5_0: { id: 6, blockSize: 32, typeSize: 22 },
  Q5_1: { id: 7, blockSize: 32, typeSize: 24 },
  Q8_0: { id: 8, blockSize: 32, typeSize: 34 },
  Q8_1: { id: 9, blockSize: 32, typeSize: 36 },
  Q2_K: { id: 10, blockSize: 256, typeSize: 84 },
  Q3_K: { id: 11, blockSize: 256, typeSize: 110 },
  Q4_K: { id: 12, blockSize: 256, typeSize: 144 },
  Q5_K: { id: 13, blockSize: 256, typeSize: 176 },
  Q6_K: { id: 14, blockSize: 256, typeSize: 210 },
  Q8_K: { id: 15, blockSize: 256, typeSize: 292 },
  I8: { id: 24, blockSize: 1, typeSize: 1 },
  I16: { id: 25, blockSize: 1, typeSize: 2 },
  I32: { id: 26, blockSize: 1, typeSize: 4 },
  I64: { id: 27, blockSize: 1, typeSize: 8 },
  F64: { id: 28, blockSize: 1, typeSize: 8 },
  BF16: { id: 30, blockSize: 1, typeSize: 2 },
} as const;
export type GgmlTypeName = keyof typeof GGML_TYPES;
export const GGML_TYPE_BY_ID = new Map<number, GgmlTypeName>(
  Object.entries(GGML_TYPES).map(([k, v]) => [v.id, k as GgmlTypeName]),
);

/** Bytes of a tensor of `type` with dims `ne` (ggml order), or an error text when rows do not fill whole blocks. */
export function tensorByteSize(type: GgmlTypeName, ne: readonly bigint[]): bigint | string {
  const { blockSize, typeSize } = GGML_TYPES[type];
  const ne0 = ne[0] ?? 1n;
  if (ne0 % BigInt(blockSize) !== 0n) return `first dimension ${ne0} is not a multiple of the ${type} block size ${blockSize}`;
  let rows = 1n;
  for (const d of ne.slice(1)) rows *= d;
  return (ne0 / BigInt(blockSize)) * BigInt(typeSize) * rows;
}
