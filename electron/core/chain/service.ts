import { join } from 'node:path';
import type { JsonRpcProvider } from 'ethers';
import { AppError } from '../../shared/errors';
import type { Deployment } from './contracts';
import { DeploymentStore, ensureDevnetDeployment, loadNetworkDeployment } from './deploy';
import { startDevnet, type Devnet } from './devnet';
import { DEVNET_NETWORK_ID, NetworkStore, assertChainId, type NetworkConfig } from './networks';
import { createRpcProvider } from './rpc';

export interface ChainConnection {
  network: NetworkConfig;
  provider: JsonRpcProvider;
  deployment: Deployment;
}

/**
 * The chain side of one workspace: its networks, remembered deployments and the devnet it runs,
 * all under `<workspace>/chain/`. One per open core; close() stops the devnet.
 */
export class ChainService {
  readonly dir: string;
  readonly networks: NetworkStore;
  readonly deployments: DeploymentStore;
  private devnet: Devnet | null = null;
  private starting: Promise<{ devnet: Devnet; deployment: Deployment; deployed: boolean }> | null = null;
  private readonly custom = new Map<string, JsonRpcProvider>();

  constructor({ workspaceDir }: { workspaceDir: string }) {
    this.dir = join(workspaceDir, 'chain');
    this.networks = new NetworkStore(join(this.dir, 'networks.json'));
    this.deployments = new DeploymentStore(join(this.dir, 'deployments.json'));
  }

  /**
   * Starts the devnet (once; concurrent callers share the start) and makes sure the contracts are
   * on it. `rewardOwner` only matters when they are deployed now.
   */
  async startDevnet({
    rewardOwner,
    onProgress,
    signal,
  }: { rewardOwner?: string; onProgress?: (done: number, total: number) => void; signal?: AbortSignal } = {}): Promise<{ devnet: Devnet; deployment: Deployment; deployed: boolean }> {
    if (this.devnet) {
      const deployment = this.deployments.get(DEVNET_NETWORK_ID);
      if (deployment) return { devnet: this.devnet, deployment, deployed: false };
    }
    this.starting ??= (async () => {
      const devnet = this.devnet ?? (await startDevnet({ dir: join(this.dir, 'devnet'), signal }));
      this.devnet = devnet;
      void devnet.exited.then(() => {
        if (this.devnet === devnet) this.devnet = null;
      });
      const { deployment, deployed } = await ensureDevnetDeployment({ devnet, store: this.deployments, rewardOwner, onProgress, signal });
      return { devnet, deployment, deployed };
    })().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  devnetStatus(): { running: boolean; url: string | null; chainId: number; pid: number | null } {
    const network = this.networks.get(DEVNET_NETWORK_ID);
    return { running: this.devnet !== null, url: this.devnet?.url ?? null, chainId: network.chainId, pid: this.devnet?.pid ?? null };
  }

  async stopDevnet(): Promise<void> {
    const devnet = this.devnet;
    this.devnet = null;
    await devnet?.stop();
  }

  /**
   * A checked connection to a network: its chain id verified and its contracts found. The devnet
   * is started when needed; a custom network must have a remembered deployment.
   */
  async connect({ networkId }: { networkId: string }): Promise<ChainConnection> {
    const network = this.networks.get(networkId);
    if (network.kind === 'devnet') {
      const { devnet, deployment } = await this.startDevnet();
      return { network, provider: devnet.provider, deployment };
    }
    if (!network.rpcUrl) throw new AppError('BAD_INPUT', `Network "${networkId}" has no RPC URL.`);
    // Keyed by the whole config, so an edited network never reuses the old endpoint.
    const key = `${networkId}|${network.rpcUrl}|${network.chainId}`;
    let provider = this.custom.get(key);
    if (!provider) {
      provider = createRpcProvider({ url: network.rpcUrl, chainId: network.chainId });
      this.custom.set(key, provider);
    }
    await assertChainId({ provider, expected: network.chainId });
    return { network, provider, deployment: await loadNetworkDeployment({ provider, store: this.deployments, networkId }) };
  }

  async close(): Promise<void> {
    for (const p of this.custom.values()) p.destroy();
    this.custom.clear();
    await this.stopDevnet();
  }
}
