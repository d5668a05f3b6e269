/**
 * Lineage: from any record, contributor, snapshot, adapter or receipt to what it came from and
 * what it fed. Everything here is read from what the app already stores: snapshot_records name
 * the records each snapshot froze, adapters name their snapshot, receipts' details name the
 * records they credited, and receipts name the epoch that paid them.
 */
import type { Lineage, LineageSubjectKind, RecordInfluence } from '../../shared/lineage';
import { AppError } from '../../shared/errors';
import { existsSync } from 'node:fs';
import type { Db } from '../db/open';
import { readInfluenceFile } from '../training/influence-file';

interface ReceiptRow {
  digest: string;
  adapter_id: string;
  detail: string;
  epoch: number | null;
  created_at: string;
}

interface DetailRecord {
  recordId: string;
  score: number;
  influence: number | null;
}

export function subjectKind(id: string): LineageSubjectKind {
  if (id.startsWith('rec_')) return 'record';
  if (id.startsWith('snap_')) return 'snapshot';
  if (id.startsWith('ad_')) return 'adapter';
  if (/^0x[0-9a-fA-F]{40}$/.test(id)) return 'contributor';
  if (/^0x[0-9a-fA-F]{64}$/.test(id)) return 'receipt';
  throw new AppError('BAD_INPUT', `id: "${id}" is not a record, snapshot or adapter id, a contributor address or a receipt digest.`);
}


export const receiptRecords = (detail: string): DetailRecord[] =>
  ((JSON.parse(detail) as { records?: DetailRecord[] }).records ?? []).map((r) => ({ recordId: r.recordId, score: r.score, influence: r.influence ?? null }));

/** Σ_c weight_c × |sketch_{c,i}|² per record, from the adapter's influence file (examples are in snapshot order). */
function selfInfluence(db: Db, adapterId: string, recordIds: ReadonlySet<string>): Map<string, number> {
  const out = new Map<string, number>();
  const adapter = db.prepare('SELECT file, snapshot_id FROM adapters WHERE id = ?').get(adapterId) as { file: string; snapshot_id: string } | undefined;
  const path = adapter ? `${adapter.file}.influence` : '';
  if (!adapter || !existsSync(path)) return out;
  const { header, sketches } = readInfluenceFile(path);
  const skipped = new Set([...header.heldOut, ...header.unscored]);
  const positions = db.prepare('SELECT position, record_id FROM snapshot_records WHERE snapshot_id = ?').all(adapter.snapshot_id) as { position: number; record_id: string }[];
  for (const { position, record_id } of positions) {
    if (!recordIds.has(record_id) || skipped.has(position) || position >= header.examples) continue;
    let total = 0;
    header.checkpoints.forEach((c, k) => {
      const g = sketches[k]!.subarray(position * header.dim, (position + 1) * header.dim);
      let sq = 0;
      for (const x of g) sq += x * x;
      total += c.weight * sq;
    });
    out.set(record_id, total);
  }
  return out;
}

/** The records' measured influence on one adapter: self-influence from training, and their scores in the receipts of its answers. */
export function influenceOn(db: Db, adapterId: string, recordIds: ReadonlySet<string>): RecordInfluence[] {
  const rows = db.prepare('SELECT detail FROM receipts WHERE adapter_id = ?').all(adapterId) as { detail: string }[];
  const byRecord = new Map<string, DetailRecord[]>();
  for (const row of rows) {
    for (const r of receiptRecords(row.detail)) if (recordIds.has(r.recordId)) byRecord.set(r.recordId, [...(byRecord.get(r.recordId) ?? []), r]);
  }
  const self = selfInfluence(db, adapterId, recordIds);
  return [...recordIds].sort().map((recordId) => {
    const seen = byRecord.get(recordId) ?? [];
    const scores = seen.map((r) => r.score);
    const influences = seen.map((r) => r.influence).filter((x): x is number => x !== null);
    return {
      recordId,
      receipts: seen.length,
      meanScore: scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : 0,
      maxScore: scores.length ? Math.max(...scores) : 0,
      meanInfluence: influences.length ? influences.reduce((a, b) => a + b, 0) / influences.length : null,
      maxInfluence: influences.length ? Math.max(...influences) : null,
      selfInfluence: self.get(recordId) ?? null,
    };
  });
}

/** The subject's own records, and (for snapshots, adapters and receipts) the ones it is pinned to. */
function resolve(db: Db, kind: LineageSubjectKind, id: string): { recordIds: string[]; snapshotIds: string[] | null; adapterIds: string[] | null; digests: string[] | null } {
  const one = <T>(sql: string, what: string): T => {
    const row = db.prepare(sql).get(id) as T | undefined;
    if (!row) throw new AppError('NOT_FOUND', `No ${what} ${id}.`);
    return row;
  };
  const snapshotRecordIds = (snapshotId: string) => (db.prepare('SELECT record_id FROM snapshot_records WHERE snapshot_id = ? ORDER BY position').all(snapshotId) as { record_id: string }[]).map((r) => r.record_id);
  switch (kind) {
    case 'record':
      one('SELECT id FROM records WHERE id = ?', 'record with id');
      return { recordIds: [id], snapshotIds: null, adapterIds: null, digests: null };
    case 'contributor': {
      const rows = db.prepare('SELECT id FROM records WHERE lower(contributor) = lower(?) ORDER BY created_at, id').all(id) as { id: string }[];
      if (rows.length === 0) throw new AppError('NOT_FOUND', `No records by contributor ${id}.`);
      return { recordIds: rows.map((r) => r.id), snapshotIds: null, adapterIds: null, digests: null };
    }
    case 'snapshot':
      one('SELECT id FROM snapshots WHERE id = ?', 'snapshot with id');
      return { recordIds: snapshotRecordIds(id), snapshotIds: [id], adapterIds: null, digests: null };
    case 'adapter': {
      const a = one<{ snapshot_id: string }>('SELECT snapshot_id FROM adapters WHERE id = ?', 'adapter with id');
      return { recordIds: snapshotRecordIds(a.snapshot_id), snapshotIds: [a.snapshot_id], adapterIds: [id], digests: null };
    }
    case 'receipt': {
      const digest = id.toLowerCase();
      const r = db.prepare('SELECT adapter_id, detail FROM receipts WHERE digest = ?').get(digest) as { adapter_id: string; detail: string } | undefined;
      if (!r) throw new AppError('NOT_FOUND', `No receipt with digest ${id}.`);
      const a = db.prepare('SELECT snapshot_id FROM adapters WHERE id = ?').get(r.adapter_id) as { snapshot_id: string };
      return { recordIds: receiptRecords(r.detail).map((x) => x.recordId), snapshotIds: [a.snapshot_id], adapterIds: [r.adapter_id], digests: [digest] };
    }
  }
}

// Id lists go in as one JSON parameter (json_each): a contributor or snapshot can have more records
// than SQLite allows bound variables.
export function lineageOf(i: { db: Db; id: string }): Lineage {
  const { db } = i;
  const kind = subjectKind(i.id);
  const pinned = resolve(db, kind, i.id);
  const focus = new Set(pinned.recordIds);
  const ids = [...focus];

  const revoked = new Set(ids.length ? (db.prepare(`SELECT record_id FROM consent_revoked_records WHERE record_id IN (SELECT value FROM json_each(?))`).all(JSON.stringify(ids)) as { record_id: string }[]).map((r) => r.record_id) : []);
  const records = ids.length
    ? (db.prepare(`SELECT id, datanet_id, contributor, content_hash, status FROM records WHERE id IN (SELECT value FROM json_each(?))`).all(JSON.stringify(ids)) as { id: string; datanet_id: string; contributor: string | null; content_hash: string; status: string }[])
    : [];
  const order = new Map(ids.map((id, k) => [id, k]));
  records.sort((a, b) => order.get(a.id)! - order.get(b.id)!);

  // Snapshots holding any of the records (or just the pinned one), with which of them each holds.
  const memberships = ids.length
    ? (db.prepare(`SELECT snapshot_id, record_id FROM snapshot_records WHERE record_id IN (SELECT value FROM json_each(?))`).all(JSON.stringify(ids)) as { snapshot_id: string; record_id: string }[])
    : [];
  const inSnapshot = new Map<string, string[]>();
  for (const m of memberships) {
    if (pinned.snapshotIds && !pinned.snapshotIds.includes(m.snapshot_id)) continue;
    inSnapshot.set(m.snapshot_id, [...(inSnapshot.get(m.snapshot_id) ?? []), m.record_id]);
  }
  for (const s of pinned.snapshotIds ?? []) if (!inSnapshot.has(s)) inSnapshot.set(s, []);
  const snapshotIds = [...inSnapshot.keys()];
  const snapshots = snapshotIds.length
    ? (db.prepare(`SELECT id, datanet_id, version, root, created_at FROM snapshots WHERE id IN (SELECT value FROM json_each(?)) ORDER BY created_at, version`).all(JSON.stringify(snapshotIds)) as { id: string; datanet_id: string; version: number; root: string; created_at: string }[])
    : [];

  const adapterRows = (
    snapshotIds.length ? (db.prepare(`SELECT id, snapshot_id, created_at FROM adapters WHERE snapshot_id IN (SELECT value FROM json_each(?)) ORDER BY created_at, id`).all(JSON.stringify(snapshotIds)) as { id: string; snapshot_id: string; created_at: string }[]) : []
  ).filter((a) => !pinned.adapterIds || pinned.adapterIds.includes(a.id));
  const marks = db.prepare('SELECT revocation_id, retrain_run_id FROM adapter_marks WHERE adapter_id = ? ORDER BY created_at');
  const adapters = adapterRows.map((a) => {
    const trainedOn = new Set(inSnapshot.get(a.snapshot_id) ?? []);
    const marked = marks.all(a.id) as { revocation_id: string; retrain_run_id: string | null }[];
    return {
      id: a.id,
      snapshotId: a.snapshot_id,
      createdAt: a.created_at,
      revokedBy: marked.map((m) => m.revocation_id),
      // A revocation after the last retrain calls for another one.
      retrainRunId: marked.at(-1)?.retrain_run_id ?? null,
      influence: influenceOn(db, a.id, trainedOn),
    };
  });

  const adapterIds = adapters.map((a) => a.id);
  const receiptRows = adapterIds.length
    ? (db.prepare(`SELECT digest, adapter_id, detail, epoch, created_at FROM receipts WHERE adapter_id IN (SELECT value FROM json_each(?)) ORDER BY created_at, digest`).all(JSON.stringify(adapterIds)) as ReceiptRow[])
    : [];
  const receipts = receiptRows
    .filter((r) => !pinned.digests || pinned.digests.includes(r.digest))
    .map((r) => ({ digest: r.digest, adapterId: r.adapter_id, epoch: r.epoch, createdAt: r.created_at, records: receiptRecords(r.detail).filter((x) => focus.has(x.recordId)) }))
    .filter((r) => pinned.digests || r.records.length > 0);

  // Epochs that counted those receipts, with what they paid the records' contributors.
  const contributors = new Set(records.map((r) => r.contributor?.toLowerCase()).filter((c): c is string => !!c));
  const epochNumbers = [...new Set(receipts.map((r) => r.epoch).filter((e): e is number => e !== null))].sort((a, b) => a - b);
  const epochs = epochNumbers.map((epoch) => {
    const row = db.prepare('SELECT epoch, closed_at, root, leaves FROM reward_epochs WHERE epoch = ?').get(epoch) as { epoch: number; closed_at: string; root: string; leaves: string };
    const leaves = JSON.parse(row.leaves) as { account: string; amount: string }[];
    return { epoch, closedAt: row.closed_at, root: row.root, amounts: leaves.filter((l) => contributors.has(l.account.toLowerCase())).map((l) => ({ account: l.account, amount: l.amount })) };
  });

  return {
    subject: { kind, id: i.id },
    records: records.map((r) => ({ id: r.id, datanetId: r.datanet_id, contributor: r.contributor, contentHash: r.content_hash, status: r.status, revoked: revoked.has(r.id) })),
    snapshots: snapshots.map((s) => ({ id: s.id, datanetId: s.datanet_id, version: s.version, root: s.root, createdAt: s.created_at, recordIds: inSnapshot.get(s.id) ?? [] })),
    adapters,
    receipts,
    epochs,
  };
}
