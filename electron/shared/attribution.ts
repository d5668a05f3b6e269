import { z } from 'zod';
import { Address, Hash32, RecordId, Timestamp, page, Paging } from './common';
import { JobRef } from './jobs';
import { AdapterId } from './training';
import { ReceiptFile, ReceiptVerification } from './receipts';

export const ATTRIBUTION_METHODS = ['span', 'influence'] as const;
export const AttributionMethod = z.enum(ATTRIBUTION_METHODS);

export const AttributionSettings = z
  .object({
    /** Build the span index of every new adapter as soon as its training finishes. */
    autoIndex: z.boolean().default(true),
    /** Make a receipt for every answer served through the API or the playground. */
    autoReceipts: z.boolean().default(true),
    /** Sign receipts with the unlocked wallet without asking each time (the user opts in once). */
    autoSign: z.boolean().default(false),
    /** Shortest span (in tokens) that counts as coming from the data. */
    minSpanTokens: z.number().int().min(2).max(256).default(6),
    spanWeight: z.number().min(0).max(1).default(0.5),
    influenceWeight: z.number().min(0).max(1).default(0.5),
  })
  .strict();
export type AttributionSettings = z.infer<typeof AttributionSettings>;

export const IndexStatus = z.object({
  adapterId: AdapterId,
  span: z.object({
    state: z.enum(['missing', 'building', 'ready', 'failed']),
    tokens: z.number().int().nullable(),
    bytes: z.number().int().nullable(),
    error: z.string().nullable(),
    builtAt: Timestamp.nullable(),
  }),
  influence: z.object({
    available: z.boolean(),
    checkpoints: z.number().int().nullable(),
    dim: z.number().int().nullable(),
    records: z.number().int().nullable(),
  }),
});
export type IndexStatus = z.infer<typeof IndexStatus>;

export const AttributedSpan = z.object({
  /** Character offsets in the answer. */
  start: z.number().int(),
  end: z.number().int(),
  tokens: z.number().int(),
  occurrences: z.number().int(),
  records: z.array(z.object({ recordId: RecordId, contributor: Address, count: z.number().int() })),
});
export type AttributedSpan = z.infer<typeof AttributedSpan>;

export const AttributedRecord = z.object({
  recordId: RecordId,
  position: z.number().int(),
  contributor: Address,
  span: z.number(),
  influence: z.number().nullable(),
  score: z.number(),
});
export type AttributedRecord = z.infer<typeof AttributedRecord>;

export const ReceiptSource = z.enum(['playground', 'api', 'cli']);

export const Attribution = z.object({
  adapterId: AdapterId,
  prompt: z.string(),
  answer: z.string(),
  spans: z.array(AttributedSpan),
  /** Best first, at most 50. */
  records: z.array(AttributedRecord),
  shares: z.array(z.object({ contributor: Address, bps: z.number().int() })),
  methods: z.array(AttributionMethod),
  /** Methods asked for that could not be used, each with why and what makes it usable (never dropped silently). */
  unavailable: z.array(z.object({ method: AttributionMethod, reason: z.string() })).default([]),
  params: z.record(z.string(), z.unknown()),
  timings: z.object({ spanMs: z.number().nullable(), influenceMs: z.number().nullable(), totalMs: z.number() }),
  receipt: ReceiptFile,
});
export type Attribution = z.infer<typeof Attribution>;

export const ReceiptSummary = z.object({
  digest: Hash32,
  adapterId: AdapterId,
  source: ReceiptSource,
  signer: Address.nullable(),
  contributors: z.number().int(),
  topContributor: Address.nullable(),
  topBps: z.number().int().nullable(),
  usageTokens: z.number().int(),
  epoch: z.number().int().nullable(),
  createdAt: Timestamp,
});
export type ReceiptSummary = z.infer<typeof ReceiptSummary>;

export const attributionMethods = {
  'attribution.getSettings': { input: z.object({}).strict(), output: AttributionSettings },
  'attribution.setSettings': { input: AttributionSettings.partial().strict(), output: AttributionSettings },
  /** The span index and influence sketches of an adapter. */
  'attribution.getIndex': { input: z.object({ adapterId: AdapterId }).strict(), output: IndexStatus },
  /** A job: (re)build the span index of an adapter's snapshot with its base model's tokenizer. */
  'attribution.buildIndex': { input: z.object({ adapterId: AdapterId }).strict(), output: JobRef },
  /** A job: which records and contributors an answer came from, and its receipt. Without an answer, the adapter answers first. */
  'attribution.attribute': {
    input: z
      .object({
        adapterId: AdapterId,
        prompt: z.string().min(1).max(100_000),
        answer: z.string().min(1).max(100_000).optional(),
        methods: z.array(AttributionMethod).min(1).default(['span', 'influence']),
        maxTokens: z.number().int().min(1).max(4096).default(128),
        source: ReceiptSource.default('playground'),
      })
      .strict(),
    output: JobRef,
  },
  'attribution.listReceipts': {
    input: z.object({ ...Paging, adapterId: AdapterId.optional() }).strict(),
    output: page(ReceiptSummary),
  },
  /** A stored attribution with its receipt (prompt and answer stay on this machine). */
  'attribution.getReceipt': { input: z.object({ digest: Hash32 }).strict(), output: Attribution },
  'attribution.exportReceipt': {
    input: z.object({ digest: Hash32, path: z.string().min(1) }).strict(),
    output: z.object({ path: z.string() }),
  },
  /** Verify a receipt given as JSON or as a file path. */
  'attribution.verifyReceipt': {
    input: z.union([z.object({ receipt: z.unknown() }).strict(), z.object({ path: z.string().min(1) }).strict()]),
    output: ReceiptVerification,
  },
} as const;
