/**
 * Rewards as the app runs them: close an epoch over new receipts, anchor its receipts root and
 * publish its reward root on the selected network, and let contributors claim from the wallet —
 * directly, or by signing a claim file on one machine and submitting it from another.
 */
import { getAddress, parseUnits } from 'ethers';
import type { RewardClaimInfo, RewardEpoch } from '../../shared/rewards';
import { AppError } from '../../shared/errors';
import type { Job } from '../../shared/jobs';
import type { AuditLog } from '../audit/log';
import type { AttributionService } from '../attribution/service';
import type { AppChain } from '../chain/app-chain';
import type { JobContext, JobManager } from '../jobs/manager';
import type { WalletService } from '../wallet/service';
import { APPROVE_WITHOUT_ASKING } from '../wallet/service';
import type { TxOutcome } from '../../shared/chain';
import { readContract, encodeAnchorReceipts, encodeApproveRewardFunding, encodeClaim, encodeClaimWithSignature, encodeMintDevToken, encodePublishEpoch } from '../chain/contracts';
import { assertSignedByAccount, claimFromFile, claimProofFile, claimTypedData, readClaimFile, signedClaimFile, writeClaimFile } from '../chain/reward-tree';
import type { EpochRow, RewardEpochs } from './epochs';

const TOKEN_DECIMALS = 18;
/** A signed claim stays valid this long, so a lost file cannot be used forever. */
const SIGNED_CLAIM_TTL_S = 30n * 24n * 3600n;

export interface RewardsDeps {
  audit: AuditLog;
  actor: string;
  jobs: JobManager;
  attribution: AttributionService;
  chain: AppChain;
  wallet: WalletService;
  epochs: RewardEpochs;
}

export function epochInfo(r: EpochRow): RewardEpoch {
  return {
    epoch: r.epoch,
    pool: r.pool,
    total: r.total,
    root: r.root,
    receiptsRoot: r.receipts_root,
    receipts: r.receipts,
    usageTokens: r.usage_tokens,
    contributors: (JSON.parse(r.leaves) as unknown[]).length,
    closedAt: r.closed_at,
    chainId: r.chain_id,
    distributor: r.distributor,
    publishTx: r.publish_tx,
    anchorTx: r.anchor_tx,
    publishedAt: r.published_at,
  };
}

export class RewardsService {
  constructor(private readonly d: RewardsDeps) {}

  listEpochs(): { items: RewardEpoch[] } {
    return { items: this.d.epochs.list().map(epochInfo) };
  }

  pending(): { receipts: number; usageTokens: number } {
    const r = this.d.attribution.unassignedReceipts();
    return { receipts: r.length, usageTokens: r.reduce((a, x) => a + x.usageTokens, 0) };
  }

  closeEpoch(i: { pool: string; publish: boolean; autoApprove: boolean }): Job {
    const pool = parseUnits(i.pool, TOKEN_DECIMALS);
    return this.d.jobs.start({
      kind: 'rewards.closeEpoch',
      title: `Close a reward epoch of ${i.pool} tokens`,
      unit: 'transactions',
      run: async (ctx) => {
        const row = this.d.epochs.close({ pool, receipts: this.d.attribution.unassignedReceipts() });
        if (!i.publish) return epochInfo(row);
        return epochInfo(await this.publish(row, i.autoApprove, ctx));
      },
    });
  }

  /** A job: publish an epoch that was closed without publishing (or whose publishing failed). */
  publishEpoch(i: { epoch: number; autoApprove: boolean }): Job {
    const row = this.d.epochs.get(i.epoch);
    if (row.publish_tx) throw new AppError('CONFLICT', `Epoch ${i.epoch} is already published on chain ${row.chain_id} (${row.publish_tx}).`);
    return this.d.jobs.start({
      kind: 'rewards.closeEpoch',
      title: `Publish reward epoch ${i.epoch}`,
      unit: 'transactions',
      run: async (ctx) => epochInfo(await this.publish(row, i.autoApprove, ctx)),
    });
  }

  /** Anchors the receipts root and publishes the reward root, funded with the epoch's total. */
  private async publish(row: EpochRow, autoApprove: boolean, ctx: JobContext): Promise<EpochRow> {
    const c = await this.d.chain.connect({ signal: ctx.signal });
    const sender = await this.d.chain.operatorSender(c, autoApprove, 'rewards.closeEpoch');
    const total = BigInt(row.total);
    const steps = c.devnet ? 4 : 3;
    let step = 0;
    const next = () => ({ step: step++, total: steps });
    const anchor = await this.d.chain.send(c, sender, encodeAnchorReceipts({ deployment: c.deployment, epoch: row.epoch, receiptsRoot: row.receipts_root, receiptCount: row.receipts }), ctx, next());
    if (c.devnet) await this.d.chain.send(c, sender, encodeMintDevToken({ deployment: c.deployment, to: sender.address, amount: total }), ctx, next());
    await this.d.chain.send(c, sender, encodeApproveRewardFunding({ deployment: c.deployment, amount: total }), ctx, next());
    const published = await this.d.chain.send(c, sender, encodePublishEpoch({ deployment: c.deployment, epoch: row.epoch, root: row.root, total }), ctx, next());
    return this.d.epochs.markPublished({ epoch: row.epoch, chainId: c.network.chainId, distributor: c.deployment.addresses.RewardDistributor, publishTx: published.txHash, anchorTx: anchor.txHash });
  }

  /** An account's reward in every epoch, and whether it is claimed on the selected network. */
  async claims(account: string): Promise<{ items: RewardClaimInfo[] }> {
    const items: RewardClaimInfo[] = [];
    let connection: Awaited<ReturnType<AppChain['connect']>> | null = null;
    for (const row of this.d.epochs.list()) {
      const claim = this.d.epochs.tree(row.epoch).claims.find((c) => c.account.toLowerCase() === account.toLowerCase());
      if (!claim) continue;
      let claimed: boolean | null = null;
      if (row.distributor) {
        connection ??= await this.d.chain.connect({ start: false }).catch(() => null);
        if (connection && getAddress(connection.deployment.addresses.RewardDistributor) === getAddress(row.distributor)) {
          claimed = await readContract<boolean>({ provider: connection.provider, contract: 'RewardDistributor', address: row.distributor, fn: 'isClaimed', args: [row.epoch, claim.index] });
        }
      }
      items.push({ epoch: row.epoch, index: claim.index, account: claim.account, amount: claim.amount.toString(), claimed });
    }
    return { items };
  }

  private published(epoch: number): EpochRow {
    const row = this.d.epochs.get(epoch);
    if (!row.distributor) throw new AppError('CONFLICT', `Epoch ${epoch} is closed but not published on a chain yet, so nothing can be claimed.`);
    return row;
  }

  claim(i: { epoch: number; account: string; autoApprove: boolean }): Job {
    this.published(i.epoch);
    const claim = this.d.epochs.claimFor(i.epoch, i.account);
    return this.d.jobs.start({
      kind: 'rewards.claim',
      title: `Claim epoch ${i.epoch} for ${claim.account}`,
      unit: 'transactions',
      run: async (ctx): Promise<TxOutcome & { amount: string }> => {
        const c = await this.d.chain.connect({ signal: ctx.signal });
        const sender = await this.d.chain.walletSender(c, claim.account, i.autoApprove, 'rewards.claim');
        const out = await this.d.chain.send(c, sender, encodeClaim({ deployment: c.deployment, claim }), ctx, { step: 0, total: 1 });
        this.d.audit.append({ actor: this.d.actor, action: 'rewards.claim', subject: String(i.epoch), details: { account: claim.account, amount: claim.amount.toString(), txHash: out.txHash } });
        return { ...out, amount: claim.amount.toString() };
      },
    });
  }

  async exportClaim(i: { epoch: number; account: string; path: string }): Promise<{ path: string }> {
    const row = this.published(i.epoch);
    const claim = this.d.epochs.claimFor(i.epoch, i.account);
    const c = await this.d.chain.connect();
    if (getAddress(c.deployment.addresses.RewardDistributor) !== getAddress(row.distributor!)) {
      throw new AppError('CONFLICT', `Epoch ${i.epoch} was published on another network (chain ${row.chain_id}); select it first.`);
    }
    writeClaimFile({ path: i.path, file: claimProofFile({ deployment: c.deployment, claim, root: row.root }) });
    this.d.audit.append({ actor: this.d.actor, action: 'rewards.exportClaim', subject: String(i.epoch), details: { account: claim.account, path: i.path } });
    return { path: i.path };
  }

  /** Signs a claim file's typed data with the wallet (no network needed: the air-gapped half). */
  signClaim(i: { path: string; out: string; recipient?: string; autoApprove: boolean }): Job {
    const file = readClaimFile(i.path);
    if (file.kind !== 'datanet-studio/reward-claim') throw new AppError('BAD_INPUT', `${i.path} is already a signed claim.`);
    return this.d.jobs.start({
      kind: 'rewards.claim',
      title: `Sign the claim of epoch ${file.epoch} for ${file.account}`,
      unit: 'signatures',
      run: async () => {
        const recipient = getAddress(i.recipient ?? file.account);
        const deadline = BigInt(Math.floor(Date.now() / 1000)) + SIGNED_CLAIM_TTL_S;
        const typed = claimTypedData({ file, recipient, deadline });
        const signature = await this.d.wallet.signTypedData({
          account: getAddress(file.account),
          domain: typed.domain as never,
          types: typed.types as never,
          primaryType: typed.primaryType,
          message: typed.message,
          purpose: `Claim ${file.amount} base units of epoch ${file.epoch}, paid to ${recipient}`,
          origin: 'rewards.signClaim',
          confirm: i.autoApprove ? APPROVE_WITHOUT_ASKING : undefined,
        });
        writeClaimFile({ path: i.out, file: signedClaimFile({ file, recipient, deadline, signature }) });
        return { path: i.out, recipient, deadline: deadline.toString() };
      },
    });
  }

  submitClaim(i: { path: string; account: string; autoApprove: boolean }): Job {
    const file = readClaimFile(i.path);
    if (file.kind !== 'datanet-studio/signed-reward-claim') throw new AppError('BAD_INPUT', `${i.path} is a claim that is not signed yet: sign it first (rewards sign-claim).`);
    assertSignedByAccount(file);
    return this.d.jobs.start({
      kind: 'rewards.claim',
      title: `Submit the signed claim of epoch ${file.epoch} for ${file.account}`,
      unit: 'transactions',
      run: async (ctx) => {
        const c = await this.d.chain.connect({ signal: ctx.signal });
        if (c.network.chainId !== file.chainId || getAddress(c.deployment.addresses.RewardDistributor) !== getAddress(file.distributor)) {
          throw new AppError('CONFLICT', `The claim is for distributor ${file.distributor} on chain ${file.chainId}, not the selected network's.`);
        }
        const sender = await this.d.chain.walletSender(c, i.account, i.autoApprove, 'rewards.submitClaim');
        const tx = encodeClaimWithSignature({ deployment: c.deployment, claim: claimFromFile(file), recipient: file.recipient, deadline: BigInt(file.deadline), signature: file.signature });
        const out = await this.d.chain.send(c, sender, tx, ctx, { step: 0, total: 1 });
        this.d.audit.append({ actor: this.d.actor, action: 'rewards.submitClaim', subject: String(file.epoch), details: { account: file.account, recipient: file.recipient, txHash: out.txHash } });
        return { ...out, amount: file.amount };
      },
    });
  }
}
