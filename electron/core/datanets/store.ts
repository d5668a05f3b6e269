import { AppError } from '../../shared/errors';
import type { Datanet, DatanetRecord, RecordContent, RecordStatus } from '../../shared/datanets';
import type { AuditLog } from '../audit/log';
import type { Db } from '../db/open';
import { canonicalJson } from '../common/canonical-json';
import { newId, nowIso } from '../common/ids';
import { canonicalContent, contentHash } from './canonical';

interface DatanetRow {
  id: string;
  name: string;
  description: string;
  created_at: string;
  updated_at: string;
  record_count: number;
}

interface RecordRow {
  id: string;
  datanet_id: string;
  kind: DatanetRecord['kind'];
  content: string;
  content_hash: string;
  contributor: string | null;
  license: string;
  status: RecordStatus;
  reject_reason: string | null;
  source_file: string | null;
  source_row: number | null;
  flags: string;
  created_at: string;
  updated_at: string;
}

const DATANET_SELECT = `SELECT d.*, (SELECT count(*) FROM records r WHERE r.datanet_id = d.id) AS record_count FROM datanets d`;

const toDatanet = (r: DatanetRow): Datanet => ({
  id: r.id,
  name: r.name,
  description: r.description,
  recordCount: r.record_count,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toRecord = (r: RecordRow): DatanetRecord => ({
  id: r.id,
  datanetId: r.datanet_id,
  kind: r.kind,
  content: JSON.parse(r.content) as RecordContent,
  contentHash: r.content_hash,
  contributor: r.contributor,
  license: r.license,
  status: r.status,
  rejectReason: r.reject_reason,
  source: r.source_file === null ? null : { file: r.source_file, row: r.source_row ?? 0 },
  flags: JSON.parse(r.flags) as string[],
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Datanets and their records in SQLite; every change is audited in the same transaction. */
export class DatanetStore {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
    private readonly actor: string,
  ) {}

  create(input: { name: string; description: string }): Datanet {
    return this.db.transaction(() => {
      this.assertNameFree(input.name);
      const id = newId('dn');
      const now = nowIso();
      this.db
        .prepare('INSERT INTO datanets (id, name, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?)')
        .run(id, input.name, input.description, now, now);
      this.audit.append({ actor: this.actor, action: 'datanet.create', subject: id, details: { name: input.name } });
      return this.get(id);
    })();
  }

  list(): Datanet[] {
    return (this.db.prepare(`${DATANET_SELECT} ORDER BY d.created_at, d.id`).all() as DatanetRow[]).map(toDatanet);
  }

  get(id: string): Datanet {
    const row = this.db.prepare(`${DATANET_SELECT} WHERE d.id = ?`).get(id) as DatanetRow | undefined;
    if (!row) throw new AppError('NOT_FOUND', `No datanet with id ${id}.`);
    return toDatanet(row);
  }

  rename(id: string, name: string): Datanet {
    return this.db.transaction(() => {
      const before = this.get(id);
      if (before.name === name) return before;
      this.assertNameFree(name, id);
      this.db.prepare('UPDATE datanets SET name = ?, updated_at = ? WHERE id = ?').run(name, nowIso(), id);
      this.audit.append({ actor: this.actor, action: 'datanet.rename', subject: id, details: { from: before.name, to: name } });
      return this.get(id);
    })();
  }

  delete(id: string, confirmName: string): { id: string; deletedRecords: number } {
    return this.db.transaction(() => {
      const d = this.get(id);
      if (confirmName !== d.name) {
        throw new AppError(
          'BAD_INPUT',
          `confirmName: to delete datanet "${d.name}", repeat its exact name (got "${confirmName}"). Nothing was deleted.`,
        );
      }
      this.db.prepare('DELETE FROM datanets WHERE id = ?').run(id);
      this.audit.append({
        actor: this.actor,
        action: 'datanet.delete',
        subject: id,
        details: { name: d.name, records: d.recordCount },
      });
      return { id, deletedRecords: d.recordCount };
    })();
  }

  addRecord(input: { datanetId: string; content: RecordContent; contributor?: string; license: string }): DatanetRecord {
    return this.db.transaction(() => {
      this.get(input.datanetId);
      const content = canonicalContent(input.content);
      const hash = contentHash(content);
      const existing = this.db
        .prepare('SELECT id FROM records WHERE datanet_id = ? AND content_hash = ?')
        .get(input.datanetId, hash) as { id: string } | undefined;
      if (existing) {
        throw new AppError('CONFLICT', `content: this datanet already holds an identical record (${existing.id}).`);
      }
      const id = newId('rec');
      const now = nowIso();
      const seq =
        (this.db.prepare('SELECT coalesce(max(seq), 0) AS s FROM records WHERE datanet_id = ?').get(input.datanetId) as { s: number }).s + 1;
      this.db
        .prepare(
          `INSERT INTO records (id, datanet_id, seq, kind, content, content_hash, contributor, license, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(id, input.datanetId, seq, content.kind, canonicalJson(content), hash, input.contributor?.toLowerCase() ?? null, input.license, now, now);
      this.db.prepare('UPDATE datanets SET updated_at = ? WHERE id = ?').run(now, input.datanetId);
      this.audit.append({
        actor: this.actor,
        action: 'record.add',
        subject: id,
        details: { datanetId: input.datanetId, contentHash: hash, kind: content.kind },
      });
      return this.getRecord(id);
    })();
  }

  getRecord(id: string): DatanetRecord {
    const row = this.db.prepare('SELECT * FROM records WHERE id = ?').get(id) as RecordRow | undefined;
    if (!row) throw new AppError('NOT_FOUND', `No record with id ${id}.`);
    return toRecord(row);
  }

  listRecords(q: { datanetId: string; status?: RecordStatus; offset: number; limit: number }) {
    this.get(q.datanetId);
    const where = q.status ? 'datanet_id = ? AND status = ?' : 'datanet_id = ?';
    const args = q.status ? [q.datanetId, q.status] : [q.datanetId];
    const total = (this.db.prepare(`SELECT count(*) AS n FROM records WHERE ${where}`).get(...args) as { n: number }).n;
    const rows = this.db
      .prepare(`SELECT * FROM records WHERE ${where} ORDER BY seq LIMIT ? OFFSET ?`)
      .all(...args, q.limit, q.offset) as RecordRow[];
    return { items: rows.map(toRecord), total, offset: q.offset, limit: q.limit };
  }

  private assertNameFree(name: string, exceptId?: string) {
    const clash = this.db.prepare('SELECT id FROM datanets WHERE name = ? COLLATE NOCASE').get(name) as { id: string } | undefined;
    if (clash && clash.id !== exceptId) {
      throw new AppError('CONFLICT', `name: a datanet named "${name}" already exists (${clash.id}).`);
    }
  }
}
