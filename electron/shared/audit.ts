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

export const auditMethods = {
  'audit.listEntries': {
    input: z.object({ ...Paging }).strict(),
    output: page(AuditEntry),
  },
  /** A job: a long chain is verified in batches with progress, and can be cancelled. */
  'audit.verifyChain': { input: z.object({}).strict(), output: JobRef },
} as const;
