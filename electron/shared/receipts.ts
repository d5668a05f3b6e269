import { z } from 'zod';
import { Address, Hash32 } from './common';

/**
 * An attribution receipt: what an answer was made from, as hashes and weights only. No prompt,
 * answer or record text is ever part of it; prompt and answer are committed to with a salt that
 * stays in the workspace, so a short prompt cannot be confirmed by guessing it.
 */
export const ReceiptBody = z
  .object({
    modelSha256: Hash32,
    adapterSha256: Hash32,
    snapshotRoot: Hash32,
    promptHash: Hash32,
    answerHash: Hash32,
    contributors: z.array(Address).max(256),
    /** Basis points per contributor, same order; sum to 10,000 (or both lists are empty). */
    sharesBps: z.array(z.number().int().min(0).max(10_000)).max(256),
    /** e.g. "span+influence/v1". */
    method: z.string().min(1).max(64),
    /** keccak256 of the canonical JSON of the method's parameters. */
    paramsHash: Hash32,
    /** Unix seconds. */
    timestamp: z.number().int().min(0),
  })
  .strict();
export type ReceiptBody = z.infer<typeof ReceiptBody>;

export const RECEIPT_FORMAT = 'datanet-studio.receipt';

export const ReceiptFile = z
  .object({
    format: z.literal(RECEIPT_FORMAT),
    version: z.literal(1),
    receipt: ReceiptBody,
    /** The EIP-712 digest of the receipt: its id. */
    digest: Hash32,
    signer: Address.nullable(),
    signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/, 'must be a 65-byte hex signature').nullable(),
  })
  .strict();
export type ReceiptFile = z.infer<typeof ReceiptFile>;

export const ReceiptVerification = z.object({
  ok: z.boolean(),
  signed: z.boolean(),
  digest: Hash32.nullable(),
  signer: Address.nullable(),
  /** Why it failed, each naming the field; empty when ok. */
  problems: z.array(z.string()),
});
export type ReceiptVerification = z.infer<typeof ReceiptVerification>;
