import { createHash } from 'node:crypto';
import type { InclusionProof, Snapshot } from '../../shared/curation';
import type { RecordContent } from '../../shared/datanets';
import { AppError } from '../../shared/errors';
import type { AuditLog } from '../audit/log';
import type { Db } from '../db/open';
import { newId, nowIso } from '../common/ids';
import { writeFileAtomic } from '../common/atomic-file';
import { buildTree, proofFor, rootFromProof } from '../common/merkle';
import { leafHash, saltedHash } from './merkle';

/** Records with no contributor address belong to the workspace's own user, who has no address yet. */
export const WORKSPACE_OWNER = '0x0000000000000000000000000000000000000000';

interface SnapshotRow {
  id: string;
  datanet_id: string;
  version: number;
  root: string;
  record_count: number;
  note: string;
  created_at: string;
}

const toSnapshot = (r: SnapshotRow): Snapshot => ({
  id: r.id,
  datanetId: r.datanet_id,
  version: r.version,
  root: r.root,
  recordCount: r.record_count,
  note: r.note,
  createdAt: r.created_at,
});

export interface SnapshotRecord {
  position: number;
  recordId: string;
  content: RecordContent;
  contentHash: string;
  salt: string;
  saltedHash: string;
  contributor: string;
  leaf: string;
}

/** Snapshots: immutable, ordered copies of a datanet's approved records with a Merkle root. */
export class SnapshotStore {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
    private readonly actor: string,
  ) {}

  create(datanetId: string, note: string): Snapshot {
    return this.db.transaction(() => {
      const rows = this.db
        .prepare(`SELECT id, kind, content, content_hash, salt, contributor FROM records WHERE datanet_id = ? AND status = 'approved'
           AND id NOT IN (SELECT record_id FROM consent_revoked_records) ORDER BY seq`)
        .all(datanetId) as { id: string; kind: string; content: string; content_hash: string; salt: string; contributor: string | null }[];
      if (rows.length === 0) throw new AppError('BAD_INPUT', 'This datanet has no approved records: approve records before taking a snapshot.');
      const id = newId('snap');
      const version = (this.db.prepare('SELECT coalesce(max(version), 0) + 1 AS v FROM snapshots WHERE datanet_id = ?').get(datanetId) as { v: number }).v;
      const insert = this.db.prepare(
        `INSERT INTO snapshot_records (snapshot_id, position, record_id, kind, content, content_hash, salt, salted_hash, contributor, leaf)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const frozen = rows.map((r, i) => {
        const salted = saltedHash(r.salt, r.content_hash);
        const contributor = r.contributor ?? WORKSPACE_OWNER;
        return { r, i, salted, contributor, leaf: leafHash(salted, contributor) };
      });
      const root = buildTree(frozen.map((f) => f.leaf)).root;
      this.db
        .prepare('INSERT INTO snapshots (id, datanet_id, version, root, record_count, note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(id, datanetId, version, root, rows.length, note, nowIso());
      for (const f of frozen) insert.run(id, f.i, f.r.id, f.r.kind, f.r.content, f.r.content_hash, f.r.salt, f.salted, f.contributor, f.leaf);
      this.audit.append({ actor: this.actor, action: 'snapshot.create', subject: id, details: { datanetId, version, root, records: rows.length } });
      return this.get(id);
    })();
  }

  get(id: string): Snapshot {
    const row = this.db.prepare('SELECT * FROM snapshots WHERE id = ?').get(id) as SnapshotRow | undefined;
    if (!row) throw new AppError('NOT_FOUND', `No snapshot with id ${id}.`);
    return toSnapshot(row);
  }

  list(datanetId: string): Snapshot[] {
    return (this.db.prepare('SELECT * FROM snapshots WHERE datanet_id = ? ORDER BY version DESC').all(datanetId) as SnapshotRow[]).map(toSnapshot);
  }

  /** Whether a snapshot holds exactly the approved (not revoked) records its datanet has now: a new one would freeze the same set. */
  isCurrent(snapshotId: string): boolean {
    const snap = this.get(snapshotId);
    const { approved, missing } = this.db
      .prepare(
        `SELECT count(*) AS approved, coalesce(sum(id NOT IN (SELECT record_id FROM snapshot_records WHERE snapshot_id = @snapshotId)), 0) AS missing
         FROM records WHERE datanet_id = @datanetId AND status = 'approved' AND id NOT IN (SELECT record_id FROM consent_revoked_records)`,
      )
      .get({ snapshotId, datanetId: snap.datanetId }) as { approved: number; missing: number };
    return missing === 0 && approved === snap.recordCount;
  }

  /** The frozen records in snapshot order (what training reads). */
  records(snapshotId: string): SnapshotRecord[] {
    this.get(snapshotId);
    const rows = this.db.prepare('SELECT * FROM snapshot_records WHERE snapshot_id = ? ORDER BY position').all(snapshotId) as {
      position: number;
      record_id: string;
      content: string;
      content_hash: string;
      salt: string;
      salted_hash: string;
      contributor: string;
      leaf: string;
    }[];
    return rows.map((r) => ({
      position: r.position,
      recordId: r.record_id,
      content: JSON.parse(r.content) as RecordContent,
      contentHash: r.content_hash,
      salt: r.salt,
      saltedHash: r.salted_hash,
      contributor: r.contributor,
      leaf: r.leaf,
    }));
  }

  proof(snapshotId: string, recordId: string): InclusionProof {
    const snapshot = this.get(snapshotId);
    const records = this.records(snapshotId);
    const rec = records.find((r) => r.recordId === recordId);
    if (!rec) throw new AppError('NOT_FOUND', `Record ${recordId} is not in snapshot ${snapshotId} (version ${snapshot.version}).`);
    const tree = buildTree(records.map((r) => r.leaf));
    return {
      snapshotId,
      root: snapshot.root,
      recordId,
      contentHash: rec.contentHash,
      salt: rec.salt,
      saltedHash: rec.saltedHash,
      contributor: rec.contributor,
      leaf: rec.leaf,
      proof: proofFor(tree, rec.leaf),
    };
  }

  /** Writes the snapshot's records as JSONL others can train on: Alpaca, OpenAI chat, or {text}. */
  export(snapshotId: string, path: string): { path: string; records: number; sha256: string } {
    const records = this.records(snapshotId);
    const lines = records.map((r) => `${JSON.stringify(exportShape(r.content))}\n`);
    const bytes = Buffer.from(lines.join(''), 'utf8');
    writeFileAtomic(path, [bytes]);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    this.audit.append({ actor: this.actor, action: 'snapshot.export', subject: snapshotId, details: { records: records.length, sha256 } });
    return { path, records: records.length, sha256 };
  }
}

function exportShape(c: RecordContent): unknown {
  if (c.kind === 'instruction') return { instruction: c.instruction, input: c.input, output: c.response };
  if (c.kind === 'chat') return { messages: c.messages };
  return { text: c.text };
}

/** Checks an inclusion proof by itself: salt and hash → leaf → root. */
export function verifyInclusionProof(p: InclusionProof): { ok: boolean; reason: string | null } {
  if (saltedHash(p.salt, p.contentHash).toLowerCase() !== p.saltedHash.toLowerCase()) return { ok: false, reason: 'the salted hash does not match the content hash and salt' };
  if (leafHash(p.saltedHash, p.contributor) !== p.leaf.toLowerCase()) return { ok: false, reason: 'the leaf does not match the salted hash and contributor' };
  if (rootFromProof(p.leaf, p.proof) !== p.root.toLowerCase()) return { ok: false, reason: 'the proof does not lead to the snapshot root' };
  return { ok: true, reason: null };
}
