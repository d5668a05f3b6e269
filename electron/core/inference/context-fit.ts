/**
 * How much answer a prompt leaves room for. node-llama-cpp keeps one context cell free, drops the
 * start of a prompt that does not fit (without saying so) and, once the context fills during an
 * answer, shifts it and goes on; a served answer must instead refuse a prompt that leaves no room
 * and end where the context ends.
 */

/** The prompt, as the model sees it, leaves no room in the context for an answer. */
export class PromptTooLong extends Error {
  constructor(
    readonly promptTokens: number,
    /** The most tokens prompt and answer may take together. */
    readonly maxContextTokens: number,
  ) {
    super(`The prompt is ${promptTokens} tokens and this model's context holds at most ${maxContextTokens}, prompt and answer together.`);
    this.name = 'PromptTooLong';
  }
}

/** The most tokens prompt and answer may take together in a context of `contextSize` cells. */
export const maxContextTokens = (contextSize: number) => contextSize - 1;

/** maxTokens capped at the room the prompt leaves; throws PromptTooLong when it leaves none. */
export function answerBudget(o: { promptTokens: number; contextSize: number; maxTokens: number }): number {
  const room = maxContextTokens(o.contextSize) - o.promptTokens;
  if (room < 1) throw new PromptTooLong(o.promptTokens, maxContextTokens(o.contextSize));
  return Math.min(o.maxTokens, room);
}
