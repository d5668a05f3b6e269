import { create } from 'zustand';
import type { Adapter, TrainingRunInfo } from '../../../electron/shared/training';
import { client } from '../api';

interface TrainingState {
  runs: TrainingRunInfo[];
  adapters: Adapter[];
  load(): Promise<void>;
}

export const useTraining = create<TrainingState>((set) => ({
  runs: [],
  adapters: [],
  async load() {
    if (!client) return;
    const [runs, adapters] = await Promise.all([client.call('training.listRuns', {}), client.call('training.listAdapters', {})]);
    set({ runs: runs.items, adapters: adapters.items });
  },
}));
