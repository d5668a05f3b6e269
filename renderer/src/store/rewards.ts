import { create } from 'zustand';
import type { Job } from '../../../electron/shared/jobs';
import type { RewardClaimInfo, RewardEpoch } from '../../../electron/shared/rewards';
import { client } from '../api';

interface RewardsState {
  epochs: RewardEpoch[];
  pending: { receipts: number; usageTokens: number } | null;
  /** Each account's reward per epoch, by account, as last read. */
  claims: Record<string, RewardClaimInfo[]>;
  /** Jobs of this session, kept here so their progress survives a change of tab or screen. */
  closeJobId: string | null;
  /** Claim jobs by `${epoch}:${account}`, with the account's token balance when the claim started. */
  claimJobs: Record<string, { jobId: string; balanceBefore: string | null }>;
  load(): Promise<void>;
  loadClaims(account: string): Promise<void>;
  setCloseJob(jobId: string): void;
  setClaimJob(key: string, job: { jobId: string; balanceBefore: string | null }): void;
}

export const claimKey = (epoch: number, account: string) => `${epoch}:${account.toLowerCase()}`;

export const useRewards = create<RewardsState>((set) => ({
  epochs: [],
  pending: null,
  claims: {},
  closeJobId: null,
  claimJobs: {},
  async load() {
    if (!client) return;
    const [epochs, pending] = await Promise.all([client.call('rewards.listEpochs', {}), client.call('rewards.pending', {})]);
    set({ epochs: epochs.items, pending });
  },
  async loadClaims(account) {
    if (!client) return;
    const { items } = await client.call('rewards.claims', { account });
    set((s) => ({ claims: { ...s.claims, [account]: items } }));
  },
  setCloseJob: (closeJobId) => set({ closeJobId }),
  setClaimJob: (key, job) => set((s) => ({ claimJobs: { ...s.claimJobs, [key]: job } })),
}));

/** Epochs, pending receipts and the claims shown are read again when a reward or attribution job ends. */
export function connectRewardsStore(): () => void {
  if (!client) return () => {};
  void useRewards.getState().load();
  return client.on('jobs.finished', (job: Job) => {
    if (job.kind !== 'rewards.closeEpoch' && job.kind !== 'rewards.claim' && job.kind !== 'attribution.attribute' && job.kind !== 'chain.startDevnet') return;
    const s = useRewards.getState();
    void s.load().catch(() => {});
    for (const account of Object.keys(s.claims)) void s.loadClaims(account).catch(() => {});
  });
}
