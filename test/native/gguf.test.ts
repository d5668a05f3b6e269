import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../electron/shared/errors.js';
import { dequantize, encodeGguf, floatToHalf, gv, halfToFloat, quantize, readGguf, readTensorData, writeGguf, type QuantizableType } from '../../electron/core/models/gguf/index.js';

const dir = mkdtempSync(join(tmpdir(), 'gguf-test-'));
let n = 0;
const fresh = () => join(dir, `f${n++}.gguf`);

function seeded(count: number, seed = 1): Float32Array {
  let s = seed >>> 0;
  const x = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = (s / 2 ** 32 - 0.5) * 2;
  }
  return x;
}

function sampleFile(): string {
  const p = fresh();
  writeGguf(p, {
    'general.architecture': gv.str('llama'),
    'general.alignment': gv.u32(64),
    'a.u8': { type: 'u8', value: 200 }, 'a.i8': { type: 'i8', value: -5 }, 'a.u16': { type: 'u16', value: 60000 },
    'a.i16': { type: 'i16', value: -30000 }, 'a.u32': gv.u32(4_000_000_000), 'a.i32': gv.i32(-7), 'a.f32': gv.f32(0.5),
    'a.bool': gv.bool(true), 'a.u64': gv.u64(1n << 40n), 'a.i64': { type: 'i64', value: -(1n << 40n) }, 'a.f64': { type: 'f64', value: Math.PI },
    'a.strs': gv.arr('string', ['x', 'ünïcode', '']), 'a.f32s': gv.arr('f32', [1, 2.5]),
  }, [
    { name: 'w', ne: [64, 3], type: 'F32', data: quantize('F32', seeded(192)) },
    { name: 'q', ne: [256, 2], type: 'Q4_K', data: quantize('Q4_K', seeded(512)) },
  ]);
  return p;
}

test('GGUF round trip keeps every metadata type and tensor bytes, aligned', () => {
  const p = sampleFile();
  const f = readGguf(p);
  assert.equal(f.version, 3);
  assert.equal(f.alignment, 64);
  assert.deepEqual(f.metadata.get('a.u8'), { type: 'u8', value: 200 });
  assert.deepEqual(f.metadata.get('a.i16'), { type: 'i16', value: -30000 });
  assert.deepEqual(f.metadata.get('a.u32'), { type: 'u32', value: 4_000_000_000 });
  assert.deepEqual(f.metadata.get('a.u64'), { type: 'u64', value: 1n << 40n });
  assert.deepEqual(f.metadata.get('a.i64'), { type: 'i64', value: -(1n << 40n) });
  assert.deepEqual(f.metadata.get('a.f64'), { type: 'f64', value: Math.PI });
  assert.deepEqual(f.metadata.get('a.bool'), { type: 'bool', value: true });
  assert.deepEqual(f.metadata.get('a.strs'), { type: 'array', itemType: 'string', value: ['x', 'ünïcode', ''] });
  assert.deepEqual(f.tensors.map((t) => [t.name, t.type, t.ne.map(Number), Number(t.byteSize)]), [['w', 'F32', [64, 3], 768], ['q', 'Q4_K', [256, 2], 288]]);
  assert.equal(f.dataOffset % 64n, 0n);
  for (const t of f.tensors) assert.equal(t.offset % 64n, 0n);
  assert.deepEqual(readTensorData(f, f.tensors[0]!), quantize('F32', seeded(192)));
  assert.deepEqual(readTensorData(f, f.tensors[1]!), quantize('Q4_K', seeded(512)));
});

test('quantisers round trip within the precision of each format', () => {
  const x = seeded(1024, 7);
  const tolerance: Record<QuantizableType, number> = { F32: 0, F16: 1e-3, Q8_0: 1 / 127, Q4_0: 1 / 7, Q4_K: 1 / 7 };
  for (const type of Object.keys(tolerance) as QuantizableType[]) {
    const y = dequantize(type, quantize(type, x), x.length);
    let maxErr = 0;
    for (let i = 0; i < x.length; i++) maxErr = Math.max(maxErr, Math.abs(x[i]! - y[i]!));
    assert.ok(maxErr <= tolerance[type], `${type} max error ${maxErr}`);
  }
  assert.equal(halfToFloat(floatToHalf(1.0009765625)), 1.0009765625);
  assert.equal(halfToFloat(floatToHalf(65504)), 65504);
  assert.equal(halfToFloat(floatToHalf(1e-7)), 1.1920928955078125e-7);
});

function refused(bytes: Buffer, pattern: RegExp) {
  const p = fresh();
  writeFileSync(p, bytes);
  assert.throws(() => readGguf(p), (e: unknown) => {
    assert.ok(e instanceof AppError, `expected AppError, got ${String(e)}`);
    assert.equal(e.code, 'BAD_INPUT');
    assert.ok(e.message.includes(p), `message names the file: ${e.message}`);
    assert.match(e.message, pattern);
    return true;
  });
}

function header(nTensors: bigint, nKv: bigint, rest: Buffer[] = []): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0x46554747, 0);
  h.writeUInt32LE(3, 4);
  h.writeBigUInt64LE(nTensors, 8);
  h.writeBigUInt64LE(nKv, 16);
  return Buffer.concat([h, ...rest]);
}
const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };
const u64 = (v: bigint) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(v); return b; };
const str = (s: string) => Buffer.concat([u64(BigInt(Buffer.byteLength(s))), Buffer.from(s)]);

test('corrupted, truncated and hostile GGUF headers are refused with the file and field named', () => {
  const good = readFileSync(sampleFile());
  refused(Buffer.from('not a gguf at all, just text'), /magic/);
  refused(good.subarray(0, 10), /tensor_count.*past the end/);
  refused(good.subarray(0, good.length - 100), /tensor "q" data.*past the end/);
  const badVersion = Buffer.from(good); badVersion.writeUInt32LE(99, 4);
  refused(badVersion, /version 99/);
  refused(header(1n << 40n, 0n), /tensor_count/);
  refused(header(0n, 1n << 50n), /metadata_kv_count/);
  refused(header(0n, 1n, [u64(1n << 60n)]), /metadata key #0 length/);
  refused(header(0n, 1n, [str('k'), u32(77)]), /"k" has unknown value type 77/);
  refused(header(0n, 1n, [str('k'), u32(9), u32(4), u64(1n << 40n)]), /"k" claims \d+ items/);
  refused(header(0n, 1n, [str('k'), u32(8), u64(1000n), Buffer.from('short')]), /"k" runs past the end/);
  refused(header(0n, 2n, [str('k'), u32(4), u32(1), str('k'), u32(4), u32(1)]), /"k" appears twice/);
  refused(header(0n, 1n, [str('general.alignment'), u32(4), u32(3)]), /alignment.*power of two/);
  refused(header(0n, 1n, [str('b'), u32(7), Buffer.from([2])]), /bool with value 2/);
  refused(header(1n, 0n, [str('t'), u32(9)]), /tensor "t" has 9 dimensions/);
  refused(header(1n, 0n, [str('t'), u32(2), u64(1n << 40n), u64(1n << 40n)]), /more elements than fit/);
  refused(header(1n, 0n, [str('t'), u32(1), u64(4n), u32(99), u64(0n)]), /unknown or unsupported ggml type 99/);
  refused(header(1n, 0n, [str('t'), u32(1), u64(4n), u32(0), u64(7n)]), /offset 7 is not a multiple/);
  refused(header(1n, 0n, [str('t'), u32(1), u64(100n), u32(2), u64(0n)]), /not a multiple of the Q4_0 block size/);
  refused(Buffer.concat([header(1n, 0n, [str('t'), u32(1), u64(1n << 40n), u32(0), u64(0n)]), Buffer.alloc(64)]), /tensor "t" data.*past the end/);
  refused(Buffer.concat([header(2n, 0n, [str('a'), u32(1), u64(16n), u32(0), u64(0n), str('b'), u32(1), u64(16n), u32(0), u64(32n)]), Buffer.alloc(200)]), /"b" \(offset 32\) overlaps/);
});

test('encodeGguf refuses data that does not match the tensor shape', () => {
  assert.throws(() => encodeGguf({}, [{ name: 'x', ne: [32], type: 'Q8_0', data: Buffer.alloc(10) }]), /needs 34/);
});
