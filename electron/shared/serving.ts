import { z } from 'zod';

export const ServingStatus = z.object({
  running: z.boolean(),
  url: z.string().nullable(),
  /** The bearer token clients must send; shown to the user who starts the API. */
  token: z.string().nullable(),
  /** Requests that may wait per served model while another generates; one more gets 429 with Retry-After. */
  maxQueued: z.number().int().nullable(),
  /** Requests waiting now, all models together. */
  waiting: z.number().int(),
});
export type ServingStatus = z.infer<typeof ServingStatus>;

export const UsageRow = z.object({
  model: z.string(),
  adapterId: z.string().nullable(),
  day: z.string(),
  requests: z.number().int(),
  promptTokens: z.number().int(),
  completionTokens: z.number().int(),
});
export type UsageRow = z.infer<typeof UsageRow>;

export const servingMethods = {
  'serving.start': {
    input: z
      .object({
        port: z.number().int().min(0).max(65535).default(0),
        /** Requests that may wait per served model (default 8); 0 answers 429 whenever one is generating. */
        maxQueued: z.number().int().min(0).max(1000).optional(),
      })
      .strict(),
    output: ServingStatus,
  },
  'serving.stop': { input: z.object({}).strict(), output: ServingStatus },
  'serving.status': { input: z.object({}).strict(), output: ServingStatus },
  'serving.usage': { input: z.object({}).strict(), output: z.object({ items: z.array(UsageRow) }) },
} as const;
