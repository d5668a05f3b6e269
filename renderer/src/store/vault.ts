import { create } from 'zustand';
import type { VaultStatus } from '../../../electron/shared/vault';
import { client } from '../api';

interface VaultState {
  status: VaultStatus | null;
  /** Counts unlocks, so the app's screens mount afresh and load the workspace they could not read before. */
  generation: number;
  load(): Promise<void>;
}

export const useVault = create<VaultState>((set, get) => ({
  status: null,
  generation: 0,
  async load() {
    if (!client) return;
    const status = await client.call('vault.status', {});
    const wasLocked = get().status?.locked ?? false;
    set({ status, generation: get().generation + (wasLocked && !status.locked ? 1 : 0) });
  },
}));

/** Keeps the lock state current (unlocks, locks, the idle lock); returns the unsubscribe function. */
export function connectVaultStore(): () => void {
  if (!client) return () => {};
  // A failed load (the core not reachable yet) is retried when the connection comes back.
  const load = () => useVault.getState().load().catch(() => undefined);
  void load();
  const offs = [
    client.on('vault.changed', () => void load()),
    client.onStatus((connected) => {
      if (connected) void load();
    }),
  ];
  return () => offs.forEach((off) => off());
}
