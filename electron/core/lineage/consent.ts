/**
 * Consent revocation: a contributor (or the datanet owner on their behalf) takes back some or all
 * of their records. Revoked records leave every later snapshot (SnapshotStore skips them), earn
 * nothing in epochs closed afterwards (revokedShares), and every adapter trained on them is marked
 * with their measured influence on it and can be retrained, same settings, without them.
 */
import { getAddress } from 'ethers';
import type { MarkedAdapter, RecordInfluence, Revocation } from '../../shared/lineage';
import { AppError } from '../../shared/errors';
import type { AuditLog } from '../audit/log';
import type { Db } from '../db/open';
import type { SnapshotStore } from '../datanets/snapshots';
import type { TrainingRuns } from '../training/app-runs';
import { nowIso, newId } from '../common/ids';
import { influenceOn } from './graph';
import { checkRevocationSignature, recordsHashOf, revocationHash } from './revocation-signature';

export interface ConsentDeps {
  db: Db;
  audit: AuditLog;
  actor: string;
  snapshots: SnapshotStore;
  training: TrainingRuns;
}

interface RevocationRow {
  id: string;
  contributor: string;
  scope: 'all' | 'some';
  reason: string;
  signature: string | null;
  signer: string;
  hash: string;
  created_at: string;
}

interface MarkRow {
  adapter_id: string;
  revocation_id: string;
  records: string;
  retrain_run_id: string | null;
  snapshot_id: string;
}


export class ConsentService {
  constructor(private readonly d: ConsentDeps) {}

  revoke(i: { contributor: string; recordIds?: readonly string[]; reason: string; signature?: string; createdAt?: string }): { revocation: Revocation; adapters: MarkedAdapter[] } {
    const { db } = this.d;
    const contributor = getAddress(i.contributor);
    const createdAt = i.createdAt ?? nowIso();
    const owned = db.prepare('SELECT id FROM records WHERE lower(contributor) = lower(?) ORDER BY created_at, id').all(contributor) as { id: string }[];
    const ownedIds = new Set(owned.map((r) => r.id));
    for (const id of i.recordIds ?? []) {
      if (!ownedIds.has(id)) throw new AppError('BAD_INPUT', `recordIds: record ${id} is not a record of contributor ${contributor}.`);
    }
    const message = { contributor, recordsHash: recordsHashOf(i.recordIds ?? 'all'), reason: i.reason, createdAt };
    if (i.signature) {
      const why = checkRevocationSignature(message, i.signature);
      if (why) throw new AppError('BAD_INPUT', `signature: ${why}.`);
    }
    const alreadyRevoked = new Set((db.prepare('SELECT record_id FROM consent_revoked_records').all() as { record_id: string }[]).map((r) => r.record_id));
    const recordIds = (i.recordIds ? [...new Set(i.recordIds)] : [...ownedIds]).filter((id) => !alreadyRevoked.has(id));
    if (recordIds.length === 0) throw new AppError('CONFLICT', `Contributor ${contributor} has no records left to revoke consent for.`);

    const id = newId('rev');
    const hash = revocationHash(message);
    const signer = i.signature ? contributor : this.d.actor;
    const adapters = db.transaction(() => {
      db.prepare('INSERT INTO consent_revocations (id, contributor, scope, reason, signature, signer, hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
        id, contributor, i.recordIds ? 'some' : 'all', i.reason, i.signature ?? null, signer, hash, createdAt,
      );
      const insert = db.prepare('INSERT INTO consent_revoked_records (record_id, revocation_id) VALUES (?, ?)');
      for (const r of recordIds) insert.run(r, id);
      const marked = this.trainedOn(recordIds);
      const mark = db.prepare('INSERT INTO adapter_marks (adapter_id, revocation_id, records, retrain_run_id, created_at) VALUES (?, ?, ?, NULL, ?)');
      for (const m of marked) mark.run(m.adapterId, id, JSON.stringify(m.influence), nowIso());
      this.d.audit.append({
        actor: this.d.actor,
        action: 'consent.revoke',
        subject: id,
        details: { contributor, scope: i.recordIds ? 'some' : 'all', records: recordIds.length, hash, signed: !!i.signature, adapters: marked.map((m) => m.adapterId) },
      });
      return marked.map((m) => ({ ...m, revocationId: id, retrainRunId: null }));
    })();
    return { revocation: this.get(id), adapters };
  }

  get(id: string): Revocation {
    const row = this.d.db.prepare('SELECT * FROM consent_revocations WHERE id = ?').get(id) as RevocationRow | undefined;
    if (!row) throw new AppError('NOT_FOUND', `No consent revocation ${id}.`);
    return this.toRevocation(row);
  }

  list(): Revocation[] {
    return (this.d.db.prepare('SELECT * FROM consent_revocations ORDER BY created_at DESC, id').all() as RevocationRow[]).map((r) => this.toRevocation(r));
  }

  markedAdapters(): MarkedAdapter[] {
    const rows = this.d.db.prepare('SELECT m.*, a.snapshot_id FROM adapter_marks m JOIN adapters a ON a.id = m.adapter_id ORDER BY m.created_at, m.adapter_id').all() as MarkRow[];
    return rows.map((r) => ({ adapterId: r.adapter_id, snapshotId: r.snapshot_id, revocationId: r.revocation_id, influence: JSON.parse(r.records) as RecordInfluence[], retrainRunId: r.retrain_run_id }));
  }

  isMarked(adapterId: string): boolean {
    return this.d.db.prepare('SELECT 1 FROM adapter_marks WHERE adapter_id = ? LIMIT 1').get(adapterId) !== undefined;
  }

  /**
   * Trains again with the marked adapter's settings and base model on a new snapshot of its
   * datanet, which leaves revoked records out (it also takes in records approved since).
   */
  retrain(i: { adapterId: string }): { jobId: string; runId: string; adapterId: string; snapshotId: string } {
    if (!this.isMarked(i.adapterId)) throw new AppError('CONFLICT', `Adapter ${i.adapterId} is not marked as trained on revoked data; there is nothing to retrain it without.`);
    const adapter = this.d.training.getAdapter(i.adapterId);
    const old = this.d.snapshots.get(adapter.snapshotId);
    const { model_path: modelPath } = this.d.db.prepare('SELECT model_path FROM training_runs WHERE id = ?').get(adapter.runId) as { model_path: string };
    const snapshot = this.d.snapshots.create(old.datanetId, `Retrain of ${adapter.id} without revoked records`);
    const run = this.d.training.start({ modelPath, snapshotId: snapshot.id, settings: adapter.settings });
    this.d.db.prepare('UPDATE adapter_marks SET retrain_run_id = ? WHERE adapter_id = ?').run(run.runId, adapter.id);
    this.d.audit.append({ actor: this.d.actor, action: 'consent.retrain', subject: adapter.id, details: { runId: run.runId, snapshotId: snapshot.id, fromSnapshotId: old.id } });
    return { ...run, adapterId: adapter.id, snapshotId: snapshot.id };
  }

  /** Adapters whose snapshot holds any of the records, with those records' influence on each. */
  private trainedOn(recordIds: readonly string[]): { adapterId: string; snapshotId: string; influence: RecordInfluence[] }[] {
    const rows = this.d.db
      .prepare(
        `SELECT a.id AS adapter_id, a.snapshot_id, sr.record_id FROM adapters a JOIN snapshot_records sr ON sr.snapshot_id = a.snapshot_id
         WHERE sr.record_id IN (SELECT value FROM json_each(?)) ORDER BY a.created_at, a.id`,
      )
      .all(JSON.stringify(recordIds)) as { adapter_id: string; snapshot_id: string; record_id: string }[];
    const byAdapter = new Map<string, { snapshotId: string; records: Set<string> }>();
    for (const r of rows) {
      const entry = byAdapter.get(r.adapter_id) ?? { snapshotId: r.snapshot_id, records: new Set<string>() };
      entry.records.add(r.record_id);
      byAdapter.set(r.adapter_id, entry);
    }
    return [...byAdapter].map(([adapterId, e]) => ({ adapterId, snapshotId: e.snapshotId, influence: influenceOn(this.d.db, adapterId, e.records) }));
  }

  private toRevocation(r: RevocationRow): Revocation {
    const ids = (this.d.db.prepare('SELECT record_id FROM consent_revoked_records WHERE revocation_id = ? ORDER BY record_id').all(r.id) as { record_id: string }[]).map((x) => x.record_id);
    return { id: r.id, contributor: r.contributor, scope: r.scope, recordIds: ids, reason: r.reason, signature: r.signature, signer: r.signer, hash: r.hash, createdAt: r.created_at };
  }
}
