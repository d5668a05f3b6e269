import { endianness } from 'node:os';
import { z } from 'zod';
import { AppError } from '../../../shared/errors.js';

/**
 * On-disk layout of a span index folder (all integers uint32 little-endian):
 * - tokens.u32   every document's tokens, each document followed by SEPARATOR, so no match can
 *                run from one record into the next;
 * - docs.u32     (start, recordIndex) per document, start = its first token's position in tokens.u32;
 * - sa-NNNN.u32  per shard, the suffix array of the shard's tokens (positions relative to the
 *                shard's first token), without the suffixes that start at a separator;
 * - manifest.json written last; a folder without it is not an index.
 */
export const FORMAT = 'datanet-span-index';
export const FORMAT_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';
export const TOKENS_FILE = 'tokens.u32';
export const DOCS_FILE = 'docs.u32';
export const shardFileName = (index: number) => `sa-${String(index).padStart(4, '0')}.u32`;

export const SEPARATOR = 0xffffffff;
/** Token ids stay below this: suffix sorting allocates buckets per id (real vocabularies are ≤ 262k). */
export const TOKEN_ID_LIMIT = 1 << 22;
/** Positions are uint32, separators included. */
export const MAX_TOTAL_TOKENS = 0xffffffff;
export const DEFAULT_SHARD_TOKENS = 1 << 24;

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const FileEntry = z.object({ name: z.string().min(1), bytes: z.number().int().nonnegative(), sha256: Sha256 });

export const ShardEntry = z.object({
  file: FileEntry,
  /** First position (in tokens.u32) of the shard, and how many positions it spans, separators included. */
  tokenStart: z.number().int().nonnegative(),
  tokenCount: z.number().int().nonnegative(),
  /** Suffixes indexed (the shard's non-separator positions). */
  suffixes: z.number().int().nonnegative(),
});
export type ShardEntry = z.infer<typeof ShardEntry>;

export const Manifest = z.object({
  format: z.literal(FORMAT),
  version: z.literal(FORMAT_VERSION),
  /** Positions in tokens.u32 (document tokens plus one separator per document). */
  totalPositions: z.number().int().nonnegative(),
  /** Document tokens only. */
  tokenCount: z.number().int().nonnegative(),
  documentCount: z.number().int().nonnegative(),
  /** Largest token id seen, or -1 for an empty index. */
  maxTokenId: z.number().int().min(-1),
  tokens: FileEntry,
  docs: FileEntry,
  shards: z.array(ShardEntry),
  builtAt: z.string(),
  buildSeconds: z.number().nonnegative(),
});
export type Manifest = z.infer<typeof Manifest>;

/** What a finished build reports, and what an opened index describes itself with. */
export interface SpanIndexInfo {
  dir: string;
  tokenCount: number;
  documentCount: number;
  shardCount: number;
  maxTokenId: number;
  bytesOnDisk: number;
  bytesPerToken: number;
  buildSeconds: number;
}

export function infoOf(dir: string, m: Manifest, manifestBytes: number): SpanIndexInfo {
  const bytesOnDisk = manifestBytes + m.tokens.bytes + m.docs.bytes + m.shards.reduce((a, s) => a + s.file.bytes, 0);
  return {
    dir, tokenCount: m.tokenCount, documentCount: m.documentCount, shardCount: m.shards.length, maxTokenId: m.maxTokenId,
    bytesOnDisk, bytesPerToken: m.tokenCount ? bytesOnDisk / m.tokenCount : 0, buildSeconds: m.buildSeconds,
  };
}

/** The files are read as native Uint32Arrays; every machine we ship to is little-endian. */
export function assertLittleEndian(): void {
  if (endianness() !== 'LE') throw new AppError('NOT_AVAILABLE', 'Span indexes need a little-endian machine.');
}
