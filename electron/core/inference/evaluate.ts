import type { TrainingExample } from '../training/dataset.js';
import { tokenizeExample } from '../training/dataset.js';
import { chatIn, openContext, tokenNll, type LoadOptions } from './engine.js';

export interface Evaluation {
  examples: number;
  /** Mean negative log-likelihood per response token, exact from logits. */
  loss: number;
  perplexity: number;
  tokens: number;
  /** Instruction examples only: greedy answers equal to / containing the reference response. */
  instructionExamples: number;
  exactMatch: number | null;
  containsAnswer: number | null;
}

const normalize = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();

/**
 * Held-out loss and perplexity of examples under a model (with or without an adapter), scored on
 * exactly the tokens training supervises, plus answer accuracy for instruction examples.
 */
export async function evaluateExamples(o: LoadOptions & { examples: TrainingExample[]; signal?: AbortSignal; onProgress?: (done: number) => void; accuracy?: boolean }): Promise<Evaluation> {
  const { resolveChatWrapper } = await import('node-llama-cpp');
  const { model, context, close } = await openContext({ ...o, exact: true });
  let sum = 0;
  let tokens = 0;
  const instructions = o.examples.filter((e): e is Extract<TrainingExample, { kind: 'instruction' }> => e.kind === 'instruction');
  const measured = o.accuracy !== false && instructions.length > 0;
  let exact = 0;
  let contains = 0;
  try {
    const wrapper = resolveChatWrapper(model);
    const sequence = context.getSequence();
    for (const [i, ex] of o.examples.entries()) {
      if (o.signal?.aborted) throw new Error('cancelled');
      const t = tokenizeExample(model, wrapper, ex);
      const nll = await tokenNll(sequence, t.tokens);
      for (let k = 0; k + 1 < t.tokens.length; k++) {
        if (t.supervised[k + 1]) {
          sum += nll[k]!;
          tokens++;
        }
      }
      o.onProgress?.(i + 1);
    }
    for (const ex of measured ? instructions : []) {
      if (o.signal?.aborted) throw new Error('cancelled');
      const content = ex.input ? `${ex.instruction}\n\n${ex.input}` : ex.instruction;
      const reference = model.tokenize(ex.response).length;
      const answer = await chatIn(model, sequence, { messages: [{ role: 'user', content }], maxTokens: reference + 4, temperature: 0 });
      if (normalize(answer.text) === normalize(ex.response)) exact++;
      if (normalize(answer.text).includes(normalize(ex.response))) contains++;
    }
  } finally {
    await close();
  }
  const loss = tokens ? sum / tokens : Number.NaN;
  return {
    examples: o.examples.length,
    loss,
    perplexity: Math.exp(loss),
    tokens,
    instructionExamples: instructions.length,
    exactMatch: measured ? exact / instructions.length : null,
    containsAnswer: measured ? contains / instructions.length : null,
  };
}
