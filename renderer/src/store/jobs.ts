import { useEffect, useRef } from 'react';
import { create } from 'zustand';
import type { Job, JobKind } from '../../../electron/shared/jobs';
import { useApp } from './app';

/**
 * Which job each screen follows, by a key the screen chooses ("train", "import:dn_…"). It lives
 * outside the screen, and in sessionStorage, so leaving the screen or reloading the page does not
 * lose the progress card: the jobs themselves are rebuilt from the core on every (re)connect.
 */
const FOLLOWED_KEY = 'datanet-studio-followed-jobs';

function savedFollowed(): Record<string, string> {
  try {
    return JSON.parse(sessionStorage.getItem(FOLLOWED_KEY) ?? '{}') as Record<string, string>;
  } catch {
    return {};
  }
}

const useFollowed = create<{ byKey: Record<string, string>; follow(key: string, jobId: string | null): void }>((set, get) => ({
  byKey: savedFollowed(),
  follow(key, jobId) {
    const byKey = { ...get().byKey };
    if (jobId) byKey[key] = jobId;
    else delete byKey[key];
    sessionStorage.setItem(FOLLOWED_KEY, JSON.stringify(byKey));
    set({ byKey });
  },
}));

/**
 * The job a screen shows: the one last started from it, or else the newest of `kind` still running
 * (started elsewhere: the CLI, another tab; `null` for work only this screen starts). Returns it and
 * the function to follow a new one.
 */
export function useFollowedJob(key: string, kind: JobKind | readonly JobKind[] | null): [Job | undefined, (jobId: string | null) => void] {
  const followedId = useFollowed((s) => s.byKey[key]);
  const follow = useFollowed((s) => s.follow);
  const kinds: readonly JobKind[] = kind === null ? [] : typeof kind === 'string' ? [kind] : kind;
  const job = useApp((s) => {
    if (followedId && s.jobs[followedId]) return s.jobs[followedId];
    let newest: Job | undefined;
    for (const j of Object.values(s.jobs)) {
      if (kinds.includes(j.kind) && j.state === 'running' && (!newest || j.startedAt > newest.startedAt)) newest = j;
    }
    return newest;
  });
  return [job, (jobId) => follow(key, jobId)];
}

/**
 * Calls `reload` whenever a job of these kinds settles, whether the screen saw it end (an event) or
 * learned it on (re)connect, when the store rebuilds the jobs from the core: a finished job's
 * result (the adapter, the snapshot…) appears without a reload of the page.
 */
export function useReloadWhenJobsSettle(kinds: readonly JobKind[], reload: () => void): void {
  const kindsKey = kinds.join(',');
  const signature = useApp((s) =>
    Object.values(s.jobs)
      .filter((j) => kindsKey.split(',').includes(j.kind) && j.state !== 'running')
      .map((j) => j.id)
      .sort()
      .join(','),
  );
  const latest = useRef(reload);
  useEffect(() => {
    latest.current = reload;
  });
  const first = useRef(true);
  useEffect(() => {
    // The screen loads its own data on mount; only what settles after that needs a reload.
    if (first.current) {
      first.current = false;
      return;
    }
    latest.current();
  }, [signature]);
}
