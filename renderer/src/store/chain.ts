import { create } from 'zustand';
import type { ChainActivity, ChainStatus, NetworkInfo } from '../../../electron/shared/chain';
import type { Job } from '../../../electron/shared/jobs';
import { client } from '../api';

export interface Publication {
  kind: 'snapshot' | 'adapter';
  subject: string;
  networkId: string;
  txHash: string;
  at: string;
}

export interface Balance {
  native: string;
  token: string;
  tokenSymbol: string;
}

interface ChainState {
  status: ChainStatus | null;
  networks: NetworkInfo[];
  publications: Publication[];
  activity: ChainActivity[] | null;
  /** Balances on the selected network, by account; absent until asked for while the network is ready. */
  balances: Record<string, Balance>;
  /** The devnet start job of this session, so its progress survives a change of screen. */
  devnetJobId: string | null;
  /** Publication jobs by `${kind}:${subject}`, for the same reason. */
  publishJobs: Record<string, string>;
  load(): Promise<void>;
  loadActivity(): Promise<void>;
  loadBalance(account: string): Promise<Balance | null>;
  setDevnetJob(jobId: string | null): void;
  setPublishJob(key: string, jobId: string): void;
}

export const useChain = create<ChainState>((set, get) => ({
  status: null,
  networks: [],
  publications: [],
  activity: null,
  balances: {},
  devnetJobId: null,
  publishJobs: {},
  async load() {
    if (!client) return;
    const [status, networks, publications] = await Promise.all([client.call('chain.status', {}), client.call('chain.listNetworks', {}), client.call('chain.publications', {})]);
    const changedNetwork = get().status?.network.id !== status.network.id;
    set({ status, networks: networks.items, publications: publications.items, ...(changedNetwork ? { balances: {}, activity: null } : {}) });
  },
  async loadActivity() {
    // chain.activity connects to the selected network and would start a stopped devnet: ask only when it is ready.
    if (!client || !get().status?.ready) return;
    set({ activity: (await client.call('chain.activity', {})).items });
  },
  async loadBalance(account) {
    if (!client || !get().status?.ready) return null;
    const balance = await client.call('chain.balances', { account });
    set((s) => ({ balances: { ...s.balances, [account]: balance } }));
    return balance;
  },
  setDevnetJob: (devnetJobId) => set({ devnetJobId }),
  setPublishJob: (key, jobId) => set((s) => ({ publishJobs: { ...s.publishJobs, [key]: jobId } })),
}));

const CHAIN_JOBS = new Set<Job['kind']>(['chain.startDevnet', 'chain.transaction', 'rewards.closeEpoch', 'rewards.claim']);

let subscribers = 0;
let unsubscribe: (() => void) | null = null;

/** After a chain job, the chain itself changed: status, publications, activity and balances are read again. */
async function refreshAfter(job: Job) {
  if (!CHAIN_JOBS.has(job.kind)) return;
  const s = useChain.getState();
  await s.load();
  if (!useChain.getState().status?.ready) return;
  await Promise.all([s.loadActivity(), ...Object.keys(useChain.getState().balances).map((a) => s.loadBalance(a))]);
}

/**
 * Keeps the chain state current while some screen shows it (shared by all of them: the first
 * caller subscribes, the last one to leave unsubscribes). Returns the leave function.
 */
export function connectChainStore(): () => void {
  if (!client) return () => {};
  if (subscribers++ === 0) {
    void useChain.getState().load();
    unsubscribe = client.on('jobs.finished', (job) => void refreshAfter(job).catch(() => {}));
  }
  return () => {
    if (--subscribers === 0) {
      unsubscribe?.();
      unsubscribe = null;
    }
  };
}
