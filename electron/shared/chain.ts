import { z } from 'zod';
import { Address, Hash32, Timestamp } from './common';
import { JobRef } from './jobs';
import { SnapshotId } from './curation';
import { AdapterId } from './training';

export const NetworkInfo = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['devnet', 'custom']),
  chainId: z.number().int(),
  /** null for the devnet until it runs. */
  rpcUrl: z.string().nullable(),
  selected: z.boolean(),
});
export type NetworkInfo = z.infer<typeof NetworkInfo>;

export const DeploymentInfo = z.object({
  DatanetRegistry: Address,
  ModelRegistry: Address,
  AttributionRegistry: Address,
  RewardDistributor: Address,
  RewardToken: Address,
  fromBlock: z.number().int(),
});

export const ChainStatus = z.object({
  network: NetworkInfo,
  /** The devnet runs / a custom network's contracts are known. */
  ready: z.boolean(),
  deployment: DeploymentInfo.nullable(),
  /** The account that publishes reward epochs (the distributor's owner). */
  rewardOperator: Address.nullable(),
  blockNumber: z.number().int().nullable(),
});
export type ChainStatus = z.infer<typeof ChainStatus>;

export const TxOutcome = z.object({
  txHash: Hash32,
  blockNumber: z.number().int(),
  contract: z.string(),
  function: z.string(),
  chainId: z.number().int(),
});
export type TxOutcome = z.infer<typeof TxOutcome>;

export const ChainActivity = z.object({
  kind: z.enum(['datanet', 'snapshot', 'adapter', 'receipts', 'revocation', 'epoch', 'claim']),
  blockNumber: z.number().int(),
  txHash: Hash32,
  /** What it was about, as hashes and addresses only. */
  subject: z.string(),
  detail: z.string(),
});
export type ChainActivity = z.infer<typeof ChainActivity>;

/**
 * Approve the wallet request without a dialog. Honoured only for the CLI (its --yes) and tests;
 * a window can never skip the confirmation.
 */
const AutoApprove = z.boolean().default(false);

export const chainMethods = {
  'chain.status': { input: z.object({}).strict(), output: ChainStatus },
  'chain.listNetworks': { input: z.object({}).strict(), output: z.object({ items: z.array(NetworkInfo) }) },
  'chain.addNetwork': {
    input: z.object({ id: z.string(), name: z.string(), rpcUrl: z.string(), chainId: z.number().int().positive() }).strict(),
    output: NetworkInfo,
  },
  'chain.selectNetwork': { input: z.object({ id: z.string() }).strict(), output: ChainStatus },
  /** A job: start the local devnet (anvil on 127.0.0.1) and deploy the contracts when it has none. */
  'chain.startDevnet': { input: z.object({}).strict(), output: JobRef },
  'chain.stopDevnet': { input: z.object({}).strict(), output: ChainStatus },
  /** Native currency and reward-token balance of an account on the selected network. */
  'chain.balances': { input: z.object({ account: Address }).strict(), output: z.object({ native: z.string(), token: z.string(), tokenSymbol: z.string() }) },
  /** What the chain says happened, rebuilt from the contracts' events. */
  'chain.activity': { input: z.object({}).strict(), output: z.object({ items: z.array(ChainActivity) }) },
  /** A job: publish a snapshot's root (and register its datanet first if needed) from a wallet account. */
  'chain.publishSnapshot': { input: z.object({ snapshotId: SnapshotId, account: Address, autoApprove: AutoApprove }).strict(), output: JobRef },
  /** A job: register an adapter (hash → base model hash, snapshot root, config hash). */
  'chain.registerAdapter': { input: z.object({ adapterId: AdapterId, account: Address, autoApprove: AutoApprove }).strict(), output: JobRef },
  /**
   * A job: deploy our contracts on the selected custom network from a wallet account (which then
   * publishes its reward epochs), paying the reward token given or a new DevToken.
   */
  'chain.deployContracts': {
    input: z.object({ account: Address, rewardToken: Address.optional(), autoApprove: AutoApprove }).strict(),
    output: JobRef,
  },
  /** Use contracts already deployed on the selected custom network (their code is checked first). */
  'chain.useDeployment': {
    input: z
      .object({
        DatanetRegistry: Address,
        ModelRegistry: Address,
        AttributionRegistry: Address,
        RewardDistributor: Address,
        RewardToken: Address,
        fromBlock: z.number().int().min(0).default(0),
      })
      .strict(),
    output: ChainStatus,
  },
  /** Where each snapshot and adapter has been published. */
  'chain.publications': {
    input: z.object({}).strict(),
    output: z.object({ items: z.array(z.object({ kind: z.enum(['snapshot', 'adapter']), subject: z.string(), networkId: z.string(), txHash: Hash32, at: Timestamp })) }),
  },
} as const;

export { AutoApprove };
