import { createHash } from 'node:crypto';
import type { AuditEntry, AuditVerification } from '../../shared/audit';
import type { Db } from '../db/open';
import { canonicalJson } from '../common/canonical-json';
import { nowIso } from '../common/ids';
import { currentCaller, teamActor } from '../team/context';

export const GENESIS_HASH = `0x${'0'.repeat(64)}`;

export interface AuditInput {
  actor: string;
  action: string;
  subject: string;
  details?: Record<string, unknown>;
}

interface Row {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  details: string;
  prev_hash: string;
  hash: string;
}

/** The hash each entry commits to: its own fields and the previous entry's hash. */
export function entryHash(e: Omit<AuditEntry, 'hash'>): string {
  const body = canonicalJson({
    seq: e.seq,
    at: e.at,
    actor: e.actor,
    action: e.action,
    subject: e.subject,
    details: e.details,
    prevHash: e.prevHash,
  });
  return `0x${createHash('sha256').update(body).digest('hex')}`;
}

/** Why `entry` does not follow `prev` in the chain (null when it does): the rule a verifier of an export applies too. */
export function checkLink(prev: { seq: number; hash: string }, entry: AuditEntry): string | null {
  if (entry.seq !== prev.seq + 1) return `entry ${prev.seq + 1} is missing (next entry is ${entry.seq})`;
  if (entry.prevHash !== prev.hash) return `entry ${entry.seq} does not link to the entry before it`;
  if (entryHash(entry) !== entry.hash) return `entry ${entry.seq} was altered after it was written (its hash does not match its content)`;
  return null;
}

const toEntry = (r: Row): AuditEntry => ({
  seq: r.seq,
  at: r.at,
  actor: r.actor,
  action: r.action,
  subject: r.subject,
  details: JSON.parse(r.details) as Record<string, unknown>,
  prevHash: r.prev_hash,
  hash: r.hash,
});

/**
 * The workspace's append-only audit log. Appends join the caller's transaction when there is
 * one, so a change and its audit entry are committed together or not at all.
 */
export class AuditLog {
  constructor(private readonly db: Db) {}

  append(input: AuditInput): AuditEntry {
    // In a team session of serve the entry names the signed-in user, whoever passed `actor`.
    const caller = currentCaller();
    const actor = caller ? teamActor(caller) : input.actor;
    const run = this.db.transaction((): AuditEntry => {
      const head = this.db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as
        | { seq: number; hash: string }
        | undefined;
      const partial = {
        seq: (head?.seq ?? 0) + 1,
        at: nowIso(),
        actor,
        action: input.action,
        subject: input.subject,
        details: JSON.parse(canonicalJson(input.details ?? {})) as Record<string, unknown>,
        prevHash: head?.hash ?? GENESIS_HASH,
      };
      const entry: AuditEntry = { ...partial, hash: entryHash(partial) };
      this.db
        .prepare(
          'INSERT INTO audit_log (seq, at, actor, action, subject, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(entry.seq, entry.at, entry.actor, entry.action, entry.subject, canonicalJson(entry.details), entry.prevHash, entry.hash);
      return entry;
    });
    return run.immediate();
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n;
  }

  /** Entries after `seq`, oldest first (for exporting the whole log in batches). */
  entriesAfter(seq: number, limit: number): AuditEntry[] {
    return (this.db.prepare('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?').all(seq, limit) as Row[]).map(toEntry);
  }

  list(offset: number, limit: number): AuditEntry[] {
    const rows = this.db.prepare('SELECT * FROM audit_log ORDER BY seq DESC LIMIT ? OFFSET ?').all(limit, offset) as Row[];
    return rows.map(toEntry);
  }

  /** Starts a verification that can be advanced a batch at a time (so a job can report and cancel). */
  verifier(batchSize = 1000): ChainVerifier {
    return new ChainVerifier(this.db, batchSize, this.count());
  }

  verify(): AuditVerification {
    const v = this.verifier();
    while (!v.step());
    return v.result();
  }
}

export class ChainVerifier {
  private lastSeq = 0;
  private lastHash = GENESIS_HASH;
  private checked = 0;
  private firstBad: AuditVerification['firstBad'] = null;
  private done = false;
  constructor(
    private readonly db: Db,
    private readonly batchSize: number,
    /** Entries in the log when verification began (for progress). */
    readonly total: number,
  ) {}

  get progress() {
    return this.checked;
  }

  /** Checks the next batch; returns true when verification has finished. */
  step(): boolean {
    if (this.done) return true;
    const rows = this.db
      .prepare('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?')
      .all(this.lastSeq, this.batchSize) as Row[];
    for (const row of rows) {
      const reason = this.check(row);
      if (reason) {
        this.firstBad = { seq: row.seq, reason };
        this.done = true;
        return true;
      }
      this.checked++;
      this.lastSeq = row.seq;
      this.lastHash = row.hash;
    }
    if (rows.length < this.batchSize) this.done = true;
    return this.done;
  }

  private check(row: Row): string | null {
    let entry: AuditEntry;
    try {
      entry = toEntry(row);
    } catch {
      return `entry ${row.seq} has unreadable details`;
    }
    return checkLink({ seq: this.lastSeq, hash: this.lastHash }, entry);
  }

  result(): AuditVerification {
    return { ok: this.firstBad === null, checked: this.checked, firstBad: this.firstBad, headHash: this.lastHash };
  }
}
