import { z } from 'zod';
import { Hash32, Paging, Timestamp, page } from './common';
import { JobRef } from './jobs';

export const AuditEntry = z.object({
  seq: z.number().int(),
  at: Timestamp,
  actor: z.string(),
  action: z.string(),
  subject: z.string(),
  details: z.record(z.string(), z.unknown()),
  prevHash: Hash32,
  hash: Hash32,
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditVerification = z.object({
  ok: z.boolean(),
  checked: z.number().int(),
  /** The first entry whose hash or link does not hold, and why. */
  firstBad: z.object({ seq: z.number().int(), reason: z.string() }).nullable(),
  headHash: Hash32,
});
export type AuditVerification = z.infer<typeof AuditVerification>;

/** The whole log as a file for someone without the app: every entry, how to check them, and what the app found. */
export const AuditExport = z.object({
  format: z.literal('datanet-audit-export/1'),
  exportedAt: Timestamp,
  workspace: z.string(),
  /** How each hash is made, so the chain can be checked with any sha256 tool. */
  hashRule: z.string(),
  entries: z.array(AuditEntry),
  /** The app's own verification of these entries when it wrote the file. */
  verification: AuditVerification,
});
export type AuditExport = z.infer<typeof AuditExport>;

export const auditMethods = {
  'audit.listEntries': {
    input: z.object({ ...Paging }).strict(),
    output: page(AuditEntry),
  },
  /** A job: a long chain is verified in batches with progress, and can be cancelled. */
  'audit.verifyChain': { input: z.object({}).strict(), output: JobRef },
  /** A job: the whole log, verified as it is read, written atomically to a JSON file for a compliance officer. */
  'audit.export': { input: z.object({ path: z.string().min(1) }).strict(), output: JobRef },
  /** Checks an exported file on its own (no database): every link and hash, from the file alone. */
  'audit.verifyExport': { input: z.object({ path: z.string().min(1) }).strict(), output: AuditVerification },
} as const;
