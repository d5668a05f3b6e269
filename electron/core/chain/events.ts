import { getAddress, type JsonRpcProvider, type Log } from 'ethers';
import type { ContractName } from './artifacts';
import { contractInterface, type Deployment } from './contracts';

interface EventBase {
  blockNumber: number;
  transactionHash: string;
  logIndex: number;
}
export interface DatanetRegisteredEvent extends EventBase { datanetId: string; owner: string }
export interface SnapshotPublishedEvent extends EventBase { datanetId: string; root: string; recordCount: number; sequence: number }
export interface AdapterRegisteredEvent extends EventBase { adapterHash: string; baseModelHash: string; publisher: string; configHash: string; snapshotRoots: string[] }
export interface ReceiptsAnchoredEvent extends EventBase { epoch: number; operator: string; receiptsRoot: string; receiptCount: number }
export interface RevocationAnchoredEvent extends EventBase { operator: string; revocationHash: string }
export interface EpochPublishedEvent extends EventBase { epoch: number; root: string; total: bigint }
export interface ClaimedEvent extends EventBase { epoch: number; index: number; account: string; recipient: string; amount: bigint }

/** Everything the app shows about the chain, rebuilt from the contracts' events alone. */
export interface ChainEvents {
  toBlock: number;
  datanetsRegistered: DatanetRegisteredEvent[];
  snapshotsPublished: SnapshotPublishedEvent[];
  adaptersRegistered: AdapterRegisteredEvent[];
  receiptsAnchored: ReceiptsAnchoredEvent[];
  revocationsAnchored: RevocationAnchoredEvent[];
  epochsPublished: EpochPublishedEvent[];
  claims: ClaimedEvent[];
}

/**
 * Reads the deployment's events from `fromBlock` (default: its first block) to `toBlock` (default:
 * latest) in windows of `blockWindow` blocks, since public RPCs cap eth_getLogs ranges.
 */
export async function readChainEvents({
  provider,
  deployment,
  fromBlock = deployment.fromBlock,
  toBlock,
  blockWindow = 10_000,
}: {
  provider: JsonRpcProvider;
  deployment: Deployment;
  fromBlock?: number;
  toBlock?: number;
  blockWindow?: number;
}): Promise<ChainEvents> {
  const end = toBlock ?? (await provider.getBlockNumber());
  const byAddress = new Map<string, ContractName>([
    [getAddress(deployment.addresses.DatanetRegistry), 'DatanetRegistry'],
    [getAddress(deployment.addresses.ModelRegistry), 'ModelRegistry'],
    [getAddress(deployment.addresses.AttributionRegistry), 'AttributionRegistry'],
    [getAddress(deployment.addresses.RewardDistributor), 'RewardDistributor'],
  ]);
  const out: ChainEvents = { toBlock: end, datanetsRegistered: [], snapshotsPublished: [], adaptersRegistered: [], receiptsAnchored: [], revocationsAnchored: [], epochsPublished: [], claims: [] };
  for (let from = fromBlock; from <= end; from += blockWindow) {
    const logs: Log[] = await provider.getLogs({ address: [...byAddress.keys()], fromBlock: from, toBlock: Math.min(end, from + blockWindow - 1) });
    for (const log of logs) {
      const name = byAddress.get(getAddress(log.address));
      if (!name) continue;
      const parsed = contractInterface(name).parseLog(log);
      if (!parsed) continue;
      const base: EventBase = { blockNumber: log.blockNumber, transactionHash: log.transactionHash, logIndex: log.index };
      const a = parsed.args;
      switch (`${name}.${parsed.name}`) {
        case 'DatanetRegistry.DatanetRegistered':
          out.datanetsRegistered.push({ ...base, datanetId: a.datanetId, owner: a.owner });
          break;
        case 'DatanetRegistry.SnapshotPublished':
          out.snapshotsPublished.push({ ...base, datanetId: a.datanetId, root: a.root, recordCount: Number(a.recordCount), sequence: Number(a.sequence) });
          break;
        case 'ModelRegistry.AdapterRegistered':
          out.adaptersRegistered.push({ ...base, adapterHash: a.adapterHash, baseModelHash: a.baseModelHash, publisher: a.publisher, configHash: a.configHash, snapshotRoots: [...a.snapshotRoots] });
          break;
        case 'AttributionRegistry.RevocationAnchored':
          out.revocationsAnchored.push({ ...base, operator: a.operator, revocationHash: a.revocationHash });
          break;
        case 'AttributionRegistry.ReceiptsAnchored':
          out.receiptsAnchored.push({ ...base, epoch: Number(a.epoch), operator: a.operator, receiptsRoot: a.receiptsRoot, receiptCount: Number(a.receiptCount) });
          break;
        case 'RewardDistributor.EpochPublished':
          out.epochsPublished.push({ ...base, epoch: Number(a.epoch), root: a.root, total: a.total });
          break;
        case 'RewardDistributor.Claimed':
          out.claims.push({ ...base, epoch: Number(a.epoch), index: Number(a.index), account: a.account, recipient: a.recipient, amount: a.amount });
          break;
        default:
          // Ownership and transfer events carry nothing the app's view needs.
          break;
      }
    }
  }
  return out;
}
