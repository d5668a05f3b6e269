/**
 * The chain as the app uses it: the selected network (the local devnet by default), its provider
 * and contracts, and the publishing jobs whose transactions go through the wallet's confirmation.
 * Only hashes, roots, counts and addresses are ever put in a transaction.
 */
import { join } from 'node:path';
import { ZeroAddress, formatEther, formatUnits, getAddress, parseEther, type JsonRpcProvider, type Provider } from 'ethers';
import type { ChainActivity, ChainStatus, NetworkInfo, TxOutcome } from '../../shared/chain';
import { AppError } from '../../shared/errors';
import type { Job } from '../../shared/jobs';
import type { AuditLog } from '../audit/log';
import type { Db } from '../db/open';
import type { JobContext, JobManager } from '../jobs/manager';
import type { SnapshotStore } from '../datanets/snapshots';
import type { TrainingRuns } from '../training/app-runs';
import type { WalletService } from '../wallet/service';
import type { WorkspacePaths } from '../workspace/workspace';
import { nowIso } from '../common/ids';
import { APPROVE_WITHOUT_ASKING } from '../wallet/service';
import { datanetIdOnChain, readContract, encodeAnchorRevocation, encodePublishSnapshot, encodeRegisterAdapter, encodeRegisterDatanet, type Deployment, type TxSender, type UnsignedTx } from './contracts';
import { DeploymentStore, deployContracts, deploymentIsLive, ensureDevnetDeployment, loadNetworkDeployment, devnetSender } from './deploy';
import { fundOnDevnet, startDevnet, DEVNET_FUNDER, type Devnet } from './devnet';
import { readChainEvents } from './events';
import { DEVNET_NETWORK_ID, NetworkStore, type NetworkConfig } from './networks';
import { createRpcProvider } from './rpc';
import { sendTransaction } from './transactions';
import { sha256Hex } from '../attribution/receipts';

const SELECTED_KEY = 'chain.network';
/** Gas money the devnet gives a wallet account that has less than half of it. */
const DEVNET_GAS_WEI = parseEther('10');

export interface Connection {
  network: NetworkConfig;
  provider: JsonRpcProvider;
  deployment: Deployment;
  devnet: Devnet | null;
}

export interface AppChainDeps {
  db: Db;
  audit: AuditLog;
  actor: string;
  jobs: JobManager;
  paths: WorkspacePaths;
  wallet: WalletService;
  snapshots: SnapshotStore;
  training: TrainingRuns;
}

/** The reward distributor's owner: the account that publishes reward epochs. */
const rewardOperatorOf = async (provider: JsonRpcProvider, deployment: Deployment): Promise<string> =>
  getAddress(await readContract<string>({ provider, contract: 'RewardDistributor', address: deployment.addresses.RewardDistributor, fn: 'owner' }));

export class AppChain {
  readonly networks: NetworkStore;
  readonly deployments: DeploymentStore;
  private devnet: Devnet | null = null;
  private starting: Promise<Devnet> | null = null;
  private readonly providers = new Map<string, JsonRpcProvider>();

  constructor(private readonly d: AppChainDeps) {
    this.networks = new NetworkStore(join(d.paths.chain, 'networks.json'));
    this.deployments = new DeploymentStore(join(d.paths.chain, 'deployments.json'));
  }

  selected(): NetworkConfig {
    const row = this.d.db.prepare('SELECT value FROM settings WHERE key = ?').get(SELECTED_KEY) as { value: string } | undefined;
    return this.networks.get(row?.value ?? DEVNET_NETWORK_ID);
  }

  private info(n: NetworkConfig): NetworkInfo {
    const rpcUrl = n.kind === 'devnet' ? (this.devnet?.url ?? null) : (n.rpcUrl ?? null);
    return { id: n.id, name: n.name, kind: n.kind, chainId: n.chainId, rpcUrl, selected: n.id === this.selected().id };
  }

  listNetworks(): NetworkInfo[] {
    return this.networks.list().map((n) => this.info(n));
  }

  addNetwork(i: { id: string; name: string; rpcUrl: string; chainId: number }): NetworkInfo {
    const n = this.networks.add(i);
    this.d.audit.append({ actor: this.d.actor, action: 'chain.addNetwork', subject: n.id, details: { chainId: n.chainId, rpcUrl: n.rpcUrl } });
    return this.info(n);
  }

  async selectNetwork(id: string): Promise<ChainStatus> {
    const n = this.networks.get(id);
    this.d.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(SELECTED_KEY, n.id);
    this.d.audit.append({ actor: this.d.actor, action: 'chain.selectNetwork', subject: n.id, details: { chainId: n.chainId } });
    return this.status();
  }

  async status(): Promise<ChainStatus> {
    const network = this.selected();
    const deployment = this.deployments.get(network.id);
    const ready = network.kind === 'devnet' ? this.devnet !== null && deployment !== null : deployment !== null;
    let blockNumber: number | null = null;
    let rewardOperator: string | null = null;
    if (ready) {
      try {
        const provider = this.providerOf(network);
        blockNumber = await provider.getBlockNumber();
        rewardOperator = await rewardOperatorOf(provider, deployment!);
      } catch {
        // Unreachable right now: the status says so by its nulls.
      }
    }
    return {
      network: this.info(network),
      ready,
      deployment: deployment ? { ...deployment.addresses, fromBlock: deployment.fromBlock } : null,
      rewardOperator,
      blockNumber,
    };
  }

  private providerOf(n: NetworkConfig): JsonRpcProvider {
    if (n.kind === 'devnet') {
      if (!this.devnet) throw new AppError('NOT_AVAILABLE', 'The local devnet is not running. Start it first (Wallet → Network, or `chain devnet`).');
      return this.devnet.provider;
    }
    // Keyed by everything the provider is made of: an edited network gets a new one.
    const key = `${n.id} ${n.rpcUrl} ${n.chainId}`;
    let p = this.providers.get(key);
    if (!p) this.providers.set(key, (p = createRpcProvider({ url: n.rpcUrl!, chainId: n.chainId })));
    return p;
  }

  /** The wallet broadcasts approved transactions through this (the network with that chain id). */
  providerFor(chainId: number): Provider | null {
    const n = this.selected();
    if (n.chainId !== chainId) return null;
    try {
      return this.providerOf(n);
    } catch {
      return null;
    }
  }

  /** A job: starts anvil on 127.0.0.1 with the workspace's chain state and deploys the contracts if they are missing. */
  startDevnetJob(): Job {
    return this.d.jobs.start({
      kind: 'chain.startDevnet',
      title: 'Start the local devnet',
      unit: 'contracts',
      run: async (ctx) => {
        ctx.progress(0, null, 'Starting anvil on 127.0.0.1');
        const devnet = await this.ensureDevnet(ctx.signal);
        const { deployment, deployed } = await ensureDevnetDeployment({
          devnet,
          store: this.deployments,
          onProgress: (done, total) => ctx.progress(done, total, `Deploying contracts (${done} of ${total})`),
          signal: ctx.signal,
        });
        if (deployed) this.d.audit.append({ actor: this.d.actor, action: 'chain.deploy', subject: DEVNET_NETWORK_ID, details: { ...deployment.addresses } });
        return this.status();
      },
    });
  }

  private async ensureDevnet(signal?: AbortSignal): Promise<Devnet> {
    if (this.devnet) return this.devnet;
    this.starting ??= startDevnet({ dir: join(this.d.paths.chain, 'devnet'), signal }).finally(() => (this.starting = null));
    const devnet = await this.starting;
    this.devnet = devnet;
    // A crashed anvil is not "running": the next use starts it again from its saved state.
    void devnet.exited.then(() => {
      if (this.devnet === devnet) this.devnet = null;
    });
    return devnet;
  }

  async stopDevnet(): Promise<ChainStatus> {
    const devnet = this.devnet;
    this.devnet = null;
    if (devnet) await devnet.stop();
    return this.status();
  }

  /**
   * The selected network, its provider and its contracts. Work that writes starts the devnet when
   * needed; reads (balances, activity, claim states) pass start: false and get NOT_AVAILABLE instead,
   * so opening a screen never starts a chain.
   */
  async connect(o: { signal?: AbortSignal; start?: boolean } = {}): Promise<Connection> {
    const { signal, start = true } = o;
    const network = this.selected();
    if (network.kind === 'devnet') {
      if (!start && !this.devnet) throw new AppError('NOT_AVAILABLE', 'The local devnet is not running. Start it first (Rewards → Network, or `chain devnet`).');
      const devnet = await this.ensureDevnet(signal);
      const { deployment } = await ensureDevnetDeployment({ devnet, store: this.deployments, signal });
      return { network, provider: devnet.provider, deployment, devnet };
    }
    const provider = this.providerOf(network);
    return { network, provider, deployment: await loadNetworkDeployment({ provider, store: this.deployments, networkId: network.id }), devnet: null };
  }

  /**
   * Sends through the wallet: each transaction is a request the person approves (or the CLI's
   * --yes). On the devnet the account is first given gas money.
   */
  async walletSender(c: Connection, account: string, autoApprove: boolean, origin: string): Promise<TxSender> {
    if (c.devnet) {
      const balance = await c.provider.getBalance(account);
      if (balance < DEVNET_GAS_WEI / 2n) await fundOnDevnet({ devnet: c.devnet, address: account, wei: DEVNET_GAS_WEI });
    }
    const sender = this.d.wallet.txSender({ account, provider: c.provider, origin, confirm: autoApprove ? APPROVE_WITHOUT_ASKING : undefined });
    return { address: sender.address, send: (tx) => sender.send(tx) };
  }

  /** The account that publishes reward epochs: on the devnet its built-in operator (anvil's unlocked funder). */
  async operatorSender(c: Connection, autoApprove: boolean, origin: string): Promise<TxSender> {
    const owner = await rewardOperatorOf(c.provider, c.deployment);
    if (c.devnet && owner === getAddress(DEVNET_FUNDER)) return devnetSender(c.devnet);
    if (!this.d.wallet.listAccounts().some((a) => getAddress(a.address) === owner)) {
      throw new AppError('UNAUTHORIZED', `Reward epochs on ${c.network.name} are published by ${owner}, which is not an account of this wallet.`);
    }
    return this.walletSender(c, owner, autoApprove, origin);
  }

  /** Sends one transaction of a job's `step` of `total`, with progress saying what it waits for. */
  async send(c: Connection, sender: TxSender, tx: UnsignedTx, ctx?: JobContext, at: { step: number; total: number | null } = { step: 0, total: null }): Promise<TxOutcome> {
    const what = `${tx.summary.contract}.${tx.summary.function}`;
    const devnetOperator = c.devnet !== null && sender.address === getAddress(DEVNET_FUNDER);
    ctx?.progress(at.step, at.total, devnetOperator ? `Sending ${what} from the devnet operator` : `Waiting for approval in the wallet: ${what} on chain ${tx.chainId}`);
    const sent = await sendTransaction({ provider: c.provider, sender, tx });
    ctx?.progress(at.step + 1, at.total, `${what} mined in block ${sent.blockNumber}`);
    if (c.devnet) await c.devnet.persist();
    return { txHash: sent.hash, blockNumber: sent.blockNumber, contract: tx.summary.contract, function: tx.summary.function, chainId: tx.chainId };
  }

  private customNetwork(): NetworkConfig {
    const network = this.selected();
    if (network.kind === 'devnet') throw new AppError('CONFLICT', 'The devnet deploys its own contracts; select a custom network to deploy to or to enter addresses for.');
    return network;
  }

  /** A job: deploys our contracts on the selected custom network through the wallet; `account` owns the reward distributor. */
  deployContractsJob(i: { account: string; rewardToken?: string; autoApprove: boolean }): Job {
    const network = this.customNetwork();
    return this.d.jobs.start({
      kind: 'chain.transaction',
      title: `Deploy the contracts on ${network.name}`,
      unit: 'contracts',
      run: async (ctx) => {
        const provider = this.providerOf(network);
        const c: Connection = { network, provider, deployment: null as never, devnet: null };
        const sender = await this.walletSender(c, i.account, i.autoApprove, 'chain.deployContracts');
        const deployment = await deployContracts({
          provider,
          networkId: network.id,
          chainId: network.chainId,
          sender,
          rewardOwner: sender.address,
          rewardToken: i.rewardToken,
          onProgress: (done, total) => ctx.progress(done, total, `Deployed ${done} of ${total} contracts`),
          signal: ctx.signal,
        });
        this.deployments.save(deployment);
        this.d.audit.append({ actor: this.d.actor, action: 'chain.deploy', subject: network.id, details: { ...deployment.addresses } });
        return this.status();
      },
    });
  }

  /** Remembers contracts deployed elsewhere on the selected custom network, once their code is there. */
  async useDeployment(i: { DatanetRegistry: string; ModelRegistry: string; AttributionRegistry: string; RewardDistributor: string; RewardToken: string; fromBlock: number }): Promise<ChainStatus> {
    const network = this.customNetwork();
    const { fromBlock, ...addresses } = i;
    const deployment: Deployment = { networkId: network.id, chainId: network.chainId, addresses, fromBlock, deployedAt: nowIso() };
    if (!(await deploymentIsLive({ provider: this.providerOf(network), deployment }))) {
      throw new AppError('BAD_INPUT', `Some of these addresses have no contract code on ${network.name} (chain ${network.chainId}).`);
    }
    this.deployments.save(deployment);
    this.d.audit.append({ actor: this.d.actor, action: 'chain.useDeployment', subject: network.id, details: { ...addresses, fromBlock } });
    return this.status();
  }

  private async isDatanetRegistered(c: Connection, onChainId: string): Promise<boolean> {
    const owner = await readContract<string>({ provider: c.provider, contract: 'DatanetRegistry', address: c.deployment.addresses.DatanetRegistry, fn: 'datanetOwner', args: [onChainId] });
    return getAddress(owner) !== ZeroAddress;
  }

  publishSnapshot(i: { snapshotId: string; account: string; autoApprove: boolean }): Job {
    const snapshot = this.d.snapshots.get(i.snapshotId);
    return this.d.jobs.start({
      kind: 'chain.transaction',
      title: `Publish snapshot ${snapshot.id} root`,
      unit: 'transactions',
      run: async (ctx) => {
        const c = await this.connect({ signal: ctx.signal });
        const sender = await this.walletSender(c, i.account, i.autoApprove, 'chain.publishSnapshot');
        const onChainId = datanetIdOnChain(snapshot.datanetId);
        const txs: TxOutcome[] = [];
        const register = !(await this.isDatanetRegistered(c, onChainId));
        const total = register ? 2 : 1;
        if (register) txs.push(await this.send(c, sender, encodeRegisterDatanet({ deployment: c.deployment, datanetId: onChainId }), ctx, { step: 0, total }));
        txs.push(await this.send(c, sender, encodePublishSnapshot({ deployment: c.deployment, datanetId: onChainId, root: snapshot.root, recordCount: snapshot.recordCount }), ctx, { step: total - 1, total }));
        this.recordPublication('snapshot', snapshot.id, c, txs.at(-1)!.txHash);
        return { snapshotId: snapshot.id, root: snapshot.root, datanetOnChain: onChainId, transactions: txs };
      },
    });
  }

  registerAdapter(i: { adapterId: string; account: string; autoApprove: boolean }): Job {
    const adapter = this.d.training.getAdapter(i.adapterId);
    return this.d.jobs.start({
      kind: 'chain.transaction',
      title: `Register adapter ${adapter.id}`,
      unit: 'transactions',
      run: async (ctx) => {
        const c = await this.connect({ signal: ctx.signal });
        const sender = await this.walletSender(c, i.account, i.autoApprove, 'chain.registerAdapter');
        const tx = encodeRegisterAdapter({
          deployment: c.deployment,
          adapterHash: sha256Hex(adapter.sha256),
          baseModelHash: sha256Hex(adapter.baseModelSha256),
          snapshotRoots: [adapter.snapshotRoot],
          configHash: sha256Hex(adapter.configHash),
        });
        const out = await this.send(c, sender, tx, ctx, { step: 0, total: 1 });
        this.recordPublication('adapter', adapter.id, c, out.txHash);
        return { adapterId: adapter.id, adapterHash: sha256Hex(adapter.sha256), transactions: [out] };
      },
    });
  }

  /** A job: anchors a consent revocation's hash from a wallet account. */
  anchorRevocation(i: { revocationId: string; hash: string; account: string; autoApprove: boolean }): Job {
    return this.d.jobs.start({
      kind: 'chain.transaction',
      title: `Publish revocation ${i.revocationId}`,
      unit: 'transactions',
      run: async (ctx) => {
        const c = await this.connect({ signal: ctx.signal });
        const sender = await this.walletSender(c, i.account, i.autoApprove, 'consent.publish');
        const out = await this.send(c, sender, encodeAnchorRevocation({ deployment: c.deployment, revocationHash: i.hash }), ctx, { step: 0, total: 1 });
        this.d.audit.append({ actor: this.d.actor, action: 'consent.publish', subject: i.revocationId, details: { hash: i.hash, networkId: c.network.id, chainId: c.network.chainId, txHash: out.txHash } });
        return { revocationId: i.revocationId, hash: i.hash, transactions: [out] };
      },
    });
  }

  private recordPublication(kind: 'snapshot' | 'adapter', subject: string, c: Connection, txHash: string): void {
    this.d.db.transaction(() => {
      this.d.db
        .prepare(
          `INSERT INTO chain_publications (kind, subject, network_id, chain_id, tx_hash, at) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (kind, subject, network_id) DO UPDATE SET tx_hash = excluded.tx_hash, at = excluded.at`,
        )
        .run(kind, subject, c.network.id, c.network.chainId, txHash, nowIso());
      this.d.audit.append({ actor: this.d.actor, action: `chain.publish.${kind}`, subject, details: { networkId: c.network.id, chainId: c.network.chainId, txHash } });
    })();
  }

  publications() {
    const rows = this.d.db.prepare('SELECT * FROM chain_publications ORDER BY at DESC').all() as { kind: 'snapshot' | 'adapter'; subject: string; network_id: string; tx_hash: string; at: string }[];
    return { items: rows.map((r) => ({ kind: r.kind, subject: r.subject, networkId: r.network_id, txHash: r.tx_hash, at: r.at })) };
  }

  async balances(account: string): Promise<{ native: string; token: string; tokenSymbol: string }> {
    const c = await this.connect({ start: false });
    const token = { provider: c.provider, contract: 'DevToken' as const, address: c.deployment.addresses.RewardToken };
    const [native, balance, symbol] = await Promise.all([
      c.provider.getBalance(account),
      readContract<bigint>({ ...token, fn: 'balanceOf', args: [account] }),
      readContract<string>({ ...token, fn: 'symbol' }),
    ]);
    return { native: formatEther(native), token: formatUnits(balance, 18), tokenSymbol: symbol };
  }

  async activity(): Promise<{ items: ChainActivity[] }> {
    const c = await this.connect({ start: false });
    const e = await readChainEvents({ provider: c.provider, deployment: c.deployment });
    const items: ChainActivity[] = [
      ...e.datanetsRegistered.map((x) => ({ kind: 'datanet' as const, blockNumber: x.blockNumber, txHash: x.transactionHash, subject: x.datanetId, detail: `owner ${x.owner}` })),
      ...e.snapshotsPublished.map((x) => ({ kind: 'snapshot' as const, blockNumber: x.blockNumber, txHash: x.transactionHash, subject: x.root, detail: `${x.recordCount} records, datanet ${x.datanetId}` })),
      ...e.adaptersRegistered.map((x) => ({ kind: 'adapter' as const, blockNumber: x.blockNumber, txHash: x.transactionHash, subject: x.adapterHash, detail: `base ${x.baseModelHash}` })),
      ...e.receiptsAnchored.map((x) => ({ kind: 'receipts' as const, blockNumber: x.blockNumber, txHash: x.transactionHash, subject: x.receiptsRoot, detail: `epoch ${x.epoch}, ${x.receiptCount} receipts` })),
      ...e.revocationsAnchored.map((x) => ({ kind: 'revocation' as const, blockNumber: x.blockNumber, txHash: x.transactionHash, subject: x.revocationHash, detail: `consent revoked, anchored by ${x.operator}` })),
      ...e.epochsPublished.map((x) => ({ kind: 'epoch' as const, blockNumber: x.blockNumber, txHash: x.transactionHash, subject: x.root, detail: `epoch ${x.epoch}, ${formatUnits(x.total, 18)} tokens` })),
      ...e.claims.map((x) => ({ kind: 'claim' as const, blockNumber: x.blockNumber, txHash: x.transactionHash, subject: x.account, detail: `epoch ${x.epoch}, ${formatUnits(x.amount, 18)} tokens to ${x.recipient}` })),
    ];
    return { items: items.sort((a, b) => b.blockNumber - a.blockNumber) };
  }

  async close(): Promise<void> {
    await this.stopDevnet();
    for (const p of this.providers.values()) p.destroy();
  }
}
