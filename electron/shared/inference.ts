import { z } from 'zod';
import { Hash32 } from './common';
import { JobRef } from './jobs';
import { SnapshotId } from './curation';
import { ModelId } from './models';
import { AdapterId } from './training';
import { ChatRole } from './datanets';

/** Which base model: a registered one, a GGUF path, or (with an adapter) the base it was trained on. */
const ModelChoice = {
  modelId: ModelId.optional(),
  modelPath: z.string().min(1).optional(),
  adapterId: AdapterId.optional(),
  adapterScale: z.number().min(0).max(4).default(1),
};
const oneModel = (i: { modelId?: string; modelPath?: string; adapterId?: string }) =>
  [i.modelId, i.modelPath].filter((x) => x !== undefined).length + (i.adapterId ? 1 : 0) >= 1 && !(i.modelId && i.modelPath);

export const ChatAnswer = z.object({
  text: z.string(),
  promptTokens: z.number().int(),
  completionTokens: z.number().int(),
  seconds: z.number(),
  tokensPerSecond: z.number(),
  modelPath: z.string(),
  adapterId: AdapterId.nullable(),
  /** The attribution receipt of an adapter's answer, when automatic receipts are on. */
  receiptDigest: Hash32.nullable().optional(),
  /** Stop ended the answer early: `text` is what was generated until then (the job itself reads cancelled). */
  stopped: z.boolean().optional(),
});
export type ChatAnswer = z.infer<typeof ChatAnswer>;

export const EvaluationResult = z.object({
  snapshotId: SnapshotId,
  split: z.enum(['held-out', 'all']),
  modelPath: z.string(),
  adapterId: AdapterId.nullable(),
  examples: z.number().int(),
  loss: z.number(),
  perplexity: z.number(),
  tokens: z.number().int(),
  instructionExamples: z.number().int(),
  exactMatch: z.number().nullable(),
  containsAnswer: z.number().nullable(),
});
export type EvaluationResult = z.infer<typeof EvaluationResult>;

export const inferenceMethods = {
  /** A job: one answer from the model (with an adapter if given); progress streams the text. */
  'inference.chat': {
    input: z
      .object({
        ...ModelChoice,
        messages: z
          .array(z.object({ role: ChatRole, content: z.string().min(1).max(100_000) }).strict())
          .min(1)
          .max(200)
          .refine((m) => m.at(-1)?.role === 'user', 'the last message must be from the user'),
        maxTokens: z.number().int().min(1).max(8192).default(256),
        temperature: z.number().min(0).max(2).default(0.7),
        seed: z.number().int().min(0).optional(),
      })
      .strict()
      .refine(oneModel, { message: 'give a modelId, a modelPath or an adapterId (not both modelId and modelPath)', path: ['modelId'] }),
    output: JobRef,
  },
  /** A job: held-out loss and perplexity (exact, from logits) and answer accuracy on a snapshot. */
  'inference.evaluate': {
    input: z
      .object({
        ...ModelChoice,
        snapshotId: SnapshotId,
        /** held-out: the split the adapter's training held out (seed and fraction from its settings). */
        split: z.enum(['held-out', 'all']).default('held-out'),
        accuracy: z.boolean().default(true),
      })
      .strict()
      .refine(oneModel, { message: 'give a modelId, a modelPath or an adapterId (not both modelId and modelPath)', path: ['modelId'] }),
    output: JobRef,
  },
} as const;
