import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { getAddress, type JsonRpcProvider } from 'ethers';
import { z } from 'zod';
import { AppError } from '../../shared/errors';
import { writeFileAtomic } from '../common/atomic-file';
import { encodeDeploy, type Deployment, type DeploymentAddresses, type TxSender } from './contracts';
import { DEVNET_FUNDER, type Devnet } from './devnet';
import { DEVNET_NETWORK_ID, assertChainId } from './networks';
import { sendTransaction } from './transactions';

const Address = z.string().regex(/^0x[0-9a-fA-F]{40}$/);
const DeploymentSchema = z.object({
  networkId: z.string(),
  chainId: z.number().int().positive(),
  addresses: z.object({
    DatanetRegistry: Address,
    ModelRegistry: Address,
    AttributionRegistry: Address,
    RewardDistributor: Address,
    RewardToken: Address,
  }),
  fromBlock: z.number().int().nonnegative(),
  deployedAt: z.string(),
});
const DeploymentsFile = z.object({ version: z.literal(1), deployments: z.record(z.string(), DeploymentSchema) });

/** Remembered deployments per network id, in `<workspace>/chain/deployments.json`. */
export class DeploymentStore {
  constructor(private readonly file: string) {}

  get(networkId: string): Deployment | null {
    return this.read()[networkId] ?? null;
  }

  save(deployment: Deployment): void {
    const all = { ...this.read(), [deployment.networkId]: DeploymentSchema.parse(deployment) };
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    writeFileAtomic(this.file, [Buffer.from(`${JSON.stringify({ version: 1, deployments: all }, null, 2)}\n`)]);
  }

  private read(): Record<string, Deployment> {
    if (!existsSync(this.file)) return {};
    try {
      return DeploymentsFile.parse(JSON.parse(readFileSync(this.file, 'utf8'))).deployments;
    } catch (e) {
      throw new AppError('STORAGE', `${this.file} is not a valid deployments file: ${(e as Error).message}`);
    }
  }
}

/**
 * Deploys the registries and the distributor (and a DevToken when no reward token is given),
 * each creation going through `sender`. Reports (done, total) after each contract.
 */
export async function deployContracts({
  provider,
  networkId,
  chainId,
  sender,
  rewardOwner,
  rewardToken,
  onProgress,
  signal,
}: {
  provider: JsonRpcProvider;
  networkId: string;
  chainId: number;
  sender: TxSender;
  /** Owner of the RewardDistributor (publishes epochs) and of the DevToken. */
  rewardOwner: string;
  rewardToken?: string;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}): Promise<Deployment> {
  await assertChainId({ provider, expected: chainId });
  const total = rewardToken ? 4 : 5;
  let done = 0;
  let fromBlock = Number.MAX_SAFE_INTEGER;
  const create = async (contract: Parameters<typeof encodeDeploy>[0]['contract'], args: unknown[]) => {
    if (signal?.aborted) throw new AppError('CANCELLED', 'Deployment was cancelled.');
    const sent = await sendTransaction({ provider, sender, tx: encodeDeploy({ chainId, contract, args }) });
    fromBlock = Math.min(fromBlock, sent.blockNumber);
    onProgress?.(++done, total);
    return getAddress(sent.contractAddress!);
  };
  const owner = getAddress(rewardOwner);
  const token = rewardToken ? getAddress(rewardToken) : await create('DevToken', [owner]);
  const datanets = await create('DatanetRegistry', []);
  const addresses: DeploymentAddresses = {
    DatanetRegistry: datanets,
    ModelRegistry: await create('ModelRegistry', [datanets]),
    AttributionRegistry: await create('AttributionRegistry', []),
    RewardDistributor: await create('RewardDistributor', [token, owner]),
    RewardToken: token,
  };
  return { networkId, chainId, addresses, fromBlock, deployedAt: new Date().toISOString() };
}

/** True when every contract of the deployment has code on the chain `provider` talks to. */
export async function deploymentIsLive({ provider, deployment }: { provider: JsonRpcProvider; deployment: Deployment }): Promise<boolean> {
  await assertChainId({ provider, expected: deployment.chainId });
  const codes = await Promise.all(Object.values(deployment.addresses).map((a) => provider.getCode(a)));
  return codes.every((c) => c !== '0x');
}

/** The devnet's funder account, unlocked in anvil: deploys and mints without a key in the app. */
export function devnetSender(devnet: Devnet): TxSender {
  return {
    address: DEVNET_FUNDER,
    send: async (tx) =>
      String(
        await devnet.provider.send('eth_sendTransaction', [
          { from: DEVNET_FUNDER, to: tx.to ?? undefined, data: tx.data, value: `0x${tx.value.toString(16)}` },
        ]),
      ),
  };
}

/**
 * The devnet's deployment: the remembered one when its contracts still have code (the state was
 * kept), otherwise a fresh one (first start, or the chain was reset), remembered and persisted.
 */
export async function ensureDevnetDeployment({
  devnet,
  store,
  rewardOwner = DEVNET_FUNDER,
  onProgress,
  signal,
}: {
  devnet: Devnet;
  store: DeploymentStore;
  rewardOwner?: string;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}): Promise<{ deployment: Deployment; deployed: boolean }> {
  const known = store.get(DEVNET_NETWORK_ID);
  if (known && known.chainId === devnet.chainId && (await deploymentIsLive({ provider: devnet.provider, deployment: known }))) {
    return { deployment: known, deployed: false };
  }
  const deployment = await deployContracts({
    provider: devnet.provider,
    networkId: DEVNET_NETWORK_ID,
    chainId: devnet.chainId,
    sender: devnetSender(devnet),
    rewardOwner,
    onProgress,
    signal,
  });
  store.save(deployment);
  await devnet.persist();
  return { deployment, deployed: true };
}

/**
 * A deployment on a custom network, remembered once its code is verified: the app does not deploy
 * there itself unless asked (deployContracts with the wallet as sender).
 */
export async function loadNetworkDeployment({ provider, store, networkId }: { provider: JsonRpcProvider; store: DeploymentStore; networkId: string }): Promise<Deployment> {
  const known = store.get(networkId);
  if (!known) throw new AppError('NOT_FOUND', `No contracts are known on network "${networkId}": deploy them or enter their addresses.`);
  if (!(await deploymentIsLive({ provider, deployment: known }))) {
    throw new AppError('NOT_FOUND', `The contracts remembered for network "${networkId}" have no code there any more (was the chain reset?).`);
  }
  return known;
}
