import { readFileSync } from 'node:fs';
import { getAddress, verifyTypedData, type TypedDataDomain, type TypedDataField } from 'ethers';
import { z } from 'zod';
import { AppError } from '../../shared/errors';
import { writeFileAtomic } from '../common/atomic-file';
import { buildTree, proofFor, rootFromProof, standardLeaf } from '../common/merkle';
import type { Deployment, RewardClaim } from './contracts';

/**
 * An epoch's reward tree: leaves (uint256 index, address account, uint256 amount) in the
 * OpenZeppelin StandardMerkleTree layout, the same one RewardDistributor checks. The tree itself is
 * common/merkle.ts, shared with snapshot roots; only the leaf's types differ.
 */
export const rewardLeafHash = ({ index, account, amount }: { index: number; account: string; amount: bigint }): string =>
  standardLeaf(['uint256', 'address', 'uint256'], [index, account, amount]);

export interface RewardTree {
  epoch: number;
  root: string;
  total: bigint;
  /** One per account, index = position after sorting by address. */
  claims: RewardClaim[];
}

/** Builds an epoch's tree. Accounts are sorted so the same shares always give the same root. */
export function buildRewardTree({ epoch, entries }: { epoch: number; entries: { account: string; amount: bigint }[] }): RewardTree {
  if (entries.length === 0) throw new AppError('BAD_INPUT', `Epoch ${epoch} has no rewards to distribute.`);
  const seen = new Set<string>();
  const normalized = entries.map((e, row) => {
    let account: string;
    try {
      account = getAddress(e.account);
    } catch {
      throw new AppError('BAD_INPUT', `Reward entry ${row}: "${e.account}" is not an address.`);
    }
    if (e.amount <= 0n) throw new AppError('BAD_INPUT', `Reward entry ${row} (${account}): the amount must be positive.`);
    if (seen.has(account)) throw new AppError('BAD_INPUT', `Reward entry ${row}: ${account} appears twice; sum its shares first.`);
    seen.add(account);
    return { account, amount: e.amount };
  });
  normalized.sort((a, b) => (a.account.toLowerCase() < b.account.toLowerCase() ? -1 : 1));
  const leaves = normalized.map((e, index) => rewardLeafHash({ index, ...e }));
  const tree = buildTree(leaves);
  const claims = normalized.map((e, index) => ({ epoch, index, account: e.account, amount: e.amount, proof: proofFor(tree, leaves[index]!) }));
  return { epoch, root: tree.root, total: normalized.reduce((s, e) => s + e.amount, 0n), claims };
}

export const claimProofMatchesRoot = ({ claim, root }: { claim: RewardClaim; root: string }) =>
  rootFromProof(rewardLeafHash(claim), claim.proof) === root.toLowerCase();

const Hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/);
const Address = z.string().regex(/^0x[0-9a-fA-F]{40}$/);
const Uint = z.string().regex(/^[0-9]+$/);

const ClaimFields = z.object({
  version: z.literal(1),
  chainId: z.number().int().positive(),
  distributor: Address,
  epoch: z.number().int().nonnegative(),
  index: z.number().int().nonnegative(),
  account: Address,
  amount: Uint,
  root: Hex32,
  proof: z.array(Hex32),
});
export const ClaimProofFile = ClaimFields.extend({ kind: z.literal('datanet-studio/reward-claim') });
export type ClaimProofFile = z.infer<typeof ClaimProofFile>;

export const SignedClaimFile = ClaimFields.extend({
  kind: z.literal('datanet-studio/signed-reward-claim'),
  recipient: Address,
  deadline: Uint,
  signature: z.string().regex(/^0x[0-9a-fA-F]+$/),
});
export type SignedClaimFile = z.infer<typeof SignedClaimFile>;

export function claimProofFile({ deployment, claim, root }: { deployment: Deployment; claim: RewardClaim; root: string }): ClaimProofFile {
  if (!claimProofMatchesRoot({ claim, root })) throw new AppError('BAD_INPUT', `The proof of claim ${claim.index} does not lead to root ${root}.`);
  return {
    kind: 'datanet-studio/reward-claim',
    version: 1,
    chainId: deployment.chainId,
    distributor: deployment.addresses.RewardDistributor,
    epoch: claim.epoch,
    index: claim.index,
    account: claim.account,
    amount: claim.amount.toString(),
    root,
    proof: claim.proof,
  };
}

export const claimFromFile = (f: ClaimProofFile | SignedClaimFile): RewardClaim => ({ epoch: f.epoch, index: f.index, account: getAddress(f.account), amount: BigInt(f.amount), proof: f.proof });

export function writeClaimFile({ path, file }: { path: string; file: ClaimProofFile | SignedClaimFile }): void {
  writeFileAtomic(path, [Buffer.from(`${JSON.stringify(file, null, 2)}\n`)]);
}

/** Reads a claim file (a proof, or a signed claim), naming the file and field when it is not one. */
export function readClaimFile(path: string): ClaimProofFile | SignedClaimFile {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new AppError('BAD_INPUT', `${path} is not a JSON claim file: ${(e as Error).message}`);
  }
  const schema = (json as { kind?: unknown })?.kind === 'datanet-studio/signed-reward-claim' ? SignedClaimFile : ClaimProofFile;
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AppError('BAD_INPUT', `${path}: field "${issue.path.join('.')}": ${issue.message}`);
  }
  if (!claimProofMatchesRoot({ claim: claimFromFile(parsed.data), root: parsed.data.root })) {
    throw new AppError('BAD_INPUT', `${path}: the proof does not lead to the root it names.`);
  }
  return parsed.data;
}

/**
 * The EIP-712 message an account signs to let anyone submit its claim, paying out to `recipient`.
 * The domain binds the chain id and the distributor's address: RewardDistributor rejects the
 * signature anywhere else.
 */
export function claimTypedData({ file, recipient, deadline }: { file: ClaimProofFile | SignedClaimFile; recipient: string; deadline: bigint }): {
  domain: TypedDataDomain;
  types: Record<string, TypedDataField[]>;
  primaryType: 'Claim';
  message: Record<string, unknown>;
} {
  return {
    domain: { name: 'DatanetRewards', version: '1', chainId: file.chainId, verifyingContract: getAddress(file.distributor) },
    types: {
      Claim: [
        { name: 'epoch', type: 'uint64' },
        { name: 'index', type: 'uint256' },
        { name: 'account', type: 'address' },
        { name: 'amount', type: 'uint256' },
        { name: 'recipient', type: 'address' },
        { name: 'deadline', type: 'uint256' },
      ],
    },
    primaryType: 'Claim',
    message: { epoch: file.epoch, index: file.index, account: getAddress(file.account), amount: BigInt(file.amount), recipient: getAddress(recipient), deadline },
  };
}

export function signedClaimFile({ file, recipient, deadline, signature }: { file: ClaimProofFile; recipient: string; deadline: bigint; signature: string }): SignedClaimFile {
  const signed: SignedClaimFile = { ...file, kind: 'datanet-studio/signed-reward-claim', recipient: getAddress(recipient), deadline: deadline.toString(), signature };
  assertSignedByAccount(signed);
  return signed;
}

/** Checks locally that the signature is the account's, before anyone pays gas to submit it. */
export function assertSignedByAccount(f: SignedClaimFile): void {
  const { domain, types, message } = claimTypedData({ file: f, recipient: f.recipient, deadline: BigInt(f.deadline) });
  let signer: string;
  try {
    signer = verifyTypedData(domain, types, message, f.signature);
  } catch (e) {
    throw new AppError('BAD_INPUT', `The claim signature is malformed: ${(e as Error).message}`);
  }
  if (getAddress(signer) !== getAddress(f.account)) throw new AppError('UNAUTHORIZED', `The claim is signed by ${signer}, not by the account ${f.account}.`);
}
