import { create } from 'zustand';
import type { SigningRequest, WalletAccount, WalletStatus } from '../../../electron/shared/wallet';
import { client } from '../api';

/** Decided requests kept for the activity list (this session only: the wallet keeps no history of its own). */
const ACTIVITY_KEPT = 200;

interface WalletState {
  status: WalletStatus | null;
  accounts: WalletAccount[];
  /** Waiting for the person at the machine, oldest first. */
  pending: SigningRequest[];
  /** Decided, expired or failed requests seen in this session, newest first. */
  activity: SigningRequest[];
  /** A request whose dialog was closed without a decision; it stays pending until it expires. */
  dismissed: string | null;
  setDismissed(id: string | null): void;
  load(): Promise<void>;
  loadRequests(): Promise<void>;
}

export const useWallet = create<WalletState>((set) => ({
  status: null,
  accounts: [],
  pending: [],
  activity: [],
  dismissed: null,
  setDismissed: (dismissed) => set({ dismissed }),
  async load() {
    if (!client) return;
    const [status, accounts] = await Promise.all([client.call('wallet.status', {}), client.call('wallet.listAccounts', {})]);
    set({ status, accounts: accounts.items });
  },
  async loadRequests() {
    if (!client) return;
    const { items } = await client.call('wallet.listRequests', {});
    set({ pending: items.filter((r) => r.state === 'pending') });
  },
}));

/** A request changed state: pending ones wait for a decision, the rest join the activity. */
function onRequest(request: SigningRequest) {
  useWallet.setState((s) => {
    const pending = s.pending.filter((r) => r.id !== request.id);
    if (request.state === 'pending') return { pending: [...pending, request] };
    return { pending, activity: [request, ...s.activity.filter((r) => r.id !== request.id)].slice(0, ACTIVITY_KEPT) };
  });
}

/** Keeps status, accounts and signing requests current; returns the unsubscribe function. */
export function connectWalletStore(): () => void {
  if (!client) return () => {};
  const s = useWallet.getState();
  void s.load();
  void s.loadRequests();
  const offs = [
    client.on('wallet.changed', () => void useWallet.getState().load()),
    client.on('wallet.request', onRequest),
    // After a reconnect, requests made meanwhile are fetched rather than missed.
    client.onStatus((connected) => {
      if (connected) void useWallet.getState().loadRequests();
    }),
  ];
  return () => offs.forEach((off) => off());
}
