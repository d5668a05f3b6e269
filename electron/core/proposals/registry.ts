import { Contract, getAddress, keccak256, toUtf8Bytes, type JsonRpcProvider, type TransactionReceipt } from 'ethers';
import { AppError } from '../../shared/errors';
import type { Proposal } from '../../shared/proposals';
import { contractInterface, describeCall, encodeDeploy, type UnsignedTx } from '../chain/contracts';
import { canonicalJson } from '../common/canonical-json';

/** The on-chain statuses of ProposalRegistry.Status, by index. */
export const REGISTRY_STATUSES = ['none', 'pending', 'approved', 'rejected'] as const;
export type RegistryStatus = (typeof REGISTRY_STATUSES)[number];

export interface OnChainProposal {
  proposer: string;
  contentHash: string;
  stake: bigint;
  status: RegistryStatus;
  approvals: number;
  rejections: number;
}

/** What goes on chain for a proposal: a hash of the fields it was reviewed on, never the text. */
export function proposalContentHash(p: Pick<Proposal, 'title' | 'purpose' | 'useCase' | 'baseModel' | 'targetDatanets' | 'dataRequirements' | 'evaluationCriteria' | 'owner'>): string {
  const { title, purpose, useCase, baseModel, targetDatanets, dataRequirements, evaluationCriteria, owner } = p;
  return keccak256(toUtf8Bytes(canonicalJson({ title, purpose, useCase, baseModel, targetDatanets, dataRequirements, evaluationCriteria, owner })));
}

export const encodeDeployProposalRegistry = (a: { chainId: number; stakeToken: string; minStake: bigint; treasury: string; reviewers: string[] }) =>
  encodeDeploy({ chainId: a.chainId, contract: 'ProposalRegistry', args: [a.stakeToken, a.minStake, a.treasury, a.reviewers] });

function call(a: { chainId: number; contract: 'ProposalRegistry' | 'DevToken'; to: string; fn: string; args: unknown[] }): UnsignedTx {
  const data = contractInterface(a.contract).encodeFunctionData(a.fn, a.args);
  return { chainId: a.chainId, to: a.to, data, value: 0n, summary: describeCall({ chainId: a.chainId, contract: a.contract, to: a.to, data }) };
}

/** Allows the registry to take the stake; the ERC-20 `approve` of the reward token. */
export const encodeApproveProposalStake = (a: { chainId: number; stakeToken: string; registry: string; amount: bigint }) =>
  call({ chainId: a.chainId, contract: 'DevToken', to: a.stakeToken, fn: 'approve', args: [a.registry, a.amount] });

export const encodeSubmitProposal = (a: { chainId: number; registry: string; contentHash: string }) =>
  call({ chainId: a.chainId, contract: 'ProposalRegistry', to: a.registry, fn: 'submit', args: [a.contentHash] });

export const encodeVoteProposal = (a: { chainId: number; registry: string; onChainId: bigint; approve: boolean }) =>
  call({ chainId: a.chainId, contract: 'ProposalRegistry', to: a.registry, fn: 'vote', args: [a.onChainId, a.approve] });

/** The id the registry gave a submission, from its ProposalSubmitted event. */
export function submittedProposalId(a: { receipt: TransactionReceipt; registry: string }): bigint {
  const iface = contractInterface('ProposalRegistry');
  for (const log of a.receipt.logs) {
    if (getAddress(log.address) !== getAddress(a.registry)) continue;
    const parsed = iface.parseLog(log);
    if (parsed?.name === 'ProposalSubmitted') return parsed.args[0] as bigint;
  }
  throw new AppError('NOT_FOUND', `Transaction ${a.receipt.hash} holds no ProposalSubmitted event of ${a.registry}.`);
}

export async function readOnChainProposal(a: { provider: JsonRpcProvider; registry: string; onChainId: bigint }): Promise<OnChainProposal> {
  const registry = new Contract(a.registry, contractInterface('ProposalRegistry'), a.provider);
  const r = (await registry.getFunction('proposal')(a.onChainId)) as [string, string, bigint, bigint, bigint, bigint];
  return {
    proposer: r[0],
    contentHash: r[1],
    stake: r[2],
    status: REGISTRY_STATUSES[Number(r[3])]!,
    approvals: Number(r[4]),
    rejections: Number(r[5]),
  };
}
