import { formatUnits, getAddress, toBeHex, zeroPadValue } from 'ethers';
import { z } from 'zod';
import type { TxOutcome } from '../../shared/chain';
import { AppError } from '../../shared/errors';
import type { Job } from '../../shared/jobs';
import { PROPOSAL_STAKE, type Proposal, type ProposalVote } from '../../shared/proposals';
import type { AuditLog } from '../audit/log';
import type { AppChain, Connection } from '../chain/app-chain';
import { contractInterface, encodeMintDevToken, readContract, type UnsignedTx } from '../chain/contracts';
import { devnetSender } from '../chain/deploy';
import { nowIso } from '../common/ids';
import type { Db } from '../db/open';
import type { JobContext, JobManager } from '../jobs/manager';
import type { ProposalStore } from './store';
import { encodeApproveProposalStake, encodeDeployProposalRegistry, encodeSubmitProposal, encodeVoteProposal, proposalContentHash, readOnChainProposal, submittedProposalId } from './registry';


/** The ProposalRegistry this workspace uses on a network, as deployed (its reviewers are fixed then). */
const RegistryRecord = z.object({
  address: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  chainId: z.number().int().positive(),
  reviewers: z.array(z.string()),
  minStake: z.string().regex(/^\d+$/),
  treasury: z.string(),
  deployedAt: z.string(),
});
type RegistryRecord = z.infer<typeof RegistryRecord>;

/** Blocks per eth_getLogs request. */
const LOG_WINDOW = 10_000;

const registryKey = (networkId: string) => `proposals.registry.${networkId}`;
const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x.toLowerCase() === b[i]!.toLowerCase());

/**
 * Proposals staked and reviewed on the selected network's ProposalRegistry. Every transaction goes
 * through the wallet's confirmation like any other (AppChain.walletSender); the local proposal
 * follows what the chain did: staked → in review, the registry's decision → approved or rejected.
 */
export class ProposalChainFlow {
  constructor(
    private readonly d: { db: Db; audit: AuditLog; actor: string; jobs: JobManager; chain: AppChain; proposals: ProposalStore },
  ) {}

  submit(i: { id: string; account: string; autoApprove: boolean }): Job {
    const p = this.d.proposals.get(i.id);
    if (p.state !== 'draft') throw new AppError('CONFLICT', `Proposal "${p.title}" is ${p.state}: only a draft can be submitted.`);
    const reviewers = this.d.proposals.reviewers();
    if (reviewers.length === 0) throw new AppError('CONFLICT', `Proposal "${p.title}" cannot be staked on chain: configure the reviewers first (the registry is deployed with them).`);
    return this.d.jobs.start({
      kind: 'chain.transaction',
      title: `Submit proposal "${p.title}" with its stake`,
      unit: 'transactions',
      run: async (ctx) => {
        const c = await this.d.chain.connect({ signal: ctx.signal });
        const txs: TxOutcome[] = [];
        const registry = await this.ensureRegistry(c, reviewers, i, ctx, txs);
        const sender = await this.d.chain.walletSender(c, i.account, i.autoApprove, 'proposals.submit');
        const stakeToken = c.deployment.addresses.RewardToken;
        const stake = BigInt(registry.minStake);
        const balance = await readContract<bigint>({ provider: c.provider, contract: 'DevToken', address: stakeToken, fn: 'balanceOf', args: [sender.address] });
        if (balance < stake) {
          if (!c.devnet) {
            throw new AppError('CONFLICT', `${sender.address} holds ${formatUnits(balance, 18)} reward tokens on ${c.network.name}; the proposal stake is ${formatUnits(stake, 18)}.`);
          }
          txs.push(await this.send(c, await this.d.chain.operatorSender(c, i.autoApprove, 'proposals.submit'), encodeMintDevToken({ deployment: c.deployment, to: sender.address, amount: stake - balance }), ctx, txs.length));
        }
        txs.push(await this.send(c, sender, encodeApproveProposalStake({ chainId: c.network.chainId, stakeToken, registry: registry.address, amount: stake }), ctx, txs.length));
        const submitted = await this.send(c, sender, encodeSubmitProposal({ chainId: c.network.chainId, registry: registry.address, contentHash: proposalContentHash(p) }), ctx, txs.length);
        txs.push(submitted);
        const receipt = await c.provider.getTransactionReceipt(submitted.txHash);
        const onChainId = submittedProposalId({ receipt: receipt!, registry: registry.address });
        this.d.proposals.submit({
          id: p.id,
          actor: sender.address,
          stake: { where: 'chain', chainId: c.network.chainId, registry: getAddress(registry.address), onChainId: onChainId.toString(), amount: stake.toString(), txHash: submitted.txHash },
        });
        const proposal = this.d.proposals.transition({ id: p.id, to: 'in_review', actor: sender.address, note: `open for review on chain ${c.network.chainId} (registry proposal #${onChainId})` });
        return { proposal, onChainId: onChainId.toString(), registry: registry.address, transactions: txs };
      },
    });
  }

  vote(i: { id: string; reviewer: string; approve: boolean; comment?: string; autoApprove: boolean }): Job {
    const p = this.d.proposals.get(i.id);
    const stake = p.stake;
    if (stake?.where !== 'chain') throw new AppError('CONFLICT', `Proposal "${p.title}" is not staked on a chain: vote with proposals.vote.`);
    if (p.state !== 'in_review') throw new AppError('CONFLICT', `Proposal "${p.title}" is ${p.state}, not in_review: votes are taken only during review.`);
    if (!this.d.proposals.reviewers().includes(i.reviewer.toLowerCase())) {
      throw new AppError('UNAUTHORIZED', `reviewer: ${i.reviewer} is not one of the workspace's configured reviewers.`);
    }
    return this.d.jobs.start({
      kind: 'chain.transaction',
      title: `${i.approve ? 'Approve' : 'Reject'} proposal "${p.title}" on chain`,
      unit: 'transactions',
      run: async (ctx) => {
        const c = await this.d.chain.connect({ signal: ctx.signal });
        if (c.network.chainId !== stake.chainId) {
          throw new AppError('CONFLICT', `Proposal "${p.title}" is staked on chain ${stake.chainId}, but the selected network ${c.network.name} is chain ${c.network.chainId}: select that network first.`);
        }
        const sender = await this.d.chain.walletSender(c, i.reviewer, i.autoApprove, 'proposals.vote');
        const onChainId = BigInt(stake.onChainId);
        const sent = await this.send(c, sender, encodeVoteProposal({ chainId: stake.chainId, registry: stake.registry, onChainId, approve: i.approve }), ctx, 0, 1);
        const votes = this.d.proposals.vote({ id: p.id, reviewer: sender.address, approve: i.approve, comment: i.comment, txHash: sent.txHash });
        const proposal = await this.follow(c, p);
        return { proposal, votes, transactions: [sent] };
      },
    });
  }

  /**
   * Reads a chain-staked proposal's votes from its registry's ProposalVoted events, so votes cast
   * outside this workspace (a reviewer's own wallet elsewhere) are recorded with their transactions,
   * then follows the registry's decision. Asked for explicitly, so it starts a stopped devnet as
   * the CLI needs (each command is its own process).
   */
  async sync(i: { id: string }): Promise<{ proposal: Proposal; votes: ProposalVote[]; recorded: number; notReviewers: string[] }> {
    const p = this.d.proposals.get(i.id);
    const stake = p.stake;
    if (stake?.where !== 'chain') throw new AppError('CONFLICT', `Proposal "${p.title}" is not staked on a chain: there is nothing to read from one.`);
    const c = await this.d.chain.connect();
    if (c.network.chainId !== stake.chainId) {
      throw new AppError('CONFLICT', `Proposal "${p.title}" is staked on chain ${stake.chainId}, but the selected network ${c.network.name} is chain ${c.network.chainId}: select that network first.`);
    }
    const staked = await c.provider.getTransactionReceipt(stake.txHash);
    if (!staked) throw new AppError('NOT_FOUND', `The stake's transaction ${stake.txHash} is not on ${c.network.name}: was the chain reset?`);
    const iface = contractInterface('ProposalRegistry');
    const topics = [iface.getEvent('ProposalVoted')!.topicHash, zeroPadValue(toBeHex(BigInt(stake.onChainId)), 32)];
    const logs = [];
    // In windows, as public RPCs cap eth_getLogs ranges.
    const end = await c.provider.getBlockNumber();
    for (let from = staked.blockNumber; from <= end; from += LOG_WINDOW) {
      logs.push(...(await c.provider.getLogs({ address: stake.registry, topics, fromBlock: from, toBlock: Math.min(end, from + LOG_WINDOW - 1) })));
    }
    const reviewers = new Set(this.d.proposals.reviewers());
    const known = new Set(this.d.proposals.votes(p.id).map((v) => v.txHash?.toLowerCase()));
    const notReviewers = new Set<string>();
    let recorded = 0;
    for (const log of logs) {
      const parsed = iface.parseLog(log)!;
      const reviewer = (parsed.args.reviewer as string).toLowerCase();
      if (known.has(log.transactionHash.toLowerCase())) continue;
      // The registry's reviewers were fixed when it was deployed; one no longer configured here is reported, not recorded.
      if (!reviewers.has(reviewer)) {
        notReviewers.add(getAddress(reviewer));
        continue;
      }
      if (this.d.proposals.get(p.id).state !== 'in_review') break;
      this.d.proposals.vote({ id: p.id, reviewer, approve: parsed.args.approve as boolean, comment: 'read from the chain', txHash: log.transactionHash });
      recorded++;
    }
    const proposal = p.state === 'in_review' ? await this.follow(c, p) : p;
    return { proposal, votes: this.d.proposals.votes(p.id), recorded, notReviewers: [...notReviewers] };
  }

  /** Moves an in-review proposal to the registry's decision, if it has one. */
  private async follow(c: Connection, p: Proposal): Promise<Proposal> {
    const stake = p.stake;
    if (stake?.where !== 'chain') return p;
    const onChain = await readOnChainProposal({ provider: c.provider, registry: stake.registry, onChainId: BigInt(stake.onChainId) });
    const now = this.d.proposals.get(p.id);
    // A sync or another vote may have followed the decision meanwhile.
    if (onChain.status !== 'approved' && onChain.status !== 'rejected') return now;
    if (now.state !== 'in_review') return now;
    const amount = `${formatUnits(onChain.stake, 18)} tokens`;
    return this.d.proposals.followChain({
      id: p.id,
      status: onChain.status,
      actor: this.d.actor,
      note: onChain.status === 'approved'
        ? `approved on chain by ${onChain.approvals} reviewers; the stake of ${amount} went back to ${onChain.proposer}`
        : `rejected on chain by ${onChain.rejections} reviewers; the stake of ${amount} went to the treasury`,
      details: { chainId: stake.chainId, registry: stake.registry, onChainId: stake.onChainId, approvals: onChain.approvals, rejections: onChain.rejections },
    });
  }

  /**
   * The network's ProposalRegistry for the workspace's reviewers: the one recorded when it still
   * has code and the same reviewers, else a new one (the devnet's operator deploys it on the devnet,
   * the submitting account elsewhere). Kept stakes go to the reward distributor's owner.
   */
  private async ensureRegistry(c: Connection, reviewers: string[], i: { account: string; autoApprove: boolean }, ctx: JobContext, txs: TxOutcome[]): Promise<RegistryRecord> {
    const row = this.d.db.prepare('SELECT value FROM settings WHERE key = ?').get(registryKey(c.network.id)) as { value: string } | undefined;
    const known = row ? RegistryRecord.safeParse(JSON.parse(row.value)) : null;
    if (known?.success && known.data.chainId === c.network.chainId && sameSet(known.data.reviewers, reviewers) && (await c.provider.getCode(known.data.address)) !== '0x') {
      return known.data;
    }
    const treasury = getAddress(await readContract<string>({ provider: c.provider, contract: 'RewardDistributor', address: c.deployment.addresses.RewardDistributor, fn: 'owner' }));
    const sender = c.devnet ? devnetSender(c.devnet) : await this.d.chain.walletSender(c, i.account, i.autoApprove, 'proposals.submit');
    const tx = encodeDeployProposalRegistry({ chainId: c.network.chainId, stakeToken: c.deployment.addresses.RewardToken, minStake: PROPOSAL_STAKE, treasury, reviewers: reviewers.map((r) => getAddress(r)) });
    const out = await this.send(c, sender, tx, ctx, txs.length);
    txs.push(out);
    const address = (await c.provider.getTransactionReceipt(out.txHash))?.contractAddress;
    if (!address) throw new AppError('CONFLICT', `Transaction ${out.txHash} deployed no ProposalRegistry.`);
    const record: RegistryRecord = { address: getAddress(address), chainId: c.network.chainId, reviewers, minStake: PROPOSAL_STAKE.toString(), treasury, deployedAt: nowIso() };
    this.d.db
      .prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
      .run(registryKey(c.network.id), JSON.stringify(record));
    this.d.audit.append({ actor: this.d.actor, action: 'chain.deploy', subject: c.network.id, details: { ProposalRegistry: record.address, reviewers, treasury, txHash: out.txHash } });
    return record;
  }

  private send(c: Connection, sender: Parameters<AppChain['send']>[1], tx: UnsignedTx, ctx: JobContext, step: number, total: number | null = null): Promise<TxOutcome> {
    return this.d.chain.send(c, sender, tx, ctx, { step, total });
  }
}
