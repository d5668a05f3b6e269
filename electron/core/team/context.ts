import { AsyncLocalStorage } from 'node:async_hooks';
import type { TeamRole } from '../../shared/team';

/** Who is calling, in a team session of serve; absent for the single-user hosts (desktop, local serve, CLI). */
export interface Caller {
  name: string;
  role: TeamRole;
  /** A contributor's address (lowercase). */
  address: string | null;
}

const storage = new AsyncLocalStorage<Caller>();

/** Runs `fn` (and everything it starts, jobs included) as `caller`. */
export const runAsCaller = <T>(caller: Caller, fn: () => T): T => storage.run(caller, fn);

export const currentCaller = (): Caller | undefined => storage.getStore();

/** The audit actor of a team user: "team:<name>", so it cannot be mistaken for the local user. */
export const teamActor = (caller: Caller) => `team:${caller.name}`;
