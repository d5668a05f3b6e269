import { z } from 'zod';
import { Address, DatanetId, Hash32, Paging, RecordId, Timestamp, page } from './common';

/** Limits stated in errors when they are hit; they protect the database and the UI. */
export const LIMITS = {
  nameChars: 120,
  descriptionChars: 2000,
  fieldChars: 100_000,
  chatMessages: 200,
  licenseChars: 100,
} as const;

const text = () =>
  z
    .string()
    .max(LIMITS.fieldChars, `is longer than the limit of ${LIMITS.fieldChars.toLocaleString('en')} characters`)
    .refine((s) => s.trim().length > 0, 'must not be empty');

export const DatanetName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(LIMITS.nameChars, `is longer than the limit of ${LIMITS.nameChars} characters`);

export const TextContent = z.object({ kind: z.literal('text'), text: text() }).strict();

export const InstructionContent = z
  .object({
    kind: z.literal('instruction'),
    instruction: text(),
    input: z.string().max(LIMITS.fieldChars, `is longer than the limit of ${LIMITS.fieldChars.toLocaleString('en')} characters`).default(''),
    response: text(),
  })
  .strict();

export const ChatRole = z.enum(['system', 'user', 'assistant']);
export const ChatContent = z
  .object({
    kind: z.literal('chat'),
    messages: z
      .array(z.object({ role: ChatRole, content: text() }).strict())
      .min(2, 'a chat needs at least two messages')
      .max(LIMITS.chatMessages, `a chat has more than the limit of ${LIMITS.chatMessages} messages`)
      .refine((m) => m.some((x) => x.role === 'assistant'), 'a chat needs at least one assistant message to learn from'),
  })
  .strict();

export const RecordContent = z.discriminatedUnion('kind', [TextContent, InstructionContent, ChatContent]);
export type RecordContent = z.infer<typeof RecordContent>;
export const RecordKind = z.enum(['text', 'instruction', 'chat']);
export type RecordKind = z.infer<typeof RecordKind>;

export const RecordStatus = z.enum(['pending', 'approved', 'rejected']);

export const PII_KINDS = [
  'email',
  'phone',
  'national_id',
  'credit_card',
  'iban',
  'ip_address',
  'date_of_birth',
  'mrn',
  'street_address',
  'person_name',
  // HIPAA Safe Harbor identifiers beyond the ones above (issue 22).
  'date',
  'age',
  'location',
  'url',
  'account_number',
  'license_number',
  'case_number',
  'vehicle_id',
  'device_id',
  'biometric',
] as const;
export const PiiKind = z.enum(PII_KINDS);

/** A PII finding inside one field of a record's content (offsets into that field's text). */
export const PiiSpan = z.object({
  kind: PiiKind,
  /** Path of the field: "text", "instruction", "response", "messages.2.content". */
  field: z.string(),
  start: z.number().int(),
  end: z.number().int(),
});
export type PiiSpan = z.infer<typeof PiiSpan>;

export const RECORD_FLAGS = ['pii', 'near-duplicate', 'redacted', 'signed'] as const;
export const RecordFlag = z.enum(RECORD_FLAGS);
export type RecordFlag = z.infer<typeof RecordFlag>;
export type RecordStatus = z.infer<typeof RecordStatus>;

export const Datanet = z.object({
  id: DatanetId,
  name: z.string(),
  description: z.string(),
  recordCount: z.number().int(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Datanet = z.infer<typeof Datanet>;

export const DatanetRecord = z.object({
  id: RecordId,
  datanetId: DatanetId,
  kind: RecordKind,
  content: RecordContent,
  contentHash: Hash32,
  /** null: not signed by anyone else, so attributed to the workspace's own user. */
  contributor: Address.nullable(),
  license: z.string(),
  status: RecordStatus,
  rejectReason: z.string().nullable(),
  source: z.object({ file: z.string(), row: z.number().int() }).nullable(),
  /** Summary of what needs a reviewer's eye: 'pii', 'near-duplicate', 'redacted', 'signed'. */
  flags: z.array(z.string()),
  /** The hash the contributor signed: the content as it was imported, before any redaction. */
  originalHash: Hash32,
  signature: z.string().nullable(),
  pii: z.array(PiiSpan),
  redaction: z.object({ mode: z.enum(['mask', 'pseudonym']), count: z.number().int(), at: Timestamp }).nullable(),
  piiOverride: z.string().nullable(),
  nearDuplicateOf: z.object({ recordId: RecordId, similarity: z.number() }).nullable(),
  importId: z.string().nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type DatanetRecord = z.infer<typeof DatanetRecord>;

export const datanetMethods = {
  'datanets.create': {
    input: z
      .object({
        name: DatanetName,
        description: z
          .string()
          .max(LIMITS.descriptionChars, `is longer than the limit of ${LIMITS.descriptionChars} characters`)
          .default(''),
      })
      .strict(),
    output: Datanet,
  },
  'datanets.list': { input: z.object({}).strict(), output: z.object({ items: z.array(Datanet) }) },
  'datanets.get': { input: z.object({ id: DatanetId }).strict(), output: Datanet },
  'datanets.rename': { input: z.object({ id: DatanetId, name: DatanetName }).strict(), output: Datanet },
  'datanets.delete': {
    // The caller repeats the datanet's name: a stale id or a slip cannot delete the wrong one.
    input: z.object({ id: DatanetId, confirmName: z.string() }).strict(),
    output: z.object({ id: DatanetId, deletedRecords: z.number().int() }),
  },
  'datanets.addRecord': {
    input: z
      .object({
        datanetId: DatanetId,
        content: RecordContent,
        contributor: Address.optional(),
        license: z
          .string()
          .trim()
          .min(1, 'must not be empty')
          .max(LIMITS.licenseChars, `is longer than the limit of ${LIMITS.licenseChars} characters`)
          .default('unspecified'),
      })
      .strict(),
    output: DatanetRecord,
  },
  'datanets.listRecords': {
    input: z
      .object({
        datanetId: DatanetId,
        status: RecordStatus.optional(),
        flag: RecordFlag.optional(),
        contributor: Address.optional(),
        /** Full-text search (SQLite FTS5 syntax; plain words match all of them). */
        query: z.string().trim().max(500, 'is longer than the limit of 500 characters').optional(),
        ...Paging,
      })
      .strict(),
    output: page(DatanetRecord),
  },
  'datanets.getRecord': { input: z.object({ id: RecordId }).strict(), output: DatanetRecord },
} as const;

export const datanetEvents = {
  /** Something in a datanet changed (created, renamed, deleted, records added): views refresh. */
  'datanets.changed': z.object({ datanetId: DatanetId, change: z.enum(['created', 'renamed', 'deleted', 'records', 'snapshots']) }),
} as const;
