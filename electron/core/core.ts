import type { AppInfo } from '../shared/app';
import type { EventName, Input, MethodName, Output } from '../shared/contract';
import type { Envelope } from '../shared/errors';
import type { Job } from '../shared/jobs';
import { AuditLog } from './audit/log';
import { openDatabase, type Db } from './db/open';
import { DatanetStore } from './datanets/store';
import { NearDupRegistry } from './datanets/near-dup-registry';
import { SnapshotStore } from './datanets/snapshots';
import { recoverInterruptedImports } from './datanets/import/pipeline';
import { TrainingRuns } from './training/app-runs';
import { ModelRegistry } from './models/registry';
import { InferenceService } from './inference/service';
import { ServingService } from './serving/service';
import { ConversationStore } from './inference/conversations';
import { ProposalStore } from './proposals/store';
import { ProposalChainFlow } from './proposals/chain-flow';
import { AttributionService } from './attribution/service';
import { EventBus } from './events';
import { APPROVE_WITHOUT_ASKING, WalletService } from './wallet/service';
import type { Provider } from 'ethers';
import { AppChain } from './chain/app-chain';
import { RewardEpochs } from './rewards/epochs';
import { RewardsService } from './rewards/service';
import type { TypedDataSigner } from './attribution/receipts';
import { JobManager } from './jobs/manager';
import { createHandlers } from './rpc/handlers';
import { createRouter, unwrap } from './rpc/router';
import { prepareWorkspace, type WorkspacePaths } from './workspace/workspace';
import { AccountStore } from './team/accounts';
import { attachTunedAdapter } from './proposals/tuning';
import { openVaultGate, type OpenedCore, type VaultControl, type VaultOptions } from './vault/gate';
import pkg from '../../package.json' with { type: 'json' };

export interface CoreOptions {
  workspaceDir: string;
  host: AppInfo['host'];
  vault?: VaultOptions;
}

/** Everything a handler may use. One per open workspace. */
export interface Services {
  paths: WorkspacePaths;
  host: AppInfo['host'];
  version: string;
  db: Db;
  events: EventBus;
  audit: AuditLog;
  jobs: JobManager;
  datanets: DatanetStore;
  snapshots: SnapshotStore;
  training: TrainingRuns;
  models: ModelRegistry;
  inference: InferenceService;
  serving: ServingService;
  conversations: ConversationStore;
  proposals: ProposalStore;
  /** Proposals staked and reviewed on the selected network's ProposalRegistry. */
  proposalChain: ProposalChainFlow;
  attribution: AttributionService;
  wallet: WalletService;
  chain: AppChain;
  rewards: RewardsService;
  nearDup: NearDupRegistry;
  vault: VaultControl;
  /** serve's team accounts (a team server reads them over a connection of its own). */
  teamAccounts: AccountStore;
  actor: string;
}

export interface Core {
  readonly paths: WorkspacePaths;
  call(method: unknown, input: unknown): Promise<Envelope<unknown>>;
  onEvent(listener: (name: EventName, payload: unknown) => void): () => void;
  /** Resolves when a job has finished (CLI, tests). */
  waitForJob(jobId: string): Promise<Job>;
  close(): Promise<void>;
}

/** The local actor until a wallet identity exists: the person at this machine. */
export const LOCAL_ACTOR = 'local';

/**
 * Opens a workspace and returns the core hosted by desktop, serve, the CLI and tests alike. An
 * encrypted workspace starts locked (only vault.* answers) until vault.unlock.
 */
export function openCore(options: CoreOptions): Core {
  const paths = prepareWorkspace(options.workspaceDir);
  return openVaultGate({ paths, vault: options.vault, open: (key, vault) => openServices(options, paths, key, vault) });
}

function openServices(options: CoreOptions, paths: WorkspacePaths, key: Buffer | null, vault: VaultControl): OpenedCore {
  const db = openDatabase(paths.db, key ? { key } : {});
  const events = new EventBus();
  const audit = new AuditLog(db);
  const nearDup = new NearDupRegistry(db);
  const jobs = new JobManager(db, events);
  // Imports whose process died are undone as jobs (progress on stderr / in the UI) while the workspace opens.
  recoverInterruptedImports({ db, jobs, events, nearDup });
  const snapshots = new SnapshotStore(db, audit, LOCAL_ACTOR);
  const models = new ModelRegistry(db, audit, LOCAL_ACTOR, paths.models);
  const training = new TrainingRuns({
    db, audit, actor: LOCAL_ACTOR, jobs, snapshots, models, paths,
    onAdapter: (a) => {
      // A proposal's tuning run gets its adapter and evaluation attached; a refusal there must not fail the run.
      attachTunedAdapter({ proposals: services.proposals, inference: services.inference, jobs, actor: LOCAL_ACTOR }, a).catch((e: unknown) => {
        console.error(`[core] attaching adapter ${a.id} to its proposal:`, e);
      });
      if (services.attribution.settings().autoIndex) services.attribution.buildIndex(a.id);
    },
  });
  const wallet: WalletService = new WalletService({
    dir: paths.wallet,
    audit,
    actor: LOCAL_ACTOR,
    onEvent: (name, payload) => events.emit(name, payload),
    providerFor: (chainId): Provider | null => chain.providerFor(chainId),
  });
  const chain: AppChain = new AppChain({ db, audit, actor: LOCAL_ACTOR, jobs, paths, wallet, snapshots, training });
  // A DatanetStore of its own over the same database and near-duplicate registry: feedback records go through the same checks.
  const proposals = new ProposalStore(db, audit, new DatanetStore(db, audit, LOCAL_ACTOR, nearDup));
  const attribution = new AttributionService({ db, audit, actor: LOCAL_ACTOR, jobs, training, snapshots, receiptSigner: () => receiptSigner(wallet) });
  const services: Services = {
    paths,
    host: options.host,
    version: pkg.version,
    db,
    events,
    audit,
    jobs,
    datanets: new DatanetStore(db, audit, LOCAL_ACTOR, nearDup),
    snapshots,
    training,
    models,
    inference: new InferenceService({ db, jobs, models, training, snapshots, onAnswer: (a) => attribution.receiptForAnswer({ ...a, source: 'playground' }) }),
    serving: new ServingService({ db, models, training, proposals, onAnswer: (a) => attribution.receiptForAnswer({ ...a, source: 'api' }) }),
    conversations: new ConversationStore(db),
    proposals,
    proposalChain: new ProposalChainFlow({ db, audit, actor: LOCAL_ACTOR, jobs, chain, proposals }),
    attribution,
    wallet,
    chain,
    rewards: new RewardsService({ audit, actor: LOCAL_ACTOR, jobs, attribution, chain, wallet, epochs: new RewardEpochs({ db, audit, actor: LOCAL_ACTOR }) }),
    nearDup,
    vault,
    teamAccounts: new AccountStore(db),
    actor: LOCAL_ACTOR,
  };
  const call = createRouter(createHandlers(services), {
    onInternalError: (method, e) => console.error(`[core] ${method}:`, e),
  });
  let closed = false;
  return {
    paths,
    call,
    onEvent: (listener) => events.onAny(listener),
    waitForJob: (jobId) => services.jobs.wait(jobId),
    busy: () => services.jobs.busy() || services.serving.status().running,
    audit: (action, details) => { audit.append({ actor: LOCAL_ACTOR, action, subject: paths.root, details }); },
    async close() {
      if (closed) return;
      closed = true;
      await services.jobs.shutdown();
      await services.serving.stop();
      await chain.close();
      await attribution.close();
      wallet.close();
      db.close();
    },
  };
}


/**
 * Receipts are signed by the wallet's first account while it is unlocked, without a dialog per
 * answer: the person opted in once with the autoSign setting (checked by the caller).
 */
function receiptSigner(wallet: WalletService): TypedDataSigner | null {
  const account = wallet.status().locked ? undefined : wallet.listAccounts()[0];
  if (!account) return null;
  return async (t) => ({
    signer: account.address,
    signature: await wallet.signTypedData({
      account: account.address,
      domain: t.domain as never,
      types: t.types,
      primaryType: t.primaryType,
      message: t.message,
      purpose: 'Attribution receipt (automatic signing is on in Settings)',
      origin: 'attribution.receipt',
      confirm: APPROVE_WITHOUT_ASKING,
    }),
  });
}

/** A typed call that throws the error envelope it gets (CLI steps and tests that must succeed). */
export async function callOrThrow<M extends MethodName>(core: Core, method: M, input: Input<M>): Promise<Output<M>> {
  return unwrap(await core.call(method, input)) as Output<M>;
}
