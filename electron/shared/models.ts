import { z } from 'zod';
import { Timestamp, idOf } from './common';
import { JobRef } from './jobs';

export const ModelId = idOf('mdl');

export const ModelInfo = z.object({
  id: ModelId,
  name: z.string(),
  /** Where the file is: inside the workspace (copied) or where the user keeps it (referenced). */
  file: z.string(),
  storage: z.enum(['copy', 'reference']),
  sha256: z.string(),
  sizeBytes: z.number(),
  architecture: z.string(),
  parameters: z.number(),
  /** The dominant type of the model's 2-D weights, e.g. Q4_K, Q8_0, F16. */
  quantization: z.string(),
  contextLength: z.number().int().nullable(),
  layers: z.number().int().nullable(),
  embeddingLength: z.number().int().nullable(),
  vocabularySize: z.number().int().nullable(),
  chatTemplate: z.string().nullable(),
  createdAt: Timestamp,
});
export type ModelInfo = z.infer<typeof ModelInfo>;

export const CatalogEntry = z.object({
  id: z.string(),
  name: z.string(),
  architecture: z.string(),
  parameters: z.string(),
  url: z.string().url(),
  license: z.string(),
  /** null until verified: then a download is checked against them. */
  sizeBytes: z.number().int().positive().nullable(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
});
export type CatalogEntry = z.infer<typeof CatalogEntry>;
export const Catalog = z.object({ note: z.string(), models: z.array(CatalogEntry) });

export const modelMethods = {
  'models.catalog': { input: z.object({}).strict(), output: Catalog },
  /** A job: the file is validated, hashed (and copied) with progress; cancel leaves nothing behind. */
  'models.import': {
    input: z
      .object({
        path: z.string().min(1, 'must not be empty'),
        storage: z.enum(['copy', 'reference']).default('copy'),
        name: z.string().trim().min(1).max(200).optional(),
      })
      .strict(),
    output: JobRef,
  },
  /** A job: download a GGUF from a URL (resumes after a drop; checks size and sha256 when given). */
  'models.download': {
    input: z
      .object({
        url: z.string().url('must be a URL').refine((u) => /^https?:/.test(u), 'must be an http(s) URL'),
        sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits').optional(),
        sizeBytes: z.number().int().positive().optional(),
        name: z.string().trim().min(1).max(200).optional(),
      })
      .strict(),
    output: JobRef,
  },
  'models.list': { input: z.object({}).strict(), output: z.object({ items: z.array(ModelInfo) }) },
  'models.get': { input: z.object({ id: ModelId }).strict(), output: ModelInfo },
  'models.delete': {
    input: z.object({ id: ModelId }).strict(),
    output: z.object({ id: ModelId, fileDeleted: z.boolean() }),
  },
} as const;
