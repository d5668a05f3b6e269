import { create } from 'zustand';
import type { ImportSummary, Snapshot } from '../../../electron/shared/curation';
import type { Datanet, DatanetRecord, RecordFlag, RecordStatus } from '../../../electron/shared/datanets';
import { client } from '../api';

/** Records fetched per page; the table renders only the rows in view. */
export const PAGE_SIZE = 500;

export interface RecordFilter {
  status?: RecordStatus;
  flag?: RecordFlag;
  query?: string;
  contributor?: string;
}

interface RecordsPage {
  datanetId: string;
  items: DatanetRecord[];
  total: number;
  offset: number;
  filter: RecordFilter;
}

interface DatanetsState {
  datanets: Datanet[];
  loaded: boolean;
  records: RecordsPage | null;
  imports: { datanetId: string; items: ImportSummary[] } | null;
  snapshots: { datanetId: string; items: Snapshot[] } | null;
  loadDatanets(): Promise<void>;
  loadRecords(datanetId: string, offset?: number, filter?: RecordFilter): Promise<void>;
  loadImports(datanetId: string): Promise<void>;
  loadSnapshots(datanetId: string): Promise<void>;
}

export const useDatanets = create<DatanetsState>((set) => ({
  datanets: [],
  loaded: false,
  records: null,
  imports: null,
  snapshots: null,
  async loadDatanets() {
    if (!client) return;
    const { items } = await client.call('datanets.list', {});
    set({ datanets: items, loaded: true });
  },
  async loadRecords(datanetId, offset = 0, filter = {}) {
    if (!client) return;
    const query = filter.query?.trim() ? filter.query.trim() : undefined;
    const contributor = filter.contributor?.trim() ? filter.contributor.trim() : undefined;
    const page = await client.call('datanets.listRecords', { datanetId, offset, limit: PAGE_SIZE, status: filter.status, flag: filter.flag, query, contributor });
    set({ records: { datanetId, items: page.items, total: page.total, offset: page.offset, filter } });
  },
  async loadImports(datanetId) {
    if (!client) return;
    set({ imports: { datanetId, items: (await client.call('datanets.listImports', { datanetId })).items } });
  },
  async loadSnapshots(datanetId) {
    if (!client) return;
    set({ snapshots: { datanetId, items: (await client.call('datanets.listSnapshots', { datanetId })).items } });
  },
}));

/** Keeps the lists current when anything changes, from this window or another client. */
export function connectDatanetsStore(): () => void {
  if (!client) return () => {};
  return client.on('datanets.changed', ({ datanetId, change }) => {
    const s = useDatanets.getState();
    void s.loadDatanets();
    if (change === 'records' && s.records?.datanetId === datanetId) {
      void s.loadRecords(datanetId, s.records.offset, s.records.filter);
      void s.loadImports(datanetId);
    }
    if (change === 'snapshots' && s.snapshots?.datanetId === datanetId) void s.loadSnapshots(datanetId);
  });
}
