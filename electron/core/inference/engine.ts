import type { ChatHistoryItem, ChatWrapper, LlamaContext, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import { availableParallelism } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { sharedLlama } from './llama.js';
import { contextClosed, contextOpened, loadedAdapters, loraMap, modelDropped, modelReady } from './memory-status.js';

export { loadedAdapters };
import { answerBudget } from './context-fit.js';

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
  m.then((model) => {
    // Only settled models are shown in the status (a promise cannot be read synchronously).
    if (loaded.get(modelPath) === m) modelReady(modelPath, model);
  }, () => loaded.delete(modelPath));
  while (loaded.size > MAX_LOADED_MODELS) {
    const [oldest, p] = loaded.entries().next().value as [string, Promise<LlamaModel>];
    loaded.delete(oldest);
    modelDropped(oldest);
    void p.then((x) => x.dispose()).catch(() => {});
  }
  return m;
}

/**
 * Adapters kept loaded per base model. node-llama-cpp keeps every adapter a context ever used until
 * the model is unloaded and has no public way to drop one, so idle adapters past this number are
 * released, least recently used first, through its (pinned-version) adapter map.
 */
export const MAX_LOADED_ADAPTERS = Number(process.env.DATANET_MAX_LOADED_ADAPTERS ?? 16);

/** Per model and adapter file: when it was last asked for, and how many open contexts use it. */
const adapterUse = new WeakMap<LlamaModel, Map<string, { lastUsed: number; open: number }>>();
const usesOf = (model: LlamaModel) => {
  let m = adapterUse.get(model);
  if (!m) adapterUse.set(model, (m = new Map()));
  return m;
};


export async function releaseIdleAdapters(model: LlamaModel, keep = MAX_LOADED_ADAPTERS): Promise<void> {
  const loaded = loraMap(model);
  if (!loaded || loaded.size <= keep) return;
  const uses = usesOf(model);
  // node-llama-cpp's own usage counter only ever grows, so "idle" is judged by our open contexts.
  const idle = [...loaded.entries()]
    .filter(([path]) => (uses.get(path)?.open ?? 0) === 0)
    .sort((a, b) => (uses.get(a[0])?.lastUsed ?? 0) - (uses.get(b[0])?.lastUsed ?? 0));
  for (const [path, lora] of idle) {
    if (loaded.size <= keep) break;
    loaded.delete(path);
    uses.delete(path);
    await lora.dispose();
  }
}

/** A context on the shared base model with the adapter attached; the caller disposes it with close(). */
export async function openContext(o: LoadOptions): Promise<{ model: LlamaModel; context: LlamaContext; close(): Promise<void> }> {
  const model = await loadModel(o.modelPath);
  const adapterKey = o.adapterPath ? resolvePath(o.adapterPath) : null;
  if (adapterKey) {
    const use = usesOf(model).get(adapterKey) ?? { lastUsed: 0, open: 0 };
    usesOf(model).set(adapterKey, { lastUsed: performance.now(), open: use.open + 1 });
  }
  const release = () => {
    const use = adapterKey ? usesOf(model).get(adapterKey) : undefined;
    if (use) use.open = Math.max(0, use.open - 1);
  };
  let context: LlamaContext;
  try {
    contextOpened();
    context = await model.createContext({
      contextSize: contextSizeFor(model, o),
      threads: Math.max(1, availableParallelism()),
      ...(o.exact ? { flashAttention: false, experimentalKvCacheKeyType: 'F32' as const, experimentalKvCacheValueType: 'F32' as const } : {}),
      ...(o.adapterPath ? { lora: { adapters: [{ filePath: o.adapterPath, scale: o.adapterScale ?? 1 }] } } : {}),
    });
  } catch (e) {
    contextClosed();
    release();
    throw e;
  }
  return {
    model,
    context,
    async close() {
      await context.dispose();
      contextClosed();
      release();
      await releaseIdleAdapters(model);
    },
  };
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
  /** With fitContext: 'length' when the answer stopped at maxTokens (after capping it to the context). */
  finishReason?: 'stop' | 'length';
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
  /**
   * Refuse a prompt that leaves the context no room (PromptTooLong, before any work) and cap
   * maxTokens at the room left, instead of node-llama-cpp's silent dropping of the prompt's start
   * and context shifts; promptTokens is then the prompt as the model sees it (its chat template).
   */
  fitContext?: boolean;
}

/** One chat turn with the model's own chat template; `onText` streams the answer as it is made. */
export async function chat(o: LoadOptions & ChatTurn): Promise<ChatResult> {
  if (o.fitContext) {
    // A prompt that cannot fit is refused before a context (its KV cache) is made for it.
    const model = await loadModel(o.modelPath);
    const { resolveChatWrapper } = await import('node-llama-cpp');
    answerBudget({ promptTokens: chatPromptTokens(model, resolveChatWrapper(model), o.messages), contextSize: contextSizeFor(model, o), maxTokens: o.maxTokens });
  }
  const { model, context, close } = await openContext(o);
  try {
    return await chatIn(model, context.getSequence(), o);
  } finally {
    await close();
  }
}

/** A chat turn on an open sequence (cleared first), so many turns can share one context. */
export async function chatIn(model: LlamaModel, sequence: LlamaContextSequence, o: ChatTurn): Promise<ChatResult> {
  const last = o.messages.at(-1);
  if (!last || last.role !== 'user') throw new Error('the last message must be from the user');
  const { LlamaChatSession, resolveChatWrapper } = await import('node-llama-cpp');
  await sequence.clearHistory();
  const meter = { input: sequence.tokenMeter.usedInputTokens, output: sequence.tokenMeter.usedOutputTokens };
  const chatWrapper = resolveChatWrapper(model);
  const session = new LlamaChatSession({ contextSequence: sequence, chatWrapper, autoDisposeSequence: false });
  try {
    session.setChatHistory(toHistory(o.messages.slice(0, -1)));
    // The session renders the history, the new user turn and an open answer turn: that is the prompt.
    const promptTokens = o.fitContext ? chatPromptTokens(model, chatWrapper, o.messages) : null;
    const maxTokens = promptTokens === null ? o.maxTokens : answerBudget({ promptTokens, contextSize: sequence.contextSize, maxTokens: o.maxTokens });
    const started = performance.now();
    const { responseText: text, stopReason } = await session.promptWithMeta(last.content, generationOptions({ ...o, maxTokens }));
    const seconds = (performance.now() - started) / 1000;
    const completionTokens = sequence.tokenMeter.usedOutputTokens - meter.output;
    return {
      text,
      promptTokens: promptTokens ?? sequence.tokenMeter.usedInputTokens - meter.input,
      completionTokens,
      seconds,
      tokensPerSecond: seconds > 0 ? completionTokens / seconds : 0,
      ...(o.fitContext ? { finishReason: stopReason === 'maxTokens' ? ('length' as const) : ('stop' as const) } : {}),
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
export async function complete(o: LoadOptions & Omit<ChatTurn, 'messages'> & { prompt: string }): Promise<ChatResult> {
  const { LlamaCompletion } = await import('node-llama-cpp');
  if (o.fitContext) {
    const model = await loadModel(o.modelPath);
    answerBudget({ promptTokens: await completionPromptTokens(model, o.prompt), contextSize: contextSizeFor(model, o), maxTokens: o.maxTokens });
  }
  const { model, context, close } = await openContext(o);
  try {
    const sequence = context.getSequence();
    const completion = new LlamaCompletion({ contextSequence: sequence });
    const promptTokens = o.fitContext ? await completionPromptTokens(model, o.prompt) : null;
    const maxTokens = promptTokens === null ? o.maxTokens : answerBudget({ promptTokens, contextSize: sequence.contextSize, maxTokens: o.maxTokens });
    const started = performance.now();
    const { response: text, metadata } = await completion.generateCompletionWithMeta(o.prompt, {
      ...generationOptions({ ...o, maxTokens }),
      // A fitted prompt may use the whole context: node-llama-cpp keeps a shift's worth (a tenth) free by default.
      ...(o.fitContext ? { contextShiftSize: 1 } : {}),
    });
    const seconds = (performance.now() - started) / 1000;
    const completionTokens = sequence.tokenMeter.usedOutputTokens;
    return {
      text,
      promptTokens: promptTokens ?? sequence.tokenMeter.usedInputTokens,
      completionTokens,
      seconds,
      tokensPerSecond: seconds > 0 ? completionTokens / seconds : 0,
      ...(o.fitContext ? { finishReason: metadata.stopReason === 'maxTokens' ? ('length' as const) : ('stop' as const) } : {}),
    };
  } finally {
    await close();
  }
}

/** The context a generation gets: the asked size (2048 unless said), at most what the model was trained for. */
const contextSizeFor = (model: LlamaModel, o: LoadOptions) => Math.min(o.contextSize ?? 2048, model.trainContextSize);

/** A chat's prompt tokens as LlamaChatSession evaluates them: the history, the new user turn and an open answer turn, rendered by the chat template. */
const chatPromptTokens = (model: LlamaModel, chatWrapper: ChatWrapper, messages: ChatMessage[]) =>
  chatWrapper.generateContextState({ chatHistory: [...toHistory(messages), { type: 'model', response: [] }] }).contextText.tokenize(model.tokenizer).length;

/**
 * A raw prompt's tokens as LlamaCompletion evaluates them: with the beginning-of-text token it
 * prepends (its rule for when, from node-llama-cpp's tokenizerUtils, which the package does not export).
 */
async function completionPromptTokens(model: LlamaModel, prompt: string): Promise<number> {
  const { LlamaVocabularyType } = await import('node-llama-cpp');
  const type = model.vocabularyType;
  const bos =
    type === LlamaVocabularyType.rwkv || type === LlamaVocabularyType.ugm
      ? null
      : type === LlamaVocabularyType.wpm || model.tokens.shouldPrependBosToken
        ? model.tokens.bos
        : null;
  return (bos === null ? 0 : 1) + model.tokenize(prompt, false, bos === null ? undefined : 'trimLeadingSpace').length;
}
