import type { ChatHistoryItem, LlamaContext, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import { sharedLlama } from './llama.js';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface LoadOptions {
  modelPath: string;
  adapterPath?: string;
  adapterScale?: number;
  /** F32 KV cache and no flash attention: losses that match the trainer's arithmetic. */
  exact?: boolean;
  contextSize?: number;
}

/** Models stay loaded between calls (one base, many adapters); the oldest is dropped past this. */
const MAX_LOADED_MODELS = 2;
const loaded = new Map<string, Promise<LlamaModel>>();

export async function loadModel(modelPath: string): Promise<LlamaModel> {
  let m = loaded.get(modelPath);
  if (m) {
    loaded.delete(modelPath);
    loaded.set(modelPath, m);
    return m;
  }
  m = sharedLlama().then((l) => l.loadModel({ modelPath, gpuLayers: 0 }));
  loaded.set(modelPath, m);
  m.catch(() => loaded.delete(modelPath));
  while (loaded.size > MAX_LOADED_MODELS) {
    const [oldest, p] = loaded.entries().next().value as [string, Promise<LlamaModel>];
    loaded.delete(oldest);
    void p.then((x) => x.dispose()).catch(() => {});
  }
  return m;
}

/** A context on the shared base model with the adapter attached; the caller disposes it. */
export async function openContext(o: LoadOptions): Promise<{ model: LlamaModel; context: LlamaContext }> {
  const model = await loadModel(o.modelPath);
  const context = await model.createContext({
    contextSize: Math.min(o.contextSize ?? 2048, model.trainContextSize),
    threads: Math.max(1, (await import('node:os')).availableParallelism()),
    ...(o.exact ? { flashAttention: false, experimentalKvCacheKeyType: 'F32' as const, experimentalKvCacheValueType: 'F32' as const } : {}),
    ...(o.adapterPath ? { lora: { adapters: [{ filePath: o.adapterPath, scale: o.adapterScale ?? 1 }] } } : {}),
  });
  return { model, context };
}

function toHistory(messages: ChatMessage[]): ChatHistoryItem[] {
  return messages.map((m) =>
    m.role === 'system' ? { type: 'system', text: m.content } : m.role === 'user' ? { type: 'user', text: m.content } : { type: 'model', response: [m.content] },
  );
}

export interface ChatResult {
  text: string;
  promptTokens: number;
  completionTokens: number;
  seconds: number;
  tokensPerSecond: number;
}

/** Sampling and streaming options as node-llama-cpp takes them; a cancel ends the answer where it is. */
function generationOptions(o: Omit<ChatTurn, 'messages'>) {
  return {
    maxTokens: o.maxTokens,
    temperature: o.temperature,
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.signal ? { signal: o.signal, stopOnAbortSignal: true } : {}),
    ...(o.onText ? { onTextChunk: o.onText } : {}),
  };
}

export interface ChatTurn {
  messages: ChatMessage[];
  maxTokens: number;
  temperature: number;
  seed?: number;
  signal?: AbortSignal;
  onText?: (chunk: string) => void;
}

/** One chat turn with the model's own chat template; `onText` streams the answer as it is made. */
export async function chat(o: LoadOptions & ChatTurn): Promise<ChatResult> {
  const { model, context } = await openContext(o);
  try {
    return await chatIn(model, context.getSequence(), o);
  } finally {
    await context.dispose();
  }
}

/** A chat turn on an open sequence (cleared first), so many turns can share one context. */
export async function chatIn(model: LlamaModel, sequence: LlamaContextSequence, o: ChatTurn): Promise<ChatResult> {
  const last = o.messages.at(-1);
  if (!last || last.role !== 'user') throw new Error('the last message must be from the user');
  const { LlamaChatSession, resolveChatWrapper } = await import('node-llama-cpp');
  await sequence.clearHistory();
  const meter = { input: sequence.tokenMeter.usedInputTokens, output: sequence.tokenMeter.usedOutputTokens };
  const session = new LlamaChatSession({ contextSequence: sequence, chatWrapper: resolveChatWrapper(model), autoDisposeSequence: false });
  try {
    session.setChatHistory(toHistory(o.messages.slice(0, -1)));
    const started = performance.now();
    const text = await session.prompt(last.content, generationOptions(o));
    const seconds = (performance.now() - started) / 1000;
    const completionTokens = sequence.tokenMeter.usedOutputTokens - meter.output;
    return {
      text,
      promptTokens: sequence.tokenMeter.usedInputTokens - meter.input,
      completionTokens,
      seconds,
      tokensPerSecond: seconds > 0 ? completionTokens / seconds : 0,
    };
  } finally {
    session.dispose({ disposeSequence: false });
  }
}

/**
 * −log p(tokens[i+1] | tokens[0..i]) for each position, from raw logits (log-softmax taken here;
 * node-llama-cpp's probabilities are post-sampling). The sequence is cleared first.
 */
export async function tokenNll(sequence: LlamaContextSequence, tokens: readonly number[]): Promise<number[]> {
  await sequence.clearHistory();
  {
    const out = await sequence.controlledEvaluate(tokens.map((t) => [t as Token, { generateNext: { logits: true } }] as const));
    const nll: number[] = [];
    for (let i = 0; i + 1 < tokens.length; i++) {
      const logits = out[i]?.next?.logits;
      if (!logits) throw new Error(`no logits at position ${i}`);
      let max = -Infinity;
      for (const v of logits.values()) max = Math.max(max, v);
      let sum = 0;
      for (const v of logits.values()) sum += Math.exp(v - max);
      const target = logits.get(tokens[i + 1]! as Token) ?? -Infinity;
      nll.push(-(target - max - Math.log(sum)));
    }
    return nll;
  }
}

/** Raw text completion (no chat template), for /v1/completions. */
export async function complete(
  o: LoadOptions & { prompt: string; maxTokens: number; temperature: number; seed?: number; signal?: AbortSignal; onText?: (chunk: string) => void },
): Promise<ChatResult> {
  const { LlamaCompletion } = await import('node-llama-cpp');
  const { context } = await openContext(o);
  try {
    const sequence = context.getSequence();
    const completion = new LlamaCompletion({ contextSequence: sequence });
    const started = performance.now();
    const text = await completion.generateCompletion(o.prompt, generationOptions(o));
    const seconds = (performance.now() - started) / 1000;
    const completionTokens = sequence.tokenMeter.usedOutputTokens;
    return { text, promptTokens: sequence.tokenMeter.usedInputTokens, completionTokens, seconds, tokensPerSecond: seconds > 0 ? completionTokens / seconds : 0 };
  } finally {
    await context.dispose();
  }
}
