import { z } from 'zod';

/** The parts of OpenAI's request bodies this server honours; unknown fields are ignored, as OpenAI does. */
const Content = z.union([z.string(), z.array(z.object({ type: z.string(), text: z.string().optional() }).passthrough())]);

export const ChatCompletionRequest = z.object({
  model: z.string().min(1),
  messages: z
    .array(z.object({ role: z.enum(['system', 'user', 'assistant', 'developer']), content: Content }).passthrough())
    .min(1)
    .max(200),
  stream: z.boolean().optional(),
  max_tokens: z.number().int().min(1).max(8192).optional(),
  max_completion_tokens: z.number().int().min(1).max(8192).optional(),
  temperature: z.number().min(0).max(2).optional(),
  seed: z.number().int().optional(),
});
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

export const CompletionRequest = z.object({
  model: z.string().min(1),
  prompt: z.string().max(200_000),
  stream: z.boolean().optional(),
  max_tokens: z.number().int().min(1).max(8192).optional(),
  temperature: z.number().min(0).max(2).optional(),
  seed: z.number().int().optional(),
});
export type CompletionRequest = z.infer<typeof CompletionRequest>;

/** Message content as plain text: OpenAI content parts keep only their text. */
export const textOf = (c: z.infer<typeof Content>) => (typeof c === 'string' ? c : c.map((p) => p.text ?? '').join(''));
