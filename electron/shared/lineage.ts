import { z } from 'zod';
import { AutoApprove } from './chain';
import { Address, DatanetId, Hash32, RecordId, Timestamp, idOf } from './common';
import { JobRef } from './jobs';
import { SnapshotId } from './curation';
import { AdapterId, RunId } from './training';

export const LineageSubjectKind = z.enum(['record', 'contributor', 'snapshot', 'adapter', 'receipt']);
export type LineageSubjectKind = z.infer<typeof LineageSubjectKind>;

/** A record id, contributor address, snapshot id, adapter id or receipt digest. */
export const LineageId = z
  .string()
  .regex(/^(rec_[0-9a-f]{16}|snap_[0-9a-f]{16}|ad_[0-9a-f]{16}|0x[0-9a-fA-F]{40}|0x[0-9a-fA-F]{64})$/, 'must be a record (rec_…), snapshot (snap_…) or adapter (ad_…) id, a contributor address (0x + 40 hex) or a receipt digest (0x + 64 hex)');

export const RevocationId = idOf('rev');

/** A record's measured influence on one adapter: its scores in the receipts of that adapter's answers. */
export const RecordInfluence = z.object({
  recordId: RecordId,
  receipts: z.number().int(),
  meanScore: z.number(),
  maxScore: z.number(),
  /** TracIn influence in those receipts, when the influence method was used. */
  meanInfluence: z.number().nullable(),
  maxInfluence: z.number().nullable(),
  /**
   * TracIn self-influence from the training's gradient sketches: Σ over checkpoints of the step
   * size × the record's squared gradient norm (how much training on it moved the adapter).
   * null when the adapter has no sketches or the record was held out or unscored.
   */
  selfInfluence: z.number().nullable(),
});
export type RecordInfluence = z.infer<typeof RecordInfluence>;

export const Lineage = z.object({
  subject: z.object({ kind: LineageSubjectKind, id: z.string() }),
  records: z.array(z.object({ id: RecordId, datanetId: DatanetId, contributor: Address.nullable(), contentHash: z.string(), status: z.string(), revoked: z.boolean() })),
  snapshots: z.array(z.object({ id: SnapshotId, datanetId: DatanetId, version: z.number().int(), root: Hash32, createdAt: Timestamp, recordIds: z.array(RecordId) })),
  adapters: z.array(
    z.object({
      id: AdapterId,
      snapshotId: SnapshotId,
      createdAt: Timestamp,
      /** Revocations whose records it was trained on. */
      revokedBy: z.array(RevocationId),
      /** The run retraining it without the revoked records, once one was started. */
      retrainRunId: RunId.nullable(),
      influence: z.array(RecordInfluence),
    }),
  ),
  receipts: z.array(z.object({ digest: Hash32, adapterId: AdapterId, epoch: z.number().int().nullable(), createdAt: Timestamp, records: z.array(z.object({ recordId: RecordId, score: z.number(), influence: z.number().nullable() })) })),
  epochs: z.array(z.object({ epoch: z.number().int(), closedAt: Timestamp, root: Hash32, amounts: z.array(z.object({ account: Address, amount: z.string() })) })),
});
export type Lineage = z.infer<typeof Lineage>;

export const Revocation = z.object({
  id: RevocationId,
  contributor: Address,
  scope: z.enum(['all', 'some']),
  recordIds: z.array(RecordId),
  reason: z.string(),
  signature: z.string().nullable(),
  signer: z.string(),
  /** EIP-712 digest of the revocation: what gets published on-chain. */
  hash: Hash32,
  createdAt: Timestamp,
});
export type Revocation = z.infer<typeof Revocation>;

export const MarkedAdapter = z.object({ adapterId: AdapterId, snapshotId: SnapshotId, revocationId: RevocationId, influence: z.array(RecordInfluence), retrainRunId: RunId.nullable() });
export type MarkedAdapter = z.infer<typeof MarkedAdapter>;

export const ConsentSettings = z
  .object({
    /** The local API refuses adapters trained on records whose consent was revoked. */
    refuseMarkedAdapters: z.boolean().default(false),
  })
  .strict();
export type ConsentSettings = z.infer<typeof ConsentSettings>;

export const lineageMethods = {
  'lineage.get': { input: z.object({ id: LineageId }).strict(), output: Lineage },
  /**
   * Revokes consent for some (recordIds) or all of a contributor's records. signature: the
   * contributor's EIP-712 signature of the revocation (consent.revocationTypedData), optional.
   */
  'consent.revoke': {
    input: z
      .object({
        contributor: Address,
        recordIds: z.array(RecordId).min(1).optional(),
        reason: z.string().max(2000).default(''),
        signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/, 'must be a 65-byte hex signature').optional(),
        createdAt: Timestamp.optional(),
        retrain: z.boolean().default(false),
      })
      .strict(),
    output: z.object({ revocation: Revocation, adapters: z.array(MarkedAdapter), retrains: z.array(JobRef.extend({ runId: RunId, adapterId: AdapterId, snapshotId: SnapshotId })) }),
  },
  'consent.list': { input: z.object({}).strict(), output: z.object({ items: z.array(Revocation) }) },
  'consent.markedAdapters': { input: z.object({}).strict(), output: z.object({ items: z.array(MarkedAdapter) }) },
  /** Retrains a marked adapter with the same settings on a new snapshot without revoked records. */
  'consent.retrain': { input: z.object({ adapterId: AdapterId }).strict(), output: JobRef.extend({ runId: RunId, adapterId: AdapterId, snapshotId: SnapshotId }) },
  /** A job: anchor a revocation's hash on the selected network from a wallet account (the records and reason stay local). */
  'consent.publish': { input: z.object({ revocationId: z.string().regex(/^rev_[0-9a-f]{16}$/, 'must be a revocation id like rev_0123456789abcdef'), account: Address, autoApprove: AutoApprove }).strict(), output: JobRef },
  'consent.getSettings': { input: z.object({}).strict(), output: ConsentSettings },
  'consent.setSettings': { input: ConsentSettings.partial().strict(), output: ConsentSettings },
} as const;
