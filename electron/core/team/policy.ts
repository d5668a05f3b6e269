import { isMethodName, type EventName } from '../../shared/contract';
import { mayCall } from '../../shared/team-policy';
import type { Envelope } from '../../shared/errors';
import type { TeamRole } from '../../shared/team';
import type { Caller } from './context';

type Checked = { ok: true; input: unknown } | { ok: false; error: Envelope<never> };
const deny = (message: string): Checked => ({ ok: false, error: { ok: false, error: { code: 'UNAUTHORIZED', message } } });
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks a team caller's call before the router sees it, and narrows a contributor's input to
 * their own records. Names outside the contract pass through: the router answers UNKNOWN_METHOD.
 */
export function authorizeCall(caller: Caller, method: unknown, input: unknown): Checked {
  if (!isMethodName(method)) return { ok: true, input };
  if (!mayCall(caller.role, method)) {
    return deny(`${method} is not allowed for a ${caller.role} (signed in as "${caller.name}"); ask an owner of this team server.`);
  }
  if (caller.role !== 'contributor' || (method !== 'datanets.listRecords' && method !== 'datanets.addRecord')) return { ok: true, input };
  if (!isObject(input)) return { ok: true, input }; // the router rejects it
  const given = input.contributor;
  if (given !== undefined && (typeof given !== 'string' || given.toLowerCase() !== caller.address)) {
    return deny(`a contributor can only ${method === 'datanets.addRecord' ? 'add records as' : 'see the records of'} their own address (${caller.address}).`);
  }
  return { ok: true, input: { ...input, contributor: caller.address } };
}

/** Hides a record of someone else from a contributor who asked for it by id. */
export function filterResult(caller: Caller, method: unknown, result: Envelope<unknown>): Envelope<unknown> {
  if (caller.role !== 'contributor' || method !== 'datanets.getRecord' || !result.ok) return result;
  const record = result.value as { id: string; contributor: string | null };
  if (record.contributor?.toLowerCase() === caller.address) return result;
  return { ok: false, error: { code: 'NOT_FOUND', message: `No record with id ${record.id}.` } };
}

/**
 * Which events a team session receives: contributors only learn that datanets changed. Everyone
 * learns that the workspace was locked or unlocked (the event carries no data), so every page
 * shows the lock at once.
 */
export function mayReceive(role: TeamRole, event: EventName): boolean {
  if (role === 'owner' || event === 'vault.changed') return true;
  if (role === 'reviewer') return event.startsWith('datanets.') || event.startsWith('jobs.');
  return event === 'datanets.changed';
}
