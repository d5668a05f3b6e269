/**
 * Generates LLaMA-family GGUF models with seeded random weights: for tests and benchmarks, and for
 * the demo, which needs a model without a download (it learns its little from the demo data). The
 * files are written on demand into a cache folder (never committed) named by a hash of the
 * configuration, so a changed generator or configuration makes a new file.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gv, quantize, writeGguf, type GgufTensorInput, type GgufValue, type QuantizableType } from '../gguf/index.js';
import { buildVocabulary } from './tokenizer.js';
import { mulberry32 } from '../../common/prng.js';

export type Architecture = 'llama' | 'qwen2' | 'qwen3';

export interface TinyModelConfig {
  arch: Architecture;
  /** Type of the large matrices (embeddings, projections); norms and biases stay F32. */
  baseType: QuantizableType;
  nEmbd: number;
  nLayer: number;
  nHead: number;
  nHeadKv: number;
  nFf: number;
  nCtx: number;
  seed: number;
  /** Standard deviation-ish scale of the projections; larger gives sharper, more varied logits. */
  weightScale: number;
  /** Attention head size when it is not nEmbd / nHead (Qwen3 style); written as key/value_length. */
  headDim?: number;
  /** Llama 3.1-style per-dimension RoPE frequency factors (rope_freqs.weight). */
  ropeFreqs?: boolean;
  /** Linear RoPE scaling factor (rope.scaling.type = linear). */
  ropeScaleLinear?: number;
  /** Domain words given whole-word tokens (see buildVocabulary); absent for the shared test vocabulary. */
  extraWords?: readonly string[];
}

export const TINY: Omit<TinyModelConfig, 'arch' | 'baseType'> = {
  nEmbd: 256, nLayer: 2, nHead: 4, nHeadKv: 2, nFf: 512, nCtx: 1024, seed: 42, weightScale: 1,
};

/** Shapes of real models (vocabulary kept small), for benchmarks. */
export const PRESETS = {
  'smollm2-135m': { arch: 'llama', nEmbd: 576, nLayer: 30, nHead: 9, nHeadKv: 3, nFf: 1536, nCtx: 2048, seed: 1, weightScale: 1 },
  'qwen2.5-0.5b': { arch: 'qwen2', nEmbd: 896, nLayer: 24, nHead: 14, nHeadKv: 2, nFf: 4864, nCtx: 2048, seed: 1, weightScale: 1 },
} as const satisfies Record<string, Omit<TinyModelConfig, 'baseType'>>;

const GENERATOR_VERSION = 2;

/** Deterministic uniform [-1, 1) stream (mulberry32). */
function rng(seed: number) {
  const u32 = mulberry32(seed);
  return () => (u32() / 4294967296) * 2 - 1;
}

/** Q4_K needs rows of 256; like llama.cpp's quantizer, tensors whose rows are not fall back (here to Q4_0). */
function typeFor(base: QuantizableType, rowLength: number): QuantizableType {
  if (base === 'Q4_K' && rowLength % 256 !== 0) return rowLength % 32 === 0 ? 'Q4_0' : 'F16';
  if ((base === 'Q4_0' || base === 'Q8_0') && rowLength % 32 !== 0) return 'F16';
  return base;
}

export function modelCacheDir(): string {
  return resolve(process.env.DATANET_MODEL_CACHE ?? join('test-output', 'models'));
}

export function modelFileName(cfg: TinyModelConfig): string {
  const h = createHash('sha256').update(JSON.stringify({ v: GENERATOR_VERSION, ...cfg })).digest('hex').slice(0, 12);
  return `${cfg.arch}-${cfg.nEmbd}x${cfg.nLayer}-${cfg.baseType.toLowerCase()}-${h}.gguf`;
}

/** Returns the path of the model for `cfg`, generating it first if it is not cached. */
export function ensureModel(cfg: TinyModelConfig, dir = modelCacheDir()): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, modelFileName(cfg));
  if (!existsSync(path)) writeModel(path, cfg);
  return path;
}

export function writeModel(path: string, cfg: TinyModelConfig): void {
  const vocab = buildVocabulary(cfg.extraWords);
  const nVocab = vocab.tokens.length;
  const headDim = cfg.headDim ?? cfg.nEmbd / cfg.nHead;
  const nEmbdQ = headDim * cfg.nHead;
  const nEmbdKv = headDim * cfg.nHeadKv;
  const rand = rng(cfg.seed);
  const tensors: GgufTensorInput[] = [];

  const matrix = (name: string, nIn: number, nOut: number, scale: number) => {
    const x = new Float32Array(nIn * nOut);
    const s = (scale * Math.sqrt(3)) / Math.sqrt(nIn);
    for (let i = 0; i < x.length; i++) x[i] = rand() * s;
    const type = typeFor(cfg.baseType, nIn);
    tensors.push({ name, ne: [nIn, nOut], type, data: quantize(type, x) });
  };
  const vector = (name: string, n: number, center: number, spread: number) => {
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = center + rand() * spread;
    tensors.push({ name, ne: [n], type: 'F32', data: quantize('F32', x) });
  };

  // Embedding entries of ~0.15 keep tied-output logits (qwen2) in a realistic range (std ~2).
  matrix('token_embd.weight', cfg.nEmbd, nVocab, Math.sqrt(cfg.nEmbd) * 0.15);
  for (let l = 0; l < cfg.nLayer; l++) {
    const p = `blk.${l}`;
    vector(`${p}.attn_norm.weight`, cfg.nEmbd, 1, 0.2);
    matrix(`${p}.attn_q.weight`, cfg.nEmbd, nEmbdQ, cfg.weightScale);
    matrix(`${p}.attn_k.weight`, cfg.nEmbd, nEmbdKv, cfg.weightScale);
    matrix(`${p}.attn_v.weight`, cfg.nEmbd, nEmbdKv, cfg.weightScale);
    if (cfg.arch === 'qwen2') {
      vector(`${p}.attn_q.bias`, nEmbdQ, 0, 0.5);
      vector(`${p}.attn_k.bias`, nEmbdKv, 0, 0.5);
      vector(`${p}.attn_v.bias`, nEmbdKv, 0, 0.5);
    }
    if (cfg.arch === 'qwen3') {
      vector(`${p}.attn_q_norm.weight`, headDim, 1, 0.3);
      vector(`${p}.attn_k_norm.weight`, headDim, 1, 0.3);
    }
    matrix(`${p}.attn_output.weight`, nEmbdQ, cfg.nEmbd, cfg.weightScale * 0.5);
    vector(`${p}.ffn_norm.weight`, cfg.nEmbd, 1, 0.2);
    matrix(`${p}.ffn_gate.weight`, cfg.nEmbd, cfg.nFf, cfg.weightScale);
    matrix(`${p}.ffn_up.weight`, cfg.nEmbd, cfg.nFf, cfg.weightScale);
    matrix(`${p}.ffn_down.weight`, cfg.nFf, cfg.nEmbd, cfg.weightScale * 0.5);
  }
  vector('output_norm.weight', cfg.nEmbd, 1, 0.2);
  // qwen2/qwen3 tie the output projection to the token embeddings (no output.weight), as
  // Qwen2.5-0.5B and Qwen3-0.6B do.
  if (cfg.arch === 'llama') matrix('output.weight', cfg.nEmbd, nVocab, 2);
  if (cfg.ropeFreqs) {
    // Llama 3.1's shape: high frequencies unchanged, low frequencies slowed by up to 8x.
    const n = headDim / 2;
    tensors.push({ name: 'rope_freqs.weight', ne: [n], type: 'F32', data: quantize('F32', Float32Array.from({ length: n }, (_, i) => 1 + 7 * Math.max(0, Math.min(1, (i - n / 4) / (n / 2))))) });
  }

  const a = cfg.arch;
  const meta: Record<string, GgufValue> = {
    'general.architecture': gv.str(a),
    'general.name': gv.str(`datanet-test-${a}-${cfg.baseType}`),
    'general.alignment': gv.u32(32),
    [`${a}.context_length`]: gv.u32(cfg.nCtx),
    [`${a}.embedding_length`]: gv.u32(cfg.nEmbd),
    [`${a}.block_count`]: gv.u32(cfg.nLayer),
    [`${a}.feed_forward_length`]: gv.u32(cfg.nFf),
    [`${a}.attention.head_count`]: gv.u32(cfg.nHead),
    [`${a}.attention.head_count_kv`]: gv.u32(cfg.nHeadKv),
    [`${a}.attention.layer_norm_rms_epsilon`]: gv.f32(1e-5),
    [`${a}.rope.freq_base`]: gv.f32(10000),
    [`${a}.rope.dimension_count`]: gv.u32(headDim),
    ...(cfg.headDim ? { [`${a}.attention.key_length`]: gv.u32(headDim), [`${a}.attention.value_length`]: gv.u32(headDim) } : {}),
    ...(cfg.ropeScaleLinear ? { [`${a}.rope.scaling.type`]: gv.str('linear'), [`${a}.rope.scaling.factor`]: gv.f32(cfg.ropeScaleLinear) } : {}),
    'tokenizer.ggml.model': gv.str('llama'),
    'tokenizer.ggml.tokens': gv.arr('string', vocab.tokens),
    'tokenizer.ggml.scores': gv.arr('f32', vocab.scores),
    'tokenizer.ggml.token_type': gv.arr('i32', vocab.types),
    'tokenizer.ggml.bos_token_id': gv.u32(vocab.bos),
    'tokenizer.ggml.eos_token_id': gv.u32(vocab.eos),
    'tokenizer.ggml.unknown_token_id': gv.u32(vocab.unk),
    'tokenizer.ggml.add_bos_token': gv.bool(true),
    'tokenizer.ggml.add_eos_token': gv.bool(false),
  };
  writeGguf(path, meta, tensors);
}
