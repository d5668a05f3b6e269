/** Real node-llama-cpp inference for tests: one Llama instance per process, exact token losses. */
import { getLlama, LlamaLogLevel, type Llama, type LlamaModel } from 'node-llama-cpp';
import { tokenNll as coreTokenNll } from '../../../electron/core/inference/engine.js';

let llamaPromise: Promise<Llama> | undefined;
export function sharedLlama(): Promise<Llama> {
  llamaPromise ??= getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
  return llamaPromise;
}

const models = new Map<string, Promise<LlamaModel>>();
export async function loadModel(modelPath: string): Promise<LlamaModel> {
  let m = models.get(modelPath);
  if (!m) {
    m = sharedLlama().then((l) => l.loadModel({ modelPath, gpuLayers: 0 }));
    models.set(modelPath, m);
  }
  return m;
}

export async function disposeModels(): Promise<void> {
  for (const m of models.values()) await (await m).dispose();
  models.clear();
}

/**
 * Negative log-likelihood of each token tokens[i+1] given tokens[0..i], from node-llama-cpp's raw
 * logits (log-softmax taken here, since its `probabilities` are post-sampling).
 */
export async function tokenNll(
  modelPath: string, tokens: readonly number[], opts: { lora?: { filePath: string; scale?: number }; exact?: boolean } = {},
): Promise<number[]> {
  const { lora } = opts;
  const model = await loadModel(modelPath);
  const ctx = await model.createContext({
    contextSize: Math.max(64, tokens.length + 8), batchSize: Math.max(64, tokens.length + 8), threads: 2,
    // Exact arithmetic for comparisons: node-llama-cpp's default F16 KV cache (and flash attention)
    // round K, V and Q to half precision, which the trainer (F32 attention, for backward) does not.
    ...(opts.exact ? { flashAttention: false, experimentalKvCacheKeyType: 'F32' as const, experimentalKvCacheValueType: 'F32' as const } : {}),
    ...(lora ? { lora: { adapters: [{ filePath: lora.filePath, scale: lora.scale ?? 1 }] } } : {}),
  });
  try {
    return await coreTokenNll(ctx.getSequence(), tokens);
  } finally {
    await ctx.dispose();
  }
}

export const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
