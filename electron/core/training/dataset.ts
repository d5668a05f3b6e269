/**
 * Turns training examples into packed rows for the native trainer. Tokenization and chat
 * templates come from node-llama-cpp (the same code that runs inference), so the trainer sees
 * exactly the tokens the model will see when it is used; the response mask is derived from them.
 */
import type { ChatHistoryItem, ChatWrapper, LlamaModel, Token } from 'node-llama-cpp';
import { z } from 'zod';
import { AppError } from '../../shared/errors.js';

export const TrainingExample = z.discriminatedUnion('kind', [
  /** Plain text: every token after the first is supervised. */
  z.object({ kind: z.literal('text'), text: z.string().min(1) }),
  /** Instruction → response: only the response (and the end-of-sequence token) is supervised. */
  z.object({
    kind: z.literal('instruction'), instruction: z.string().min(1), input: z.string().optional(), response: z.string().min(1), system: z.string().optional(),
  }),
  /** Chat: every assistant message is supervised. */
  z.object({
    kind: z.literal('chat'),
    messages: z.array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() })).min(2)
      .refine((m) => m.some((x) => x.role === 'assistant'), 'a chat example needs at least one assistant message'),
  }),
]);
export type TrainingExample = z.infer<typeof TrainingExample>;

export interface TokenizedExample {
  tokens: number[];
  /** supervised[i]: tokens[i] is a response token the model should learn to produce. */
  supervised: boolean[];
}

export interface PackedRow {
  tokens: Int32Array;
  /** labels[i] = the token to predict at position i (tokens[i+1] of the same example), or -1. */
  labels: Int32Array;
  segments: Int32Array;
}

function commonPrefix(a: readonly Token[], b: readonly Token[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

function toHistory(messages: { role: 'system' | 'user' | 'assistant'; content: string }[]): ChatHistoryItem[] {
  return messages.map((m) =>
    m.role === 'system' ? { type: 'system', text: m.content } : m.role === 'user' ? { type: 'user', text: m.content } : { type: 'model', response: [m.content] });
}

export function tokenizeExample(model: LlamaModel, wrapper: ChatWrapper, ex: TrainingExample): TokenizedExample {
  const bos = model.tokens.bos;
  const eos = model.tokens.eos;
  if (ex.kind === 'text') {
    const tokens = [...(bos !== null ? [bos] : []), ...model.tokenize(ex.text)];
    return { tokens, supervised: tokens.map((_, i) => i > 0) };
  }
  const messages = ex.kind === 'chat' ? ex.messages : [
    ...(ex.system ? [{ role: 'system' as const, content: ex.system }] : []),
    { role: 'user' as const, content: ex.input ? `${ex.instruction}\n\n${ex.input}` : ex.instruction },
    { role: 'assistant' as const, content: ex.response },
  ];
  const render = (history: ChatHistoryItem[]) => wrapper.generateContextState({ chatHistory: history }).contextText.tokenize(model.tokenizer);
  const full = render(toHistory(messages));
  const supervised = full.map(() => false);
  messages.forEach((m, i) => {
    if (m.role !== 'assistant') return;
    const upTo = toHistory(messages.slice(0, i + 1));
    const withAnswer = render(upTo);
    const prompt = render([...upTo.slice(0, -1), { type: 'model', response: [''] }]);
    // The answer's tokens are those after the prompt, as far as this rendering agrees with the full one.
    const start = commonPrefix(prompt, full);
    const end = commonPrefix(withAnswer, full);
    for (let j = start; j < end; j++) supervised[j] = true;
  });
  const tokens: number[] = [...full];
  // Teach the model to stop: the sequence ends with EOS after the last answer.
  if (eos !== null && messages[messages.length - 1]?.role === 'assistant') {
    tokens.push(eos);
    supervised.push(true);
  }
  if (!supervised.some(Boolean)) throw new AppError('BAD_INPUT', 'An example has no response tokens after applying the chat template.');
  return { tokens, supervised };
}

/**
 * Packs examples into rows of at most seqLen tokens, in order (the trainer shuffles rows per epoch).
 * An example longer than seqLen is truncated. Each example keeps its own segment id, so attention and
 * positions never cross examples; labels only point inside the same example.
 */
export function packRows(examples: readonly TokenizedExample[], seqLen: number, pack = true): PackedRow[] {
  const rows: PackedRow[] = [];
  let cur: { tokens: number[]; labels: number[]; segments: number[] } = { tokens: [], labels: [], segments: [] };
  let seg = 0;
  const flush = () => {
    if (cur.labels.some((l) => l >= 0)) rows.push({ tokens: Int32Array.from(cur.tokens), labels: Int32Array.from(cur.labels), segments: Int32Array.from(cur.segments) });
    cur = { tokens: [], labels: [], segments: [] };
    seg = 0;
  };
  for (const ex of examples) {
    const n = Math.min(ex.tokens.length, seqLen);
    if (!pack || cur.tokens.length + n > seqLen) flush();
    for (let i = 0; i < n; i++) {
      cur.tokens.push(ex.tokens[i]!);
      cur.labels.push(i + 1 < n && ex.supervised[i + 1] ? ex.tokens[i + 1]! : -1);
      cur.segments.push(seg);
    }
    seg++;
  }
  flush();
  return rows;
}
