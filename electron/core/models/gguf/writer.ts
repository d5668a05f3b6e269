import { writeFileAtomic } from '../../common/atomic-file.js';
import { GGML_TYPES, GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_VERSION, VALUE_TYPES, tensorByteSize, type GgmlTypeName, type GgufScalar, type GgufScalarType, type GgufValue } from './types.js';

export interface GgufTensorInput {
  name: string;
  /** ggml order: ne[0] is the row length. */
  ne: readonly number[];
  type: GgmlTypeName;
  /** Already encoded in `type`'s block layout. */
  data: Uint8Array;
}

/** Shorthands for building metadata with explicit GGUF types. */
export const gv = {
  str: (value: string): GgufValue => ({ type: 'string', value }),
  u32: (value: number): GgufValue => ({ type: 'u32', value }),
  i32: (value: number): GgufValue => ({ type: 'i32', value }),
  f32: (value: number): GgufValue => ({ type: 'f32', value }),
  bool: (value: boolean): GgufValue => ({ type: 'bool', value }),
  u64: (value: bigint): GgufValue => ({ type: 'u64', value }),
  arr: (itemType: GgufScalarType, value: GgufScalar[]): GgufValue => ({ type: 'array', itemType, value }),
};

class Bytes {
  private chunks: Buffer[] = [];
  length = 0;
  push(b: Buffer) { this.chunks.push(b); this.length += b.length; }
  u32(v: number) { const b = Buffer.alloc(4); b.writeUInt32LE(v); this.push(b); }
  u64(v: bigint | number) { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); this.push(b); }
  string(s: string) { const b = Buffer.from(s, 'utf8'); this.u64(b.length); this.push(b); }
  concat() { return Buffer.concat(this.chunks); }
}

function writeScalar(out: Bytes, type: GgufScalarType, v: GgufScalar, key: string): void {
  const b = Buffer.alloc(8);
  const num = () => {
    if (typeof v !== 'number') throw new Error(`metadata "${key}": ${type} needs a number, got ${typeof v}`);
    return v;
  };
  switch (type) {
    case 'u8': b.writeUInt8(num()); out.push(b.subarray(0, 1)); break;
    case 'i8': b.writeInt8(num()); out.push(b.subarray(0, 1)); break;
    case 'u16': b.writeUInt16LE(num()); out.push(b.subarray(0, 2)); break;
    case 'i16': b.writeInt16LE(num()); out.push(b.subarray(0, 2)); break;
    case 'u32': b.writeUInt32LE(num()); out.push(b.subarray(0, 4)); break;
    case 'i32': b.writeInt32LE(num()); out.push(b.subarray(0, 4)); break;
    case 'f32': b.writeFloatLE(num()); out.push(b.subarray(0, 4)); break;
    case 'f64': b.writeDoubleLE(num()); out.push(b); break;
    case 'u64': b.writeBigUInt64LE(BigInt(v as number | bigint)); out.push(b); break;
    case 'i64': b.writeBigInt64LE(BigInt(v as number | bigint)); out.push(b); break;
    case 'bool': b.writeUInt8(v ? 1 : 0); out.push(b.subarray(0, 1)); break;
    case 'string':
      if (typeof v !== 'string') throw new Error(`metadata "${key}": string needs a string`);
      out.string(v);
      break;
  }
}

function writeValue(out: Bytes, key: string, v: GgufValue): void {
  out.u32(VALUE_TYPES[v.type]);
  if (v.type !== 'array') return writeScalar(out, v.type, v.value, key);
  if (v.itemType === 'array') throw new Error(`metadata "${key}": nested arrays are not written`);
  out.u32(VALUE_TYPES[v.itemType]);
  out.u64(v.value.length);
  for (const item of v.value) writeScalar(out, v.itemType, item, key);
}

/** Serialises a GGUF v3 file: header, metadata, tensor table, aligned tensor data. */
export function encodeGguf(metadata: Map<string, GgufValue> | Record<string, GgufValue>, tensors: readonly GgufTensorInput[]): Buffer[] {
  const entries = metadata instanceof Map ? [...metadata] : Object.entries(metadata);
  const alignEntry = entries.find(([k]) => k === 'general.alignment')?.[1];
  const alignment = alignEntry ? Number(alignEntry.value) : GGUF_DEFAULT_ALIGNMENT;
  const head = new Bytes();
  head.u32(GGUF_MAGIC);
  head.u32(GGUF_VERSION);
  head.u64(tensors.length);
  head.u64(entries.length);
  for (const [k, v] of entries) { head.string(k); writeValue(head, k, v); }
  const pad = (n: number) => (alignment - (n % alignment)) % alignment;
  let offset = 0;
  const names = new Set<string>();
  for (const t of tensors) {
    if (names.has(t.name)) throw new Error(`tensor "${t.name}" given twice`);
    names.add(t.name);
    const size = tensorByteSize(t.type, t.ne.map(BigInt));
    if (typeof size === 'string') throw new Error(`tensor "${t.name}": ${size}`);
    if (BigInt(t.data.byteLength) !== size) throw new Error(`tensor "${t.name}": ${t.data.byteLength} bytes of data, ${t.type} [${t.ne.join(', ')}] needs ${size}`);
    head.string(t.name);
    head.u32(t.ne.length);
    for (const d of t.ne) head.u64(d);
    head.u32(GGML_TYPES[t.type].id);
    head.u64(offset);
    offset += t.data.byteLength + pad(t.data.byteLength);
  }
  const parts: Buffer[] = [head.concat()];
  parts.push(Buffer.alloc(pad(head.length)));
  for (const t of tensors) {
    parts.push(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    parts.push(Buffer.alloc(pad(t.data.byteLength)));
  }
  return parts;
}

/** Writes a GGUF v3 file atomically (temp file, fsync, rename). */
export function writeGguf(path: string, metadata: Map<string, GgufValue> | Record<string, GgufValue>, tensors: readonly GgufTensorInput[]): void {
  writeFileAtomic(path, encodeGguf(metadata, tensors));
}
