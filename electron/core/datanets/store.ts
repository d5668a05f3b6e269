import { AppError } from '../../shared/errors';
import type { Datanet, DatanetRecord, PiiSpan, RecordContent, RecordFlag, RecordStatus } from '../../shared/datanets';
import type { AuditLog } from '../audit/log';
import type { Db } from '../db/open';
import { newId, nowIso } from '../common/ids';
import type { NearDupRegistry } from './near-dup-registry';
import { RecordWriter } from './record-writer';
import { removeAllRecords } from './record-removal';

interface DatanetRow {
  id: string;
  name: string;
  description: string;
  created_at: string;
  updated_at: string;
  record_count: number;
}

export interface RecordRow {
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
  original_hash: string;
  signature: string | null;
  pii: string;
  redaction: string | null;
  pii_override: string | null;
  near_dup_of: string | null;
  near_dup_similarity: number | null;
  import_id: string | null;
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

/** Record columns without the MinHash blob, which only the writers need. */
export const RECORD_COLUMNS = `id, datanet_id, kind, content, content_hash, contributor, license, status, reject_reason, source_file,
  source_row, original_hash, signature, pii, redaction, pii_override, near_dup_of, near_dup_similarity, import_id, created_at, updated_at`;

function flagsOf(r: RecordRow): RecordFlag[] {
  const flags: RecordFlag[] = [];
  if (r.pii !== '[]') flags.push('pii');
  if (r.near_dup_of) flags.push('near-duplicate');
  if (r.redaction) flags.push('redacted');
  if (r.signature) flags.push('signed');
  return flags;
}

/** SQL conditions selecting records that carry a flag. */
export const FLAG_CONDITION: Record<RecordFlag, string> = {
  pii: "pii != '[]'",
  'near-duplicate': 'near_dup_of IS NOT NULL',
  redacted: 'redaction IS NOT NULL',
  signed: 'signature IS NOT NULL',
};

export const toRecord = (r: RecordRow): DatanetRecord => ({
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
  flags: flagsOf(r),
  originalHash: r.original_hash,
  signature: r.signature,
  pii: JSON.parse(r.pii) as PiiSpan[],
  redaction: r.redaction ? (JSON.parse(r.redaction) as DatanetRecord['redaction']) : null,
  piiOverride: r.pii_override,
  nearDuplicateOf: r.near_dup_of ? { recordId: r.near_dup_of, similarity: r.near_dup_similarity ?? 0 } : null,
  importId: r.import_id,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Datanets and their records in SQLite; every change is audited in the same transaction. */
export class DatanetStore {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
    private readonly actor: string,
    readonly nearDup: NearDupRegistry,
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

  /**
   * Deletes a datanet and everything under it. The bulk (its records and its snapshots' frozen
   * copies) goes first through the same batched path as an undone import, so a large datanet never
   * holds the write lock for long; cut short, deleting again removes the rest.
   */
  delete(id: string, confirmName: string): { id: string; deletedRecords: number } {
    const d = this.get(id);
    if (confirmName !== d.name) {
      throw new AppError(
        'BAD_INPUT',
        `confirmName: to delete datanet "${d.name}", repeat its exact name (got "${confirmName}"). Nothing was deleted.`,
      );
    }
    // The bulk is removed in committed batches before the datanet row goes: whatever would make the
    // database refuse that last delete must be found first, or the records go and the datanet stays.
    this.assertDeletable(d);
    removeAllRecords(this.db, { datanetId: id });
    return this.db.transaction(() => {
      this.db.prepare('DELETE FROM datanets WHERE id = ?').run(id);
      this.nearDup.forget(id);
      this.audit.append({
        actor: this.actor,
        action: 'datanet.delete',
        subject: id,
        details: { name: d.name, records: d.recordCount },
      });
      return { id, deletedRecords: d.recordCount };
    })();
  }

  /**
   * Receipts name the adapter they attribute to without ON DELETE (they are the record of what was
   * answered and paid for), so the cascade from a datanet through its snapshots, training runs and
   * adapters is refused while one of those adapters has a receipt.
   */
  private assertDeletable(d: Datanet): void {
    const { n } = this.db
      .prepare(
        `SELECT count(*) AS n FROM receipts WHERE adapter_id IN (SELECT id FROM adapters WHERE run_id IN
           (SELECT id FROM training_runs WHERE snapshot_id IN (SELECT id FROM snapshots WHERE datanet_id = ?)))`,
      )
      .get(d.id) as { n: number };
    if (n > 0) {
      throw new AppError(
        'CONFLICT',
        `Datanet "${d.name}" cannot be deleted: ${n} attribution receipt${n === 1 ? ' names an adapter' : 's name adapters'} trained on its snapshots, and receipts are kept. Nothing was deleted.`,
      );
    }
  }

  addRecord(input: { datanetId: string; content: RecordContent; contributor?: string; license: string }): DatanetRecord {
    this.get(input.datanetId);
    try {
      return this.db.transaction(() => {
        const writer = new RecordWriter(this.db, input.datanetId, this.nearDup.indexFor(input.datanetId));
        const outcome = writer.insert({ content: input.content, contributor: input.contributor ?? null, license: input.license });
        if (!outcome.ok) {
          throw new AppError('CONFLICT', `content: this datanet already holds an identical record (${outcome.exactDuplicateOf}).`);
        }
        this.db.prepare('UPDATE datanets SET updated_at = ? WHERE id = ?').run(nowIso(), input.datanetId);
        this.audit.append({
          actor: this.actor,
          action: 'record.add',
          subject: outcome.id,
          details: { datanetId: input.datanetId, contentHash: outcome.contentHash, kind: input.content.kind },
        });
        return this.getRecord(outcome.id);
      })();
    } catch (e) {
      this.nearDup.forget(input.datanetId);
      throw e;
    }
  }

  getRecord(id: string): DatanetRecord {
    const row = this.db.prepare(`SELECT ${RECORD_COLUMNS} FROM records WHERE id = ?`).get(id) as RecordRow | undefined;
    if (!row) throw new AppError('NOT_FOUND', `No record with id ${id}.`);
    return toRecord(row);
  }

  listRecords(q: {
    datanetId: string;
    status?: RecordStatus;
    flag?: RecordFlag;
    contributor?: string;
    query?: string;
    offset: number;
    limit: number;
  }) {
    this.get(q.datanetId);
    const where = ['datanet_id = @datanetId'];
    if (q.status) where.push('status = @status');
    if (q.flag) where.push(FLAG_CONDITION[q.flag]);
    if (q.contributor) where.push('contributor = @contributor');
    if (q.query) where.push('rowid IN (SELECT rowid FROM records_fts WHERE records_fts MATCH @match)');
    const params = {
      datanetId: q.datanetId,
      status: q.status,
      contributor: q.contributor?.toLowerCase(),
      match: q.query ? ftsQuery(q.query) : undefined,
      limit: q.limit,
      offset: q.offset,
    };
    const clause = where.join(' AND ');
    const total = (this.db.prepare(`SELECT count(*) AS n FROM records WHERE ${clause}`).get(params) as { n: number }).n;
    const rows = this.db
      .prepare(`SELECT ${RECORD_COLUMNS} FROM records WHERE ${clause} ORDER BY seq LIMIT @limit OFFSET @offset`)
      .all(params) as RecordRow[];
    return { items: rows.map(toRecord), total, offset: q.offset, limit: q.limit };
  }

  private assertNameFree(name: string, exceptId?: string) {
    const clash = this.db.prepare('SELECT id FROM datanets WHERE name = ? COLLATE NOCASE').get(name) as { id: string } | undefined;
    if (clash && clash.id !== exceptId) {
      throw new AppError('CONFLICT', `name: a datanet named "${name}" already exists (${clash.id}).`);
    }
  }
}

/**
 * User search text → an FTS5 query: each word quoted (so punctuation and FTS syntax in user text
 * cannot break the query), all words required, the last one as a prefix.
 */
export function ftsQuery(text: string): string {
  const words = text.match(/[\p{L}\p{N}_]+/gu) ?? [];
  if (words.length === 0) return '""';
  return words.map((w, i) => `"${w}"${i === words.length - 1 ? '*' : ''}`).join(' ');
}
