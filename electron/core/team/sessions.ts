import { createHash, randomBytes } from 'node:crypto';
import type { TeamRole } from '../../shared/team';

export const SESSION_IDLE_MS = 12 * 60 * 60 * 1000;

export interface Session {
  name: string;
  role: TeamRole;
  address: string | null;
  lastSeen: number;
}

/** Sessions are looked up by a hash of their token, so a lookup reveals nothing by its timing. */
const key = (token: string) => createHash('sha256').update(token).digest('hex');

/** Signed-in team users, in memory only: a restart signs everyone out. */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  constructor(
    private readonly idleMs = SESSION_IDLE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new opaque session token (32 random bytes). */
  create(account: { name: string; role: TeamRole; address: string | null }): string {
    const token = randomBytes(32).toString('base64url');
    this.sessions.set(key(token), { name: account.name, role: account.role, address: account.address, lastSeen: this.now() });
    return token;
  }

  /** The live session of a token (its idle clock restarts), or null when unknown or expired. */
  touch(token: string | null | undefined): Session | null {
    if (!token) return null;
    const k = key(token);
    const s = this.sessions.get(k);
    if (!s) return null;
    if (this.now() - s.lastSeen > this.idleMs) {
      this.sessions.delete(k);
      return null;
    }
    s.lastSeen = this.now();
    return s;
  }

  end(token: string): boolean {
    return this.sessions.delete(key(token));
  }

  /** Ends every session of an account (it was removed or its role changed). */
  endAllOf(name: string): void {
    for (const [k, s] of this.sessions) if (s.name === name) this.sessions.delete(k);
  }
}

/**
 * Failed logins per client address: after `max` failures within `windowMs` further attempts are
 * refused until the window has passed, whatever the password.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();
  constructor(
    private readonly max = 10,
    private readonly windowMs = 10 * 60 * 1000,
    private readonly now: () => number = Date.now,
  ) {}

  private recent(client: string): number[] {
    const cutoff = this.now() - this.windowMs;
    const list = (this.failures.get(client) ?? []).filter((t) => t > cutoff);
    if (list.length) this.failures.set(client, list);
    else this.failures.delete(client);
    return list;
  }

  /** Seconds to wait before trying again, or 0 when an attempt is allowed. */
  retryAfter(client: string): number {
    const list = this.recent(client);
    if (list.length < this.max) return 0;
    return Math.max(1, Math.ceil((list[0]! + this.windowMs - this.now()) / 1000));
  }

  failed(client: string): void {
    this.failures.set(client, [...this.recent(client), this.now()]);
  }

  succeeded(client: string): void {
    this.failures.delete(client);
  }
}
