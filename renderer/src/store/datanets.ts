import { create } from 'zustand';
import type { Datanet, DatanetRecord, RecordStatus } from '../../../electron/shared/datanets';
import { client } from '../api';

export const PAGE_SIZE = 50;

interface RecordsPage {
  datanetId: string;
  items: DatanetRecord[];
  total: number;
  offset: number;
  status?: RecordStatus;
}

interface DatanetsState {
  datanets: Datanet[];
  loaded: boolean;
  records: RecordsPage | null;
  loadDatanets(): Promise<void>;
  loadRecords(datanetId: string, offset?: number, status?: RecordStatus): Promise<void>;
}

export const useDatanets = create<DatanetsState>((set) => ({
  datanets: [],
  loaded: false,
  records: null,
  async loadDatanets() {
    if (!client) return;
    const { items } = await client.call('datanets.list', {});
    set({ datanets: items, loaded: true });
  },
  async loadRecords(datanetId, offset = 0, status) {
    if (!client) return;
    const page = await client.call('datanets.listRecords', { datanetId, offset, limit: PAGE_SIZE, status });
    set({ records: { datanetId, items: page.items, total: page.total, offset: page.offset, status } });
  },
}));

/** Keeps the lists current when anything changes, from this window or another client. */
export function connectDatanetsStore(): () => void {
  if (!client) return () => {};
  return client.on('datanets.changed', ({ datanetId, change }) => {
    const s = useDatanets.getState();
    void s.loadDatanets();
    if (change === 'records' && s.records?.datanetId === datanetId) {
      void s.loadRecords(datanetId, s.records.offset, s.records.status);
    }
  });
}
