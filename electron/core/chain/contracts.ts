import { AbiCoder, Interface, Result, getAddress, keccak256, toUtf8Bytes, type BytesLike, type Provider } from 'ethers';
import { AppError } from '../../shared/errors';
import { loadContractArtifacts, type ContractName } from './artifacts';

/** The contracts of one deployment. RewardToken is the DevToken on the devnet, any ERC-20 elsewhere. */
export interface DeploymentAddresses {
  DatanetRegistry: string;
  ModelRegistry: string;
  AttributionRegistry: string;
  RewardDistributor: string;
  RewardToken: string;
}
export type DeployedContract = keyof DeploymentAddresses;

export interface Deployment {
  networkId: string;
  chainId: number;
  addresses: DeploymentAddresses;
  /** Block of the first deployment transaction: event scans start here. */
  fromBlock: number;
  deployedAt: string;
}

export interface TxArgSummary {
  name: string;
  type: string;
  /** Decimal for integers, 0x-hex for bytes and addresses, arrays and tuples nested. */
  value: unknown;
}

/**
 * What a transaction does, decoded from its own calldata with the contract's ABI (never written by
 * hand next to it), for the wallet to show before it signs.
 */
export interface TxSummary {
  chainId: number;
  contract: ContractName;
  address: string | null;
  function: string;
  signature: string;
  args: TxArgSummary[];
  valueWei: string;
}

/** An unsigned transaction; `to` is null for a contract creation. */
export interface UnsignedTx {
  chainId: number;
  to: string | null;
  data: string;
  value: bigint;
  summary: TxSummary;
}

/**
 * The seam between chain code and whoever signs: the wallet implements it (after showing the
 * summary and asking), tests implement it with anvil's dev keys. Returns the transaction hash.
 */
export interface TxSender {
  address: string;
  send(tx: UnsignedTx): Promise<string>;
}

const interfaces = new Map<ContractName, Interface>();

export function contractInterface(name: ContractName): Interface {
  let iface = interfaces.get(name);
  if (!iface) {
    iface = new Interface(loadContractArtifacts()[name].abi as never);
    interfaces.set(name, iface);
  }
  return iface;
}

/** One view call: encoded with the contract's ABI, sent with eth_call, its first result decoded. */
export async function readContract<T>({ provider, contract, address, fn, args = [] }: { provider: Provider; contract: ContractName; address: string; fn: string; args?: unknown[] }): Promise<T> {
  const iface = contractInterface(contract);
  const out = await provider.call({ to: address, data: iface.encodeFunctionData(fn, args) });
  return iface.decodeFunctionResult(fn, out)[0] as T;
}

const artifactOf = (c: DeployedContract): ContractName => (c === 'RewardToken' ? 'DevToken' : c);

function formatValue(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Result) return v.toArray().map(formatValue);
  if (Array.isArray(v)) return v.map(formatValue);
  return v;
}

/** Decodes calldata sent to `contract` into a summary. Throws when the calldata is not one of its functions. */
export function describeCall({ chainId, contract, to, data, value = 0n }: { chainId: number; contract: ContractName; to: string; data: string; value?: bigint }): TxSummary {
  const parsed = contractInterface(contract).parseTransaction({ data, value });
  if (!parsed) throw new AppError('BAD_INPUT', `The calldata is not a call of any ${contract} function.`);
  return {
    chainId,
    contract,
    address: getAddress(to),
    function: parsed.name,
    signature: parsed.signature,
    args: parsed.fragment.inputs.map((input, i) => ({ name: input.name, type: input.type, value: formatValue(parsed.args[i]) })),
    valueWei: value.toString(),
  };
}

/** Decodes a creation transaction's constructor arguments (the calldata after the bytecode). */
export function describeDeploy({ chainId, contract, data }: { chainId: number; contract: ContractName; data: string }): TxSummary {
  const { bytecode } = loadContractArtifacts()[contract];
  if (!data.toLowerCase().startsWith(bytecode.toLowerCase())) throw new AppError('BAD_INPUT', `The creation code is not ${contract}'s compiled bytecode.`);
  const inputs = contractInterface(contract).deploy.inputs;
  const decoded = AbiCoder.defaultAbiCoder().decode(inputs, `0x${data.slice(bytecode.length)}`);
  return {
    chainId,
    contract,
    address: null,
    function: 'constructor',
    signature: `constructor(${inputs.map((i) => i.type).join(',')})`,
    args: inputs.map((input, i) => ({ name: input.name, type: input.type, value: formatValue(decoded[i]) })),
    valueWei: '0',
  };
}

export function encodeDeploy({ chainId, contract, args }: { chainId: number; contract: ContractName; args: unknown[] }): UnsignedTx {
  const { bytecode } = loadContractArtifacts()[contract];
  const data = bytecode + contractInterface(contract).encodeDeploy(args).slice(2);
  return { chainId, to: null, data, value: 0n, summary: describeDeploy({ chainId, contract, data }) };
}

function encodeCall({ deployment, contract, fn, args }: { deployment: Deployment; contract: DeployedContract; fn: string; args: unknown[] }): UnsignedTx {
  const name = artifactOf(contract);
  const to = deployment.addresses[contract];
  const data = contractInterface(name).encodeFunctionData(fn, args);
  return { chainId: deployment.chainId, to, data, value: 0n, summary: describeCall({ chainId: deployment.chainId, contract: name, to, data }) };
}

/** The on-chain id of a local datanet: a hash of its local id, so two workspaces never collide by name. */
export const datanetIdOnChain = (localId: string) => keccak256(toUtf8Bytes(localId));

export const encodeRegisterDatanet = ({ deployment, datanetId }: { deployment: Deployment; datanetId: BytesLike }) =>
  encodeCall({ deployment, contract: 'DatanetRegistry', fn: 'registerDatanet', args: [datanetId] });

export const encodePublishSnapshot = ({ deployment, datanetId, root, recordCount }: { deployment: Deployment; datanetId: BytesLike; root: BytesLike; recordCount: number }) =>
  encodeCall({ deployment, contract: 'DatanetRegistry', fn: 'publishSnapshot', args: [datanetId, root, recordCount] });

export const encodeRegisterAdapter = ({
  deployment,
  adapterHash,
  baseModelHash,
  snapshotRoots,
  configHash,
}: {
  deployment: Deployment;
  adapterHash: BytesLike;
  baseModelHash: BytesLike;
  snapshotRoots: BytesLike[];
  configHash: BytesLike;
}) => encodeCall({ deployment, contract: 'ModelRegistry', fn: 'registerAdapter', args: [adapterHash, baseModelHash, snapshotRoots, configHash] });

export const encodeAnchorReceipts = ({ deployment, epoch, receiptsRoot, receiptCount }: { deployment: Deployment; epoch: number; receiptsRoot: BytesLike; receiptCount: number }) =>
  encodeCall({ deployment, contract: 'AttributionRegistry', fn: 'anchorReceipts', args: [epoch, receiptsRoot, receiptCount] });

/** Anchors the hash of a consent revocation (its records and reason stay local). */
export const encodeAnchorRevocation = ({ deployment, revocationHash }: { deployment: Deployment; revocationHash: BytesLike }) =>
  encodeCall({ deployment, contract: 'AttributionRegistry', fn: 'anchorRevocation', args: [revocationHash] });

/** Lets the RewardDistributor pull an epoch's funding from the sender (the step before encodePublishEpoch). */
export const encodeApproveRewardFunding = ({ deployment, amount }: { deployment: Deployment; amount: bigint }) =>
  encodeCall({ deployment, contract: 'RewardToken', fn: 'approve', args: [deployment.addresses.RewardDistributor, amount] });

export const encodePublishEpoch = ({ deployment, epoch, root, total }: { deployment: Deployment; epoch: number; root: BytesLike; total: bigint }) =>
  encodeCall({ deployment, contract: 'RewardDistributor', fn: 'publishEpoch', args: [epoch, root, total] });

/** Devnet only: the DevToken's owner (the devnet funder) mints reward tokens. */
export const encodeMintDevToken = ({ deployment, to, amount }: { deployment: Deployment; to: string; amount: bigint }) =>
  encodeCall({ deployment, contract: 'RewardToken', fn: 'mint', args: [to, amount] });

export interface RewardClaim {
  epoch: number;
  index: number;
  account: string;
  amount: bigint;
  proof: string[];
}

export const encodeClaim = ({ deployment, claim }: { deployment: Deployment; claim: RewardClaim }) =>
  encodeCall({ deployment, contract: 'RewardDistributor', fn: 'claim', args: [claim.epoch, claim.index, claim.account, claim.amount, claim.proof] });

export const encodeClaimWithSignature = ({
  deployment,
  claim,
  recipient,
  deadline,
  signature,
}: {
  deployment: Deployment;
  claim: RewardClaim;
  recipient: string;
  deadline: bigint;
  signature: string;
}) =>
  encodeCall({
    deployment,
    contract: 'RewardDistributor',
    fn: 'claimWithSignature',
    args: [claim.epoch, claim.index, claim.account, claim.amount, claim.proof, recipient, deadline, signature],
  });

/**
 * Names a revert by the custom error it carries ("RewardDistributor.AlreadyClaimed(epoch=1,
 * index=0)"), trying every contract's ABI; null when the data is no known error.
 */
export function decodeRevert(data: string | null | undefined): string | null {
  if (!data || data === '0x') return null;
  for (const name of ['RewardDistributor', 'DatanetRegistry', 'ModelRegistry', 'AttributionRegistry', 'DevToken'] as const) {
    try {
      const err = contractInterface(name).parseError(data);
      if (err) return `${name}.${err.name}(${err.fragment.inputs.map((input, i) => `${input.name}=${String(formatValue(err.args[i]))}`).join(', ')})`;
    } catch {
      // Not this contract's error.
    }
  }
  return null;
}
