import { create } from 'zustand';
import type { AppInfo } from '../../../electron/shared/app';
import type { Job } from '../../../electron/shared/jobs';
import type { TeamCaller } from '../../../electron/shared/team';
import { client } from '../api';

export type Theme = 'light' | 'dark';
const THEME_KEY = 'datanet-studio-theme';

function initialTheme(): Theme {
  const saved = localStorage.getItem(THEME_KEY);
  if (saved === 'light' || saved === 'dark') return saved;
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

interface AppState {
  info: AppInfo | null;
  /** Who this page is signed in as on a team server; null for everyone else (who may do everything); undefined until asked. */
  caller: TeamCaller | undefined;
  connected: boolean;
  /** Jobs seen in this session, newest state of each, by id. */
  jobs: Record<string, Job>;
  theme: Theme;
  paletteOpen: boolean;
  setTheme(theme: Theme): void;
  setPaletteOpen(open: boolean): void;
  loadInfo(): Promise<void>;
  /** Rebuilds the jobs from the core (on connect and reconnect): events missed while away are not lost. */
  loadJobs(): Promise<void>;
  loadCaller(): Promise<void>;
}

export const useApp = create<AppState>((set) => ({
  info: null,
  caller: undefined,
  connected: false,
  jobs: {},
  theme: initialTheme(),
  paletteOpen: false,
  setTheme(theme) {
    localStorage.setItem(THEME_KEY, theme);
    document.documentElement.dataset.theme = theme;
    set({ theme });
  },
  setPaletteOpen: (paletteOpen) => set({ paletteOpen }),
  async loadInfo() {
    if (!client) return;
    set({ info: await client.call('app.getInfo', {}) });
  },
  async loadJobs() {
    if (!client) return;
    const { items } = await client.call('jobs.list', {});
    useApp.setState((s) => ({ jobs: { ...s.jobs, ...Object.fromEntries(items.map((j) => [j.id, j])) } }));
  },
  async loadCaller() {
    if (!client) return;
    try {
      set({ caller: await client.call('team.me', {}) });
    } catch (e) {
      // The shell must not wait forever; the server still checks every call a role may not make.
      console.error('Who is signed in could not be read:', e);
      set({ caller: null });
    }
  },
}));

document.documentElement.dataset.theme = useApp.getState().theme;

/** Wires transport status and job events into the store; returns the unsubscribe function. */
export function connectAppStore(): () => void {
  if (!client) return () => {};
  const upsert = (job: Job) => useApp.setState((s) => ({ jobs: { ...s.jobs, [job.id]: job } }));
  // A job starting or ending is when models load and the network may be used: the status bar follows.
  const refreshInfo = () => void useApp.getState().loadInfo().catch(() => {});
  const offs = [
    client.onStatus((connected) => {
      useApp.setState({ connected });
      if (!connected) return;
      refreshInfo();
      void useApp.getState().loadJobs().catch((e: unknown) => console.error('Jobs could not be read:', e));
    }),
    client.on('jobs.progress', (job) => {
      if (!useApp.getState().jobs[job.id]) refreshInfo();
      upsert(job);
    }),
    client.on('jobs.finished', (job) => {
      upsert(job);
      refreshInfo();
    }),
  ];
  return () => offs.forEach((off) => off());
}
