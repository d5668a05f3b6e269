import { z } from 'zod';
import { Address, DatanetId, Hash32, RecordId, Timestamp, idOf } from './common';
import { JobRef } from './jobs';

export const ImportId = idOf('imp');
export const SnapshotId = idOf('snap');

export const IMPORT_FORMATS = ['jsonl', 'csv', 'txt', 'markdown', 'pdf', 'docx'] as const;
export const ImportFormat = z.enum(IMPORT_FORMATS);
export type ImportFormat = z.infer<typeof ImportFormat>;

/** Limits on imported files, stated in the error when hit. */
export const IMPORT_LIMITS = {
  /** JSONL, CSV, TXT, Markdown. */
  textFileBytes: 2 * 1024 ** 3,
  /** PDF and DOCX are parsed whole, so they get a tighter limit. */
  documentFileBytes: 200 * 1024 ** 2,
  /** Uncompressed size of a DOCX's parts (zip bombs). */
  docxUncompressedBytes: 400 * 1024 ** 2,
  rowBytes: 1024 ** 2,
  problemsKept: 1000,
} as const;

/** Target chunk size for prose (TXT, Markdown, PDF, DOCX) unless an import says otherwise. */
export const DEFAULT_CHUNK_CHARS = 2000;

/** CSV column → record field. Instruction records need instruction + response; text records need text. */
export const ColumnMapping = z
  .object({
    instruction: z.string().optional(),
    input: z.string().optional(),
    response: z.string().optional(),
    text: z.string().optional(),
    contributor: z.string().optional(),
    license: z.string().optional(),
    signature: z.string().optional(),
    nonce: z.string().optional(),
  })
  .strict()
  .refine((m) => m.text !== undefined || (m.instruction !== undefined && m.response !== undefined), {
    message: 'map a text column, or both an instruction and a response column',
  });
export type ColumnMapping = z.infer<typeof ColumnMapping>;

export const ImportProblem = z.object({
  file: z.string(),
  /** 1-based row (line for JSONL, data row for CSV, chunk for text, page for PDF). */
  row: z.number().int(),
  field: z.string().nullable(),
  reason: z.string(),
});
export type ImportProblem = z.infer<typeof ImportProblem>;

export const ImportSummary = z.object({
  id: ImportId,
  datanetId: DatanetId,
  fileName: z.string(),
  fileSha256: z.string().nullable(),
  format: ImportFormat,
  state: z.enum(['running', 'succeeded', 'failed', 'cancelled', 'interrupted']),
  rowsSeen: z.number().int(),
  rowsImported: z.number().int(),
  rowsRejected: z.number().int(),
  exactDuplicates: z.number().int(),
  nearDuplicates: z.number().int(),
  piiRecords: z.number().int(),
  problems: z.array(ImportProblem),
  startedAt: Timestamp,
  finishedAt: Timestamp.nullable(),
});
export type ImportSummary = z.infer<typeof ImportSummary>;

export const FilePreview = z.object({
  format: ImportFormat,
  fileName: z.string(),
  bytes: z.number().int(),
  /** CSV only: the header row. */
  columns: z.array(z.string()).nullable(),
  /** A guess at the mapping from the column names (CSV), for the wizard to start from. */
  suggestedMapping: z.record(z.string(), z.string()).nullable(),
  sample: z.array(z.unknown()),
});

export const Snapshot = z.object({
  id: SnapshotId,
  datanetId: DatanetId,
  version: z.number().int(),
  /** OpenZeppelin StandardMerkleTree root over (salted record hash, contributor). */
  root: Hash32,
  recordCount: z.number().int(),
  note: z.string(),
  createdAt: Timestamp,
});
export type Snapshot = z.infer<typeof Snapshot>;

/**
 * Everything needed to check that one record is in a snapshot. Revealing it reveals the record's
 * content hash and salt (not its text).
 */
export const InclusionProof = z.object({
  snapshotId: SnapshotId,
  root: Hash32,
  recordId: RecordId,
  contentHash: Hash32,
  salt: Hash32,
  saltedHash: Hash32,
  contributor: Address,
  leaf: Hash32,
  proof: z.array(Hash32),
});
export type InclusionProof = z.infer<typeof InclusionProof>;

const RecordIds = z.array(RecordId).min(1, 'name at least one record').max(100_000, 'at most 100,000 records at a time');

export const curationMethods = {
  'datanets.previewFile': {
    input: z.object({ path: z.string().min(1), format: ImportFormat.optional() }).strict(),
    output: FilePreview,
  },
  /** A job: rows stream in with progress; cancel or failure leaves the datanet as it was. */
  'datanets.importFile': {
    input: z
      .object({
        datanetId: DatanetId,
        path: z.string().min(1, 'must not be empty'),
        format: ImportFormat.optional(),
        mapping: ColumnMapping.optional(),
        /** License for rows that do not name one. */
        license: z.string().trim().min(1).max(100).default('unspecified'),
        /** Target chunk size for TXT, Markdown, PDF and DOCX, in characters. */
        chunkChars: z.number().int().min(200).max(20_000).default(DEFAULT_CHUNK_CHARS),
        nearDupThreshold: z.number().min(0.5).max(1).default(0.8),
      })
      .strict(),
    output: JobRef,
  },
  'datanets.listImports': {
    input: z.object({ datanetId: DatanetId }).strict(),
    output: z.object({ items: z.array(ImportSummary) }),
  },
  'datanets.review': {
    input: z
      .object({
        datanetId: DatanetId,
        recordIds: RecordIds.optional(),
        /** Instead of ids: every pending record of the datanet. */
        allPending: z.literal(true).optional(),
        decision: z.enum(['approve', 'reject', 'reset']),
        /** Required to reject. */
        reason: z.string().trim().min(1).max(1000).optional(),
        /** Approve records that still hold unredacted PII: the reviewer says why. */
        piiOverride: z.string().trim().min(3, 'give a reason of at least 3 characters').max(1000).optional(),
      })
      .strict()
      .refine((r) => (r.recordIds === undefined) !== (r.allPending === undefined), {
        message: 'give either recordIds or allPending: true',
        path: ['recordIds'],
      }),
    output: z.object({
      updated: z.number().int(),
      refused: z.array(z.object({ recordId: RecordId, reason: z.string() })),
    }),
  },
  'datanets.redact': {
    input: z.object({ datanetId: DatanetId, recordIds: RecordIds.optional(), mode: z.enum(['mask', 'pseudonym']).default('mask') }).strict(),
    output: z.object({ redacted: z.number().int(), spans: z.number().int() }),
  },
  'datanets.createSnapshot': {
    input: z.object({ datanetId: DatanetId, note: z.string().max(1000).default('') }).strict(),
    output: Snapshot,
  },
  'datanets.listSnapshots': {
    input: z.object({ datanetId: DatanetId }).strict(),
    output: z.object({ items: z.array(Snapshot) }),
  },
  'datanets.getProof': {
    input: z.object({ snapshotId: SnapshotId, recordId: RecordId }).strict(),
    output: InclusionProof,
  },
  'datanets.verifyProof': {
    input: z.object({ proof: InclusionProof }).strict(),
    output: z.object({ ok: z.boolean(), reason: z.string().nullable() }),
  },
  'datanets.exportSnapshot': {
    input: z.object({ snapshotId: SnapshotId, path: z.string().min(1) }).strict(),
    output: z.object({ path: z.string(), records: z.number().int(), sha256: z.string() }),
  },
} as const;

