import { create } from 'zustand';
import type { AttributionSettings, IndexStatus, ReceiptSummary } from '../../../electron/shared/attribution';
import { client } from '../api';

/** Receipts fetched per call; the list renders only the rows in view and fetches more on demand. */
export const RECEIPTS_PAGE = 200;

interface ReceiptsList {
  adapterId: string | null;
  items: ReceiptSummary[];
  total: number;
}

interface AttributionState {
  settings: AttributionSettings | null;
  receipts: ReceiptsList | null;
  /** Span index and influence status per adapter id. */
  indexes: Record<string, IndexStatus>;
  loadSettings(): Promise<void>;
  saveSettings(patch: Partial<AttributionSettings>): Promise<AttributionSettings>;
  /** The first page for a filter (null: every adapter). */
  loadReceipts(adapterId: string | null): Promise<void>;
  /** Appends the next page of the current list. */
  loadMoreReceipts(): Promise<void>;
  loadIndex(adapterId: string): Promise<void>;
}

export const useAttribution = create<AttributionState>((set, get) => ({
  settings: null,
  receipts: null,
  indexes: {},
  async loadSettings() {
    if (!client) return;
    set({ settings: await client.call('attribution.getSettings', {}) });
  },
  async saveSettings(patch) {
    const settings = await client!.call('attribution.setSettings', patch);
    set({ settings });
    return settings;
  },
  async loadReceipts(adapterId) {
    if (!client) return;
    const page = await client.call('attribution.listReceipts', { offset: 0, limit: RECEIPTS_PAGE, ...(adapterId ? { adapterId } : {}) });
    set({ receipts: { adapterId, items: page.items, total: page.total } });
  },
  async loadMoreReceipts() {
    const current = get().receipts;
    if (!client || !current || current.items.length >= current.total) return;
    const { adapterId } = current;
    const page = await client.call('attribution.listReceipts', { offset: current.items.length, limit: RECEIPTS_PAGE, ...(adapterId ? { adapterId } : {}) });
    // A filter change while this page was in flight wins.
    if (get().receipts?.adapterId !== adapterId) return;
    set({ receipts: { adapterId, items: [...current.items, ...page.items], total: page.total } });
  },
  async loadIndex(adapterId) {
    if (!client) return;
    const status = await client.call('attribution.getIndex', { adapterId });
    set((s) => ({ indexes: { ...s.indexes, [adapterId]: status } }));
  },
}));

/** Keeps receipts and index states current as attribution jobs finish. */
export function connectAttributionStore(): () => void {
  if (!client) return () => {};
  return client.on('jobs.finished', (job) => {
    const s = useAttribution.getState();
    if (job.kind === 'attribution.attribute' && s.receipts) void s.loadReceipts(s.receipts.adapterId);
    if (job.kind === 'attribution.buildIndex') for (const adapterId of Object.keys(s.indexes)) void s.loadIndex(adapterId);
  });
}
