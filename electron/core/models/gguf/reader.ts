import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { AppError } from '../../../shared/errors.js';
import {
  GGML_TYPE_BY_ID, GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, VALUE_TYPE_NAMES, tensorByteSize,
  type GgmlTypeName, type GgufScalar, type GgufScalarType, type GgufValue,
} from './types.js';

/**
 * Limits for a file we did not write. They are far above any real model (Qwen2.5 has ~152k
 * vocabulary strings, ~300 tensors) and far below what would exhaust memory.
 */
export const GGUF_LIMITS = {
  maxTensors: 1_000_000,
  maxKv: 100_000,
  maxKeyBytes: 65_535,
  maxStringBytes: 16 * 1024 * 1024,
  maxArrayItems: 50_000_000,
  maxHeaderBytes: 512 * 1024 * 1024,
  maxDims: 4,
  maxNestedArrayDepth: 2,
};

export interface GgufTensorInfo {
  name: string;
  /** Dimensions in ggml order (ne[0] is the row length). */
  ne: bigint[];
  type: GgmlTypeName;
  /** Offset from the start of the data section. */
  offset: bigint;
  byteSize: bigint;
}

export interface GgufFile {
  path: string;
  version: number;
  metadata: Map<string, GgufValue>;
  tensors: GgufTensorInfo[];
  alignment: number;
  /** Absolute file offset at which tensor data begins. */
  dataOffset: bigint;
  fileSize: bigint;
}

const bad = (path: string, what: string) => new AppError('BAD_INPUT', `Invalid GGUF file ${path}: ${what}`);

/** Reads the file a piece at a time; every read is bounded by the file's size. */
class Cursor {
  private buf = Buffer.alloc(0);
  private bufStart = 0n;
  pos = 0n;
  constructor(private readonly fd: number, readonly size: bigint, private readonly path: string) {}

  private ensure(n: number, field: string): Buffer {
    if (this.pos + BigInt(n) > this.size) {
      throw bad(this.path, `${field} runs past the end of the file (needs ${n} bytes at offset ${this.pos}, file is ${this.size} bytes)`);
    }
    if (this.pos + BigInt(n) > BigInt(GGUF_LIMITS.maxHeaderBytes)) {
      throw bad(this.path, `${field}: header is larger than ${GGUF_LIMITS.maxHeaderBytes} bytes`);
    }
    const rel = Number(this.pos - this.bufStart);
    if (this.pos < this.bufStart || rel + n > this.buf.length) {
      const want = Math.max(n, 1 << 20);
      const avail = Number(this.size - this.pos < BigInt(want) ? this.size - this.pos : BigInt(want));
      this.buf = Buffer.alloc(avail);
      let got = 0;
      while (got < avail) {
        const r = readSync(this.fd, this.buf, got, avail - got, Number(this.pos) + got);
        if (r === 0) throw bad(this.path, `${field}: file ended early while reading`);
        got += r;
      }
      this.bufStart = this.pos;
      return this.buf.subarray(0, n);
    }
    return this.buf.subarray(rel, rel + n);
  }

  take(n: number, field: string): Buffer {
    const b = this.ensure(n, field);
    this.pos += BigInt(n);
    return b;
  }
  u8(f: string) { return this.take(1, f).readUInt8(0); }
  i8(f: string) { return this.take(1, f).readInt8(0); }
  u16(f: string) { return this.take(2, f).readUInt16LE(0); }
  i16(f: string) { return this.take(2, f).readInt16LE(0); }
  u32(f: string) { return this.take(4, f).readUInt32LE(0); }
  i32(f: string) { return this.take(4, f).readInt32LE(0); }
  f32(f: string) { return this.take(4, f).readFloatLE(0); }
  f64(f: string) { return this.take(8, f).readDoubleLE(0); }
  u64(f: string) { return this.take(8, f).readBigUInt64LE(0); }
  i64(f: string) { return this.take(8, f).readBigInt64LE(0); }
  string(f: string, maxBytes: number): string {
    const len = this.u64(`${f} length`);
    if (len > BigInt(maxBytes)) throw bad(this.path, `${f} length ${len} exceeds the limit of ${maxBytes} bytes`);
    const bytes = this.take(Number(len), f);
    const text = bytes.toString('utf8');
    if (!Buffer.from(text, 'utf8').equals(bytes)) throw bad(this.path, `${f} is not valid UTF-8`);
    return text;
  }
}

const SCALAR_SIZES: Record<GgufScalarType, number> = {
  u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, bool: 1, string: 8, u64: 8, i64: 8, f64: 8,
};

function readScalar(c: Cursor, type: GgufScalarType, field: string, path: string): GgufScalar {
  switch (type) {
    case 'u8': return c.u8(field);
    case 'i8': return c.i8(field);
    case 'u16': return c.u16(field);
    case 'i16': return c.i16(field);
    case 'u32': return c.u32(field);
    case 'i32': return c.i32(field);
    case 'f32': return c.f32(field);
    case 'f64': return c.f64(field);
    case 'u64': return c.u64(field);
    case 'i64': return c.i64(field);
    case 'string': return c.string(field, GGUF_LIMITS.maxStringBytes);
    case 'bool': {
      const b = c.u8(field);
      if (b > 1) throw bad(path, `${field} is a bool with value ${b} (must be 0 or 1)`);
      return b === 1;
    }
  }
}

function readValue(c: Cursor, typeId: number, field: string, path: string, depth: number): GgufValue {
  const type = VALUE_TYPE_NAMES.get(typeId);
  if (!type) throw bad(path, `${field} has unknown value type ${typeId}`);
  if (type !== 'array') return { type, value: readScalar(c, type, field, path) };
  if (depth >= GGUF_LIMITS.maxNestedArrayDepth) throw bad(path, `${field} nests arrays deeper than ${GGUF_LIMITS.maxNestedArrayDepth}`);
  const itemTypeId = c.u32(`${field} item type`);
  const itemType = VALUE_TYPE_NAMES.get(itemTypeId);
  if (!itemType) throw bad(path, `${field} has unknown array item type ${itemTypeId}`);
  const count = c.u64(`${field} item count`);
  // Every item takes at least one byte (strings 8, nested arrays 12), so a count larger than the
  // bytes left is a lie; refuse it before allocating anything.
  const minItem = BigInt(itemType === 'array' ? 12 : SCALAR_SIZES[itemType]);
  if (count > BigInt(GGUF_LIMITS.maxArrayItems) || count * minItem > c.size - c.pos) {
    throw bad(path, `${field} claims ${count} items, more than the file can hold`);
  }
  const n = Number(count);
  if (itemType === 'array') {
    const items: GgufValue[] = [];
    for (let i = 0; i < n; i++) items.push(readValue(c, VALUE_TYPES_ARRAY, `${field}[${i}]`, path, depth + 1));
    return { type: 'array', itemType: 'array', value: items };
  }
  const items: GgufScalar[] = new Array(n);
  for (let i = 0; i < n; i++) items[i] = readScalar(c, itemType, `${field}[${i}]`, path);
  return { type: 'array', itemType, value: items };
}
const VALUE_TYPES_ARRAY = 9;

/**
 * Parses and validates a GGUF file's header, metadata and tensor table without reading tensor
 * data. Throws AppError('BAD_INPUT') naming the file and the field at the first problem.
 */
export function readGguf(path: string): GgufFile {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new AppError('BAD_INPUT', `Cannot open GGUF file ${path}: ${(e as Error).message}`);
  }
  try {
    const size = BigInt(fstatSync(fd).size);
    const c = new Cursor(fd, size, path);
    const magic = c.u32('magic');
    if (magic !== GGUF_MAGIC) throw bad(path, `magic is 0x${magic.toString(16)} (expected "GGUF"); this is not a GGUF file`);
    const version = c.u32('version');
    if (version !== 2 && version !== 3) throw bad(path, `version ${version} is not supported (2 or 3)`);
    const nTensors = c.u64('tensor_count');
    if (nTensors > BigInt(GGUF_LIMITS.maxTensors)) throw bad(path, `tensor_count ${nTensors} exceeds ${GGUF_LIMITS.maxTensors}`);
    const nKv = c.u64('metadata_kv_count');
    if (nKv > BigInt(GGUF_LIMITS.maxKv)) throw bad(path, `metadata_kv_count ${nKv} exceeds ${GGUF_LIMITS.maxKv}`);

    const metadata = new Map<string, GgufValue>();
    for (let i = 0; i < Number(nKv); i++) {
      const key = c.string(`metadata key #${i}`, GGUF_LIMITS.maxKeyBytes);
      if (key.length === 0) throw bad(path, `metadata key #${i} is empty`);
      if (metadata.has(key)) throw bad(path, `metadata key "${key}" appears twice`);
      metadata.set(key, readValue(c, c.u32(`metadata "${key}" type`), `metadata "${key}"`, path, 0));
    }

    let alignment = GGUF_DEFAULT_ALIGNMENT;
    const al = metadata.get('general.alignment');
    if (al) {
      if (al.type !== 'u32') throw bad(path, `metadata "general.alignment" must be u32, is ${al.type}`);
      const a = al.value as number;
      if (a === 0 || (a & (a - 1)) !== 0) throw bad(path, `metadata "general.alignment" is ${a}, not a power of two`);
      alignment = a;
    }

    const tensors: GgufTensorInfo[] = [];
    const names = new Set<string>();
    for (let i = 0; i < Number(nTensors); i++) {
      const name = c.string(`tensor #${i} name`, GGUF_LIMITS.maxKeyBytes);
      const field = `tensor "${name}"`;
      if (names.has(name)) throw bad(path, `${field} appears twice`);
      names.add(name);
      const nDims = c.u32(`${field} n_dims`);
      if (nDims < 1 || nDims > GGUF_LIMITS.maxDims) throw bad(path, `${field} has ${nDims} dimensions (1 to ${GGUF_LIMITS.maxDims} allowed)`);
      const ne: bigint[] = [];
      let elements = 1n;
      for (let d = 0; d < nDims; d++) {
        const n = c.u64(`${field} ne[${d}]`);
        if (n === 0n) throw bad(path, `${field} ne[${d}] is 0`);
        elements *= n;
        if (elements > 1n << 62n) throw bad(path, `${field} has more elements than fit in 62 bits`);
        ne.push(n);
      }
      const typeId = c.u32(`${field} type`);
      const type = GGML_TYPE_BY_ID.get(typeId);
      if (!type) throw bad(path, `${field} has unknown or unsupported ggml type ${typeId}`);
      const offset = c.u64(`${field} offset`);
      if (offset % BigInt(alignment) !== 0n) throw bad(path, `${field} offset ${offset} is not a multiple of the alignment ${alignment}`);
      const byteSize = tensorByteSize(type, ne);
      if (typeof byteSize === 'string') throw bad(path, `${field}: ${byteSize}`);
      tensors.push({ name, ne, type, offset, byteSize });
    }

    const a = BigInt(alignment);
    const dataOffset = ((c.pos + a - 1n) / a) * a;
    if (tensors.length > 0 && dataOffset > size) throw bad(path, `data section starts at ${dataOffset}, past the end of the file (${size} bytes)`);
    const dataSize = size - dataOffset;
    const sorted = [...tensors].sort((x, y) => (x.offset < y.offset ? -1 : x.offset > y.offset ? 1 : 0));
    let end = 0n;
    for (const t of sorted) {
      if (t.offset < end) throw bad(path, `tensor "${t.name}" (offset ${t.offset}) overlaps the tensor before it (which ends at ${end})`);
      end = t.offset + t.byteSize;
      if (end > dataSize) {
        throw bad(path, `tensor "${t.name}" data (offset ${t.offset}, ${t.byteSize} bytes) ends past the end of the file; the file is truncated or the tensor table is wrong`);
      }
    }
    return { path, version, metadata, tensors, alignment, dataOffset, fileSize: size };
  } finally {
    closeSync(fd);
  }
}

/** Reads one tensor's raw bytes (already validated to lie inside the file). */
export function readTensorData(file: GgufFile, t: GgufTensorInfo): Buffer {
  const fd = openSync(file.path, 'r');
  try {
    const n = Number(t.byteSize);
    const buf = Buffer.alloc(n);
    let got = 0;
    const start = Number(file.dataOffset + t.offset);
    while (got < n) {
      const r = readSync(fd, buf, got, n - got, start + got);
      if (r === 0) throw bad(file.path, `tensor "${t.name}": file ended early`);
      got += r;
    }
    return buf;
  } finally {
    closeSync(fd);
  }
}

/** Typed metadata accessors that name the key and file when the value is missing or mistyped. */
export function metaString(f: GgufFile, key: string): string {
  const v = f.metadata.get(key);
  if (!v || v.type !== 'string') throw bad(f.path, `metadata "${key}" ${v ? `is ${v.type}, expected string` : 'is missing'}`);
  return v.value as string;
}
export function metaNumber(f: GgufFile, key: string, fallback?: number): number {
  const v = f.metadata.get(key);
  if (!v) {
    if (fallback !== undefined) return fallback;
    throw bad(f.path, `metadata "${key}" is missing`);
  }
  if (v.type === 'array' || v.type === 'string' || v.type === 'bool') throw bad(f.path, `metadata "${key}" is ${v.type}, expected a number`);
  return Number(v.value);
}
