import { z } from 'zod';
import { Address, Hash32, Timestamp } from './common';
import { JobRef } from './jobs';
import { AutoApprove } from './chain';

/** Token amounts cross the contract as decimal strings of base units (18 decimals). */
const Units = z.string().regex(/^\d{1,78}$/, 'must be a whole number of base units');

export const RewardEpoch = z.object({
  epoch: z.number().int(),
  pool: Units,
  total: Units,
  root: Hash32,
  receiptsRoot: Hash32,
  receipts: z.number().int(),
  usageTokens: z.number().int(),
  contributors: z.number().int(),
  closedAt: Timestamp,
  chainId: z.number().int().nullable(),
  distributor: Address.nullable(),
  publishTx: Hash32.nullable(),
  anchorTx: Hash32.nullable(),
  publishedAt: Timestamp.nullable(),
});
export type RewardEpoch = z.infer<typeof RewardEpoch>;

export const RewardClaimInfo = z.object({
  epoch: z.number().int(),
  index: z.number().int(),
  account: Address,
  amount: Units,
  /** null when the epoch is not published on the selected network. */
  claimed: z.boolean().nullable(),
});
export type RewardClaimInfo = z.infer<typeof RewardClaimInfo>;

export const rewardsMethods = {
  'rewards.listEpochs': { input: z.object({}).strict(), output: z.object({ items: z.array(RewardEpoch) }) },
  /** What the next epoch would count: receipts not in an epoch yet. */
  'rewards.pending': { input: z.object({}).strict(), output: z.object({ receipts: z.number().int(), usageTokens: z.number().int() }) },
  /**
   * A job: close the next epoch over the new receipts (pool split by usage × shares), and with
   * publish, anchor its receipts root and publish its reward root funded with `pool` tokens.
   */
  'rewards.closeEpoch': {
    input: z
      .object({
        /** Whole tokens, e.g. "1000" or "12.5". */
        pool: z.string().regex(/^\d{1,30}(\.\d{1,18})?$/, 'must be a token amount like 1000 or 12.5'),
        publish: z.boolean().default(true),
        autoApprove: AutoApprove,
      })
      .strict(),
    output: JobRef,
  },
  /** A job: publish an epoch closed without publishing (anchor its receipts root, publish its reward root). */
  'rewards.publishEpoch': { input: z.object({ epoch: z.number().int().min(1), autoApprove: AutoApprove }).strict(), output: JobRef },
  'rewards.claims': { input: z.object({ account: Address }).strict(), output: z.object({ items: z.array(RewardClaimInfo) }) },
  /** A job: claim an epoch's reward from the wallet with its Merkle proof. */
  'rewards.claim': { input: z.object({ epoch: z.number().int().min(1), account: Address, autoApprove: AutoApprove }).strict(), output: JobRef },
  /** Write a claim (proof and what to sign) to a file, to sign on another machine. */
  'rewards.exportClaim': { input: z.object({ epoch: z.number().int().min(1), account: Address, path: z.string().min(1) }).strict(), output: z.object({ path: z.string() }) },
  /** A job: sign a claim file with the wallet (the air-gapped half); writes the signed claim next to it. */
  'rewards.signClaim': {
    input: z.object({ path: z.string().min(1), out: z.string().min(1), recipient: Address.optional(), autoApprove: AutoApprove }).strict(),
    output: JobRef,
  },
  /** A job: submit a signed claim file from any account (it pays the gas; the reward goes to the signed recipient). */
  'rewards.submitClaim': { input: z.object({ path: z.string().min(1), account: Address, autoApprove: AutoApprove }).strict(), output: JobRef },
} as const;
