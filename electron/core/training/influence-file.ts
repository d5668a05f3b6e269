/**
 * The influence file written next to an adapter (`<adapter>.influence`): what TracIn needs to score
 * an answer against every training example without retraining.
 *
 * Layout (little-endian):
 *   8 bytes  magic "DNTINFL1"
 *   u32      header length H
 *   H bytes  header, canonical JSON (InfluenceHeader), then zero padding to a multiple of 4
 *   f32      sketches [checkpoint][example][dim]   (CountSketch of each example's LoRA gradient)
 *   f32      LoRA parameters [checkpoint][param values in header.lora.params order]
 * header.payloadSha256 is the sha256 of everything after the padding.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { z } from 'zod';
import { AppError } from '../../shared/errors.js';
import { canonicalJson } from '../common/canonical-json.js';
import { writeFileAtomic } from '../common/atomic-file.js';

const MAGIC = Buffer.from('DNTINFL1', 'latin1');
export const INFLUENCE_FILE_VERSION = 1;
/** Bucket and sign of each gradient coordinate: splitmix64 of (seed, LoRA tensor index, element). */
export const INFLUENCE_PROJECTION = 'countsketch-splitmix64-v1';

export const InfluenceCheckpoint = z.object({
  /** Optimizer steps done when the gradients were taken. */
  step: z.number().int().min(0),
  /** Mean learning rate over the steps this checkpoint stands for (since the previous one). */
  learningRate: z.number().min(0),
  /** TracIn weight: the sum of those steps' learning rates. */
  weight: z.number().min(0),
});
export type InfluenceCheckpoint = z.infer<typeof InfluenceCheckpoint>;

export const InfluenceHeader = z.object({
  version: z.literal(INFLUENCE_FILE_VERSION),
  projection: z.literal(INFLUENCE_PROJECTION),
  dim: z.number().int().min(1).max(1 << 24),
  seed: z.number().int().min(0).max(2 ** 53),
  /** Each example's gradient is that of its mean loss over its supervised tokens. */
  loss: z.literal('mean-over-supervised-tokens'),
  checkpoints: z.array(InfluenceCheckpoint).min(1),
  totalSteps: z.number().int().min(1),
  /** Training examples in the order given to startTraining. */
  examples: z.number().int().min(1),
  /** Examples that were held out for evaluation (not trained on): their sketches are zero. */
  heldOut: z.array(z.number().int().min(0)),
  /** Examples with no supervised token left after truncation to seqLen: their sketches are zero. */
  unscored: z.array(z.number().int().min(0)),
  seqLen: z.number().int().min(1),
  lora: z.object({
    rank: z.number().int().min(1),
    alpha: z.number(),
    targets: z.number().int().min(1),
    params: z.array(z.object({ name: z.string(), size: z.number().int().min(1) })).min(1),
  }),
  baseModelSha256: z.string(),
  adapterSha256: z.string(),
  payloadSha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type InfluenceHeader = z.infer<typeof InfluenceHeader>;

export interface InfluenceData {
  header: InfluenceHeader;
  /** Per checkpoint: examples × dim floats. */
  sketches: Float32Array[];
  /** Per checkpoint: one array per LoRA tensor, in header.lora.params order. */
  params: Float32Array[][];
}

function bytesOf(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function padded(header: Buffer): number {
  return (MAGIC.length + 4 + header.length + 3) & ~3;
}

/** Writes the file atomically (temp file, fsync, rename). payloadSha256 is computed here. */
export function writeInfluenceFile(path: string, data: { header: Omit<InfluenceHeader, 'payloadSha256'>; sketches: Float32Array[]; params: Float32Array[][] }): void {
  const { header } = data;
  const n = header.examples * header.dim;
  if (data.sketches.length !== header.checkpoints.length || data.sketches.some((s) => s.length !== n)) {
    throw new AppError('INTERNAL', `${path}: sketches do not match ${header.checkpoints.length} checkpoints × ${header.examples} examples × ${header.dim}`);
  }
  if (data.params.length !== header.checkpoints.length || data.params.some((ps) => ps.length !== header.lora.params.length || ps.some((p, i) => p.length !== header.lora.params[i]!.size))) {
    throw new AppError('INTERNAL', `${path}: LoRA parameters do not match the header`);
  }
  const payload = [...data.sketches, ...data.params.flat()].map(bytesOf);
  const hash = createHash('sha256');
  for (const p of payload) hash.update(p);
  const json = Buffer.from(canonicalJson({ ...header, payloadSha256: hash.digest('hex') }), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  const pad = Buffer.alloc(padded(json) - (MAGIC.length + 4 + json.length));
  writeFileAtomic(path, [MAGIC, len, json, pad, ...payload]);
}

function bad(path: string, why: string): AppError {
  return new AppError('BAD_INPUT', `${path}: not a valid influence file (${why}).`);
}

function parseHeader(path: string, buf: Buffer): { header: InfluenceHeader; offset: number } {
  if (buf.length < MAGIC.length + 4 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) throw bad(path, 'wrong magic bytes');
  const len = buf.readUInt32LE(MAGIC.length);
  if (MAGIC.length + 4 + len > buf.length) throw bad(path, `header of ${len} bytes runs past the end of the file`);
  let raw: unknown;
  try {
    raw = JSON.parse(buf.subarray(MAGIC.length + 4, MAGIC.length + 4 + len).toString('utf8'));
  } catch {
    throw bad(path, 'header is not JSON');
  }
  const parsed = InfluenceHeader.safeParse(raw);
  if (!parsed.success) throw bad(path, `header ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return { header: parsed.data, offset: padded(buf.subarray(MAGIC.length + 4, MAGIC.length + 4 + len)) };
}

/** The header only, validated (reads the first bytes, not the payload). */
export function readInfluenceHeader(path: string): InfluenceHeader {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new AppError('NOT_FOUND', `${path}: cannot read the influence file (${(e as Error).message}).`);
  }
  try {
    const head = Buffer.alloc(MAGIC.length + 4);
    const got = readSync(fd, head, 0, head.length, 0);
    if (got < head.length || !head.subarray(0, MAGIC.length).equals(MAGIC)) throw bad(path, 'wrong magic bytes');
    const len = Math.min(head.readUInt32LE(MAGIC.length), fstatSync(fd).size);
    const buf = Buffer.alloc(head.length + len);
    readSync(fd, buf, 0, buf.length, 0);
    return parseHeader(path, buf).header;
  } finally {
    closeSync(fd);
  }
}

/** Reads and validates the whole file: header, sizes, and the payload's sha256. */
export function readInfluenceFile(path: string): InfluenceData {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new AppError('NOT_FOUND', `${path}: cannot read the influence file (${(e as Error).message}).`);
  }
  const { header, offset } = parseHeader(path, buf);
  const nC = header.checkpoints.length;
  const sketchFloats = header.examples * header.dim;
  const paramFloats = header.lora.params.reduce((s, p) => s + p.size, 0);
  const expected = offset + 4 * nC * (sketchFloats + paramFloats);
  if (buf.length !== expected) throw bad(path, `${buf.length} bytes where the header implies ${expected}`);
  const payload = buf.subarray(offset);
  if (createHash('sha256').update(payload).digest('hex') !== header.payloadSha256) throw bad(path, 'payload checksum mismatch: the file is damaged');
  // Copy into an aligned buffer (a Float32Array view needs a 4-byte aligned offset).
  const floats = new Float32Array(payload.length / 4);
  new Uint8Array(floats.buffer).set(payload);
  const sketches: Float32Array[] = [];
  const params: Float32Array[][] = [];
  let o = 0;
  for (let c = 0; c < nC; c++, o += sketchFloats) sketches.push(floats.subarray(o, o + sketchFloats));
  for (let c = 0; c < nC; c++) {
    params.push(header.lora.params.map((p) => {
      const a = floats.subarray(o, o + p.size);
      o += p.size;
      return a;
    }));
  }
  return { header, sketches, params };
}

/** Evenly spaced TracIn checkpoint steps in (start, total], the last one being the final step. */
export function influenceCheckpointSteps(total: number, count: number, start = 0): number[] {
  const steps = new Set<number>();
  for (let c = 1; c <= count; c++) steps.add(Math.max(1, Math.round((total * c) / count)));
  return [...steps].filter((s) => s > start).sort((a, b) => a - b);
}
