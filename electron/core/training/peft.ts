/**
 * PEFT LoRA adapters (the folder `save_pretrained` writes: adapter_model.safetensors and
 * adapter_config.json) converted to the GGUF LoRA layout llama.cpp / node-llama-cpp load and our
 * native trainer writes (native/src/files.cpp): `<base tensor>.lora_a` with ggml ne [n_in, r] and
 * `.lora_b` with ne [r, n_out], `adapter.lora.alpha` as FLOAT32.
 *
 * PEFT stores lora_A as torch [r, in] and lora_B as [out, r], row-major. ggml's ne is the torch
 * shape reversed (ne[0] is the innermost, contiguous dimension), so the bytes go over unchanged and
 * only the dimension order is reversed, as llama.cpp's convert_lora_to_gguf.py does. The one change
 * of values: llama.cpp's HF converter permutes the rows of q_proj and k_proj for the `llama`
 * architecture (LlamaModel.permute: HF's rotate-half RoPE layout to GGUF's interleaved one), and
 * convert_lora_to_gguf applies that permutation to lora_B (A is untouched); so do we.
 */
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { AppError } from '../../shared/errors.js';
import { halfToFloat, metaNumber, metaString, quantize, readGguf, writeGguf, gv, type GgufTensorInput, type GgufValue } from '../models/gguf/index.js';

export const SAFETENSORS_LIMITS = { maxHeaderBytes: 100 * 1024 * 1024, maxTensors: 100_000 };

const DTYPE_BYTES = { F32: 4, F16: 2, BF16: 2 } as const;
type FloatDtype = keyof typeof DTYPE_BYTES;

export interface SafetensorsTensor {
  name: string;
  dtype: FloatDtype;
  /** torch order: the last dimension is contiguous. */
  shape: number[];
  /** Absolute file offset of the data. */
  start: number;
  byteLength: number;
}

const HeaderEntry = z.object({
  dtype: z.string(),
  shape: z.array(z.number().int().min(0)).max(8),
  data_offsets: z.tuple([z.number().int().min(0), z.number().int().min(0)]),
}).strict();

/** Parses and validates a safetensors header: sizes, offsets inside the file, no overlaps, float dtypes only. */
export function readSafetensorsHeader(path: string): { tensors: SafetensorsTensor[]; metadata: Record<string, string> } {
  const bad = (what: string) => new AppError('BAD_INPUT', `Invalid safetensors file ${path}: ${what}`);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new AppError('BAD_INPUT', `Cannot open ${path}: ${(e as Error).message}`);
  }
  try {
    const size = fstatSync(fd).size;
    if (size < 8) throw bad(`it has ${size} bytes, fewer than the 8-byte header length`);
    const lenBuf = Buffer.alloc(8);
    readSync(fd, lenBuf, 0, 8, 0);
    const headerLen = lenBuf.readBigUInt64LE(0);
    if (headerLen > BigInt(Math.min(SAFETENSORS_LIMITS.maxHeaderBytes, size - 8))) throw bad(`header length ${headerLen} is larger than the file or the ${SAFETENSORS_LIMITS.maxHeaderBytes}-byte limit`);
    const n = Number(headerLen);
    const head = Buffer.alloc(n);
    let got = 0;
    while (got < n) {
      const r = readSync(fd, head, got, n - got, 8 + got);
      if (r === 0) throw bad('file ended inside the header');
      got += r;
    }
    let json: unknown;
    try {
      json = JSON.parse(head.toString('utf8'));
    } catch (e) {
      throw bad(`the header is not JSON (${(e as Error).message})`);
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) throw bad('the header is not a JSON object');
    const dataStart = 8 + n;
    const dataSize = size - dataStart;
    const entries = Object.entries(json as Record<string, unknown>);
    if (entries.length > SAFETENSORS_LIMITS.maxTensors) throw bad(`more than ${SAFETENSORS_LIMITS.maxTensors} tensors`);
    const tensors: SafetensorsTensor[] = [];
    let metadata: Record<string, string> = {};
    for (const [name, value] of entries) {
      if (name === '__metadata__') {
        const m = z.record(z.string(), z.string()).safeParse(value);
        if (!m.success) throw bad('__metadata__ is not a map of strings');
        metadata = m.data;
        continue;
      }
      const e = HeaderEntry.safeParse(value);
      if (!e.success) throw bad(`tensor "${name}": ${e.error.issues.map((i) => `${i.path.join('.') || 'entry'} ${i.message}`).join('; ')}`);
      const { dtype, shape, data_offsets: [begin, end] } = e.data;
      if (!(dtype in DTYPE_BYTES)) throw bad(`tensor "${name}" has dtype ${dtype}; only F32, F16 and BF16 LoRA weights can be converted`);
      const elements = shape.reduce((a, b) => a * b, 1);
      const want = elements * DTYPE_BYTES[dtype as FloatDtype];
      if (end < begin || end - begin !== want) throw bad(`tensor "${name}": data_offsets [${begin}, ${end}] hold ${end - begin} bytes, ${dtype} [${shape.join(', ')}] needs ${want}`);
      if (end > dataSize) throw bad(`tensor "${name}": data ends at ${end}, past the end of the data section (${dataSize} bytes); the file is truncated`);
      tensors.push({ name, dtype: dtype as FloatDtype, shape, start: dataStart + begin, byteLength: want });
    }
    const sorted = [...tensors].sort((a, b) => a.start - b.start);
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1]!;
      if (sorted[i]!.start < prev.start + prev.byteLength) throw bad(`tensor "${sorted[i]!.name}" overlaps tensor "${prev.name}"`);
    }
    return { tensors, metadata };
  } finally {
    closeSync(fd);
  }
}

/** One tensor's values as float32 (F16 and BF16 widened exactly). */
export function readSafetensorsFloats(path: string, t: SafetensorsTensor): Float32Array {
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(t.byteLength);
  try {
    let got = 0;
    while (got < t.byteLength) {
      const r = readSync(fd, buf, got, t.byteLength - got, t.start + got);
      if (r === 0) throw new AppError('BAD_INPUT', `Invalid safetensors file ${path}: tensor "${t.name}": file ended early`);
      got += r;
    }
  } finally {
    closeSync(fd);
  }
  const n = t.byteLength / DTYPE_BYTES[t.dtype];
  const out = new Float32Array(n);
  if (t.dtype === 'F32') for (let i = 0; i < n; i++) out[i] = buf.readFloatLE(i * 4);
  else if (t.dtype === 'F16') for (let i = 0; i < n; i++) out[i] = halfToFloat(buf.readUInt16LE(i * 2));
  else {
    const u = new Uint32Array(1);
    const f = new Float32Array(u.buffer);
    for (let i = 0; i < n; i++) {
      u[0] = buf.readUInt16LE(i * 2) << 16;
      out[i] = f[0]!;
    }
  }
  return out;
}

/** The adapter_config.json fields the conversion depends on; anything it cannot represent is refused. */
export const PeftLoraConfig = z
  .object({
    peft_type: z.literal('LORA', { message: 'must be "LORA" (only LoRA adapters can be converted)' }).optional(),
    r: z.number().int().min(1).max(4096),
    lora_alpha: z.number().positive(),
    target_modules: z.union([z.array(z.string()), z.string()]).nullable().optional(),
    fan_in_fan_out: z.literal(false, { message: 'must be false (Conv1D-style fan_in_fan_out weights are not supported)' }).optional(),
    use_rslora: z.boolean().optional(),
    use_dora: z.literal(false, { message: 'must be false (DoRA magnitude vectors have no GGUF LoRA form)' }).optional(),
    bias: z.literal('none', { message: 'must be "none" (trained biases have no GGUF LoRA form)' }).optional(),
    modules_to_save: z.array(z.string()).max(0, 'must be empty (fully trained modules have no GGUF LoRA form)').nullable().optional(),
    rank_pattern: z.record(z.string(), z.unknown()).refine((x) => Object.keys(x).length === 0, 'must be empty (per-module ranks are not supported)').optional(),
    alpha_pattern: z.record(z.string(), z.unknown()).refine((x) => Object.keys(x).length === 0, 'must be empty (per-module alphas are not supported)').optional(),
    base_model_name_or_path: z.string().nullable().optional(),
  })
  .passthrough();
export type PeftLoraConfig = z.infer<typeof PeftLoraConfig>;

/** PEFT module name → GGUF tensor name part and the LoRA target name our settings use. */
export const PEFT_MODULES = {
  q_proj: { gguf: 'attn_q', target: 'q', block: 'self_attn' },
  k_proj: { gguf: 'attn_k', target: 'k', block: 'self_attn' },
  v_proj: { gguf: 'attn_v', target: 'v', block: 'self_attn' },
  o_proj: { gguf: 'attn_output', target: 'o', block: 'self_attn' },
  gate_proj: { gguf: 'ffn_gate', target: 'gate', block: 'mlp' },
  up_proj: { gguf: 'ffn_up', target: 'up', block: 'mlp' },
  down_proj: { gguf: 'ffn_down', target: 'down', block: 'mlp' },
} as const;
type PeftModule = keyof typeof PEFT_MODULES;
const MODULE_ORDER = Object.keys(PEFT_MODULES) as PeftModule[];

const TENSOR_NAME = /^base_model\.model\.(?:model\.)?layers\.(\d+)\.(self_attn|mlp)\.([a-z_]+)\.lora_([AB])(?:\.default)?\.weight$/;

/** Architectures whose GGUF q/k rows llama.cpp's converter permutes (true) or keeps (false). */
const ROPE_PERMUTE: Record<string, boolean> = { llama: true, qwen2: false, qwen3: false };

/**
 * LlamaModel.permute from llama.cpp's convert_hf_to_gguf on the rows of a [rows, cols] row-major
 * matrix: within each head, rows (i, j) of the [2, half] split go to (j, i).
 */
export function permuteRopeRows(x: Float32Array, rows: number, cols: number, nHead: number): Float32Array {
  const hd = rows / nHead;
  const half = hd / 2;
  if (!Number.isInteger(hd) || !Number.isInteger(half)) throw new AppError('BAD_INPUT', `cannot split ${rows} rows into ${nHead} heads of even size`);
  const out = new Float32Array(x.length);
  for (let h = 0; h < nHead; h++) {
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < half; j++) {
        const src = h * hd + i * half + j;
        const dst = h * hd + 2 * j + i;
        out.set(x.subarray(src * cols, (src + 1) * cols), dst * cols);
      }
    }
  }
  return out;
}

/** A JSON file we did not write, read whole only when it is small (configs and manifests are a few KiB). */
export function readSmallText(path: string, maxBytes = 16 * 1024 * 1024): string {
  const size = statSync(path).size;
  if (size > maxBytes) throw new AppError('BAD_INPUT', `${path} is ${size} bytes, more than the ${maxBytes}-byte limit for this file.`);
  return readFileSync(path, 'utf8');
}

export interface ConvertPeftInput {
  /** The PEFT adapter folder. */
  dir: string;
  /** The base model GGUF the adapter will be applied to: every tensor is checked against it. */
  basePath: string;
  outPath: string;
  outType: 'f32' | 'f16';
  /** Extra string metadata (our provenance keys), written as they are. */
  metadata: Record<string, string>;
  /** When given, the adapter must have been trained with this rank and alpha (the export manifest's). */
  expect?: { rank: number; alpha: number };
}

export interface ConvertPeftResult {
  tensors: number;
  rank: number;
  /** adapter.lora.alpha as written (lora_alpha, times sqrt(r) for rsLoRA). */
  alpha: number;
  /** Our target names (q, k, …) present in the adapter. */
  targets: string[];
  outType: 'f32' | 'f16';
  ropePermuted: boolean;
  safetensorsFile: string;
}

/** Converts a PEFT LoRA folder to a GGUF LoRA adapter for `basePath`, written atomically to `outPath`. */
export function convertPeftAdapter(input: ConvertPeftInput): ConvertPeftResult {
  const cfgPath = join(input.dir, 'adapter_config.json');
  const stPath = join(input.dir, 'adapter_model.safetensors');
  for (const p of [cfgPath, stPath]) {
    if (!existsSync(p)) throw new AppError('NOT_FOUND', `${p} is missing: a PEFT adapter folder holds adapter_config.json and adapter_model.safetensors${existsSync(join(input.dir, 'adapter_model.bin')) ? ' (this one has adapter_model.bin: save it again with safe_serialization=True)' : ''}.`);
  }
  let rawCfg: unknown;
  try {
    rawCfg = JSON.parse(readSmallText(cfgPath));
  } catch (e) {
    throw new AppError('BAD_INPUT', `${cfgPath} is not valid JSON: ${(e as Error).message}`);
  }
  const parsed = PeftLoraConfig.safeParse(rawCfg);
  if (!parsed.success) throw new AppError('BAD_INPUT', `${cfgPath}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'config'} ${i.message}`).join('; ')}`);
  const cfg = parsed.data;
  const rank = cfg.r;
  // llama.cpp scales by alpha / r; rsLoRA scales by lora_alpha / sqrt(r).
  const alpha = cfg.use_rslora ? cfg.lora_alpha * Math.sqrt(rank) : cfg.lora_alpha;
  if (input.expect && (input.expect.rank !== rank || input.expect.alpha !== cfg.lora_alpha)) {
    throw new AppError('BAD_INPUT', `${cfgPath} says r=${rank}, lora_alpha=${cfg.lora_alpha}, but the job manifest says r=${input.expect.rank}, alpha=${input.expect.alpha}: this adapter was not trained with the exported settings.`);
  }

  const base = readGguf(input.basePath);
  const arch = metaString(base, 'general.architecture');
  if (!(arch in ROPE_PERMUTE)) throw new AppError('BAD_INPUT', `Converting PEFT adapters for architecture "${arch}" is not supported (supported: ${Object.keys(ROPE_PERMUTE).join(', ')}).`);
  const permute = ROPE_PERMUTE[arch]!;
  const nHead = metaNumber(base, `${arch}.attention.head_count`);
  const nHeadKv = metaNumber(base, `${arch}.attention.head_count_kv`, nHead);
  const baseTensors = new Map(base.tensors.map((t) => [t.name, t]));
  const targetList = Array.isArray(cfg.target_modules) ? new Set(cfg.target_modules) : null;

  const { tensors } = readSafetensorsHeader(stPath);
  const pairs = new Map<string, { layer: number; module: PeftModule; a?: SafetensorsTensor; b?: SafetensorsTensor }>();
  for (const t of tensors) {
    const m = TENSOR_NAME.exec(t.name);
    if (!m) throw new AppError('BAD_INPUT', `${stPath}: tensor "${t.name}" is not a LoRA A/B weight of a decoder layer's attention or MLP projection (embeddings, lm_head, norms and DoRA magnitudes cannot be converted).`);
    const [, layerText, block, moduleName, ab] = m;
    if (!(moduleName! in PEFT_MODULES) || PEFT_MODULES[moduleName as PeftModule].block !== block) {
      throw new AppError('BAD_INPUT', `${stPath}: tensor "${t.name}" targets ${block}.${moduleName}, which is not one of ${MODULE_ORDER.map((k) => `${PEFT_MODULES[k].block}.${k}`).join(', ')}.`);
    }
    const module = moduleName as PeftModule;
    if (targetList && !targetList.has(module)) throw new AppError('BAD_INPUT', `${stPath}: tensor "${t.name}" targets ${module}, which adapter_config.json's target_modules (${[...targetList].join(', ')}) does not list.`);
    const layer = Number(layerText);
    const key = `${layer}.${module}`;
    const p = pairs.get(key) ?? { layer, module };
    p[ab === 'A' ? 'a' : 'b'] = t;
    pairs.set(key, p);
  }
  if (pairs.size === 0) throw new AppError('BAD_INPUT', `${stPath} holds no LoRA tensors.`);

  const ordered = [...pairs.values()].sort((x, y) => x.layer - y.layer || MODULE_ORDER.indexOf(x.module) - MODULE_ORDER.indexOf(y.module));
  const out: GgufTensorInput[] = [];
  const targets = new Set<string>();
  for (const p of ordered) {
    const prefix = `base_model.model.model.layers.${p.layer}.${PEFT_MODULES[p.module].block}.${p.module}`;
    if (!p.a || !p.b) throw new AppError('BAD_INPUT', `${stPath}: ${prefix} has lora_${p.a ? 'A' : 'B'} but no lora_${p.a ? 'B' : 'A'}.`);
    const baseName = `blk.${p.layer}.${PEFT_MODULES[p.module].gguf}.weight`;
    const bt = baseTensors.get(baseName);
    if (!bt) throw new AppError('BAD_INPUT', `${stPath}: tensor "${p.a.name}" adapts ${baseName}, which the base model ${input.basePath} does not have.`);
    if (bt.ne.length !== 2) throw new AppError('BAD_INPUT', `${input.basePath}: ${baseName} is not a matrix.`);
    const nIn = Number(bt.ne[0]);
    const nOut = Number(bt.ne[1]);
    const shapeError = (t: SafetensorsTensor, want: number[]) =>
      new AppError('BAD_INPUT', `${stPath}: tensor "${t.name}" has shape [${t.shape.join(', ')}], but ${baseName} of the base model (${nIn} in, ${nOut} out, rank ${rank}) needs [${want.join(', ')}].`);
    if (p.a.shape.length !== 2 || p.a.shape[0] !== rank || p.a.shape[1] !== nIn) throw shapeError(p.a, [rank, nIn]);
    if (p.b.shape.length !== 2 || p.b.shape[0] !== nOut || p.b.shape[1] !== rank) throw shapeError(p.b, [nOut, rank]);
    const a = readSafetensorsFloats(stPath, p.a);
    let b = readSafetensorsFloats(stPath, p.b);
    for (const [t, x] of [[p.a, a], [p.b, b]] as const) {
      const i = x.findIndex((v) => !Number.isFinite(v));
      if (i >= 0) throw new AppError('BAD_INPUT', `${stPath}: tensor "${t.name}" has a non-finite value (${x[i]}) at element ${i}.`);
    }
    if (permute && (p.module === 'q_proj' || p.module === 'k_proj')) b = permuteRopeRows(b, nOut, rank, p.module === 'q_proj' ? nHead : nHeadKv);
    const type = input.outType === 'f16' ? 'F16' : 'F32';
    out.push({ name: `${baseName}.lora_a`, ne: [nIn, rank], type, data: quantize(type, a) });
    out.push({ name: `${baseName}.lora_b`, ne: [rank, nOut], type, data: quantize(type, b) });
    targets.add(PEFT_MODULES[p.module].target);
  }

  const meta: Record<string, GgufValue> = {
    'general.type': gv.str('adapter'),
    'general.architecture': gv.str(arch),
    'adapter.type': gv.str('lora'),
    'adapter.lora.alpha': gv.f32(alpha),
  };
  for (const [k, v] of Object.entries(input.metadata)) meta[k] = gv.str(v);
  writeGguf(input.outPath, meta, out);
  return { tensors: out.length, rank, alpha, targets: MODULE_ORDER.map((m) => PEFT_MODULES[m].target).filter((t) => targets.has(t)), outType: input.outType, ropePermuted: permute, safetensorsFile: stPath };
}
