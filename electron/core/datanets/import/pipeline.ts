import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename, resolve } from 'node:path';
import { IMPORT_LIMITS, type ColumnMapping, type ImportFormat, type ImportProblem, type ImportSummary } from '../../../shared/curation';
import { RecordContent } from '../../../shared/datanets';
import { Address } from '../../../shared/common';
import { AppError } from '../../../shared/errors';
import type { AuditLog } from '../../audit/log';
import type { Db } from '../../db/open';
import type { JobContext, JobManager } from '../../jobs/manager';
import { claimOrphan, orphanedRows, ownerColumn, type WorkRows } from '../../jobs/owned-work';
import type { EventBus } from '../../events';
import { describeIssues } from '../../rpc/router';
import { newId, nowIso } from '../../common/ids';
import { contentHash } from '../canonical';
import type { NearDupRegistry } from '../near-dup-registry';
import { RecordWriter } from '../record-writer';
import { removeRecordsInBatches } from '../record-removal';
import { checkContribution } from '../signatures';
import { csvRows } from './csv';
import { docxRows, fileSize, pdfRows, proseRows } from './documents';
import { jsonlRows } from './jsonl';
import type { RowSource, SourceRow } from './rows';
import { sniffFormat } from './sniff';

export interface ImportRequest {
  datanetId: string;
  path: string;
  format?: ImportFormat;
  mapping?: ColumnMapping;
  license: string;
  chunkChars: number;
  nearDupThreshold: number;
}

export interface ImportDeps {
  db: Db;
  audit: AuditLog;
  actor: string;
  nearDup: NearDupRegistry;
}

/** Rows per transaction: each batch is committed whole or not at all. */
export const IMPORT_BATCH = 500;

async function sha256File(path: string, signal: AbortSignal): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { signal })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** The row source for a file of a format: the one place formats map to their readers. */
export function rowsOf(req: Pick<ImportRequest, 'mapping' | 'chunkChars'>, path: string, format: ImportFormat, signal?: AbortSignal): RowSource {
  switch (format) {
    case 'jsonl':
      return jsonlRows(path, IMPORT_LIMITS.rowBytes, signal);
    case 'csv':
      if (!req.mapping) throw new AppError('BAD_INPUT', `mapping: a CSV import needs a column mapping (which column holds the text, or the instruction and the response).`);
      return csvRows(path, req.mapping, IMPORT_LIMITS.rowBytes, signal);
    case 'txt':
    case 'markdown':
      return proseRows(path, format === 'markdown', req.chunkChars, signal);
    case 'pdf':
      return pdfRows(path, req.chunkChars, signal);
    case 'docx':
      return docxRows(path, req.chunkChars, signal);
  }
}

interface Counters {
  seen: number;
  imported: number;
  rejected: number;
  exact: number;
  near: number;
  pii: number;
}

/**
 * Streams a file into a datanet. Rows are validated one by one (problems are reported with file,
 * row, field and reason; good rows still import), committed in batches, and tagged with the
 * import's id: if the import fails, is cancelled, or the app dies mid-way, every row it added is
 * removed again, so the datanet is left as it was.
 */
export async function runImport(ctx: JobContext, deps: ImportDeps, req: ImportRequest): Promise<ImportSummary> {
  const { db } = deps;
  const path = resolve(req.path);
  const name = basename(path);
  const bytes = await fileSize(path);
  const format = sniffFormat(path, req.format);
  const limit = format === 'pdf' || format === 'docx' ? IMPORT_LIMITS.documentFileBytes : IMPORT_LIMITS.textFileBytes;
  if (bytes > limit) {
    throw new AppError('BAD_INPUT', `${name} is ${(bytes / 1024 ** 2).toFixed(0)} MB, over the limit of ${(limit / 1024 ** 2).toFixed(0)} MB for ${format.toUpperCase()} files.`);
  }
  ctx.progress(0, bytes, `Hashing ${name}`);
  const sha256 = await sha256File(path, ctx.signal);
  const importId = newId('imp');
  db.prepare(`INSERT INTO imports (id, datanet_id, file_name, file_sha256, format, state, started_at, owner) VALUES (?, ?, ?, ?, ?, 'running', ?, ?)`).run(
    importId,
    req.datanetId,
    name,
    sha256,
    format,
    nowIso(),
    ownerColumn(),
  );

  const problems: ImportProblem[] = [];
  const n: Counters = { seen: 0, imported: 0, rejected: 0, exact: 0, near: 0, pii: 0 };
  const reject = (row: number, field: string | null, reason: string) => {
    n.rejected++;
    if (problems.length < IMPORT_LIMITS.problemsKept) problems.push({ file: name, row, field, reason });
  };

  try {
    const writer = new RecordWriter(db, req.datanetId, deps.nearDup.indexFor(req.datanetId, req.nearDupThreshold));
    let batch: SourceRow[] = [];
    const flush = db.transaction((rows: SourceRow[]) => {
      for (const r of rows) insertRow(r);
      db.prepare('UPDATE imports SET rows_seen = ?, rows_imported = ?, rows_rejected = ? WHERE id = ?').run(n.seen, n.imported, n.rejected, importId);
    });
    const insertRow = (r: SourceRow) => {
      if (r.problem) return reject(r.row, r.problem.field, r.problem.reason);
      const parsed = RecordContent.safeParse(r.content);
      if (!parsed.success) return reject(r.row, null, describeIssues(parsed.error));
      const meta = validateMeta(r, req, parsed.data);
      if ('problem' in meta) return reject(r.row, meta.problem.field, meta.problem.reason);
      const replayOf = meta.nonce && meta.contributor ? writer.nonceUsedBy(meta.contributor, meta.nonce) : null;
      if (replayOf) return reject(r.row, 'nonce', `nonce ${meta.nonce} of ${meta.contributor} was already used for record ${replayOf}`);
      const outcome = writer.insert({ content: parsed.data, ...meta, source: { file: name, row: r.row }, importId });
      if (!outcome.ok) {
        n.exact++;
        return reject(r.row, null, `exact duplicate of record ${outcome.exactDuplicateOf}`);
      }
      n.imported++;
      if (outcome.nearDuplicateOf) n.near++;
      if (outcome.pii.length) n.pii++;
    };
    let bytesRead = 0;
    for await (const row of rowsOf(req, path, format, ctx.signal)) {
      n.seen++;
      bytesRead = row.bytesRead;
      batch.push(row);
      if (batch.length >= IMPORT_BATCH) {
        ctx.throwIfCancelled();
        flush(batch);
        batch = [];
        ctx.progress(bytesRead, bytes, `${n.imported.toLocaleString('en')} records imported`);
        await new Promise((r) => setImmediate(r));
      }
    }
    ctx.throwIfCancelled();
    flush(batch);
    if (n.imported === 0) {
      const first = problems[0];
      throw new AppError(
        'BAD_INPUT',
        n.seen === 0
          ? `${name} holds no records.`
          : `No rows of ${name} could be imported (${n.rejected} rejected); first problem: row ${first?.row}${first?.field ? `, ${first.field}` : ''}: ${first?.reason}`,
      );
    }
    ctx.progress(bytes, bytes, `${n.imported.toLocaleString('en')} records imported`);
  } catch (e) {
    try {
      await undoImport(db, importId, ctx.signal.aborted ? 'cancelled' : 'failed', problems, (p) =>
        ctx.progress(p.removed, p.total, `Undoing the import: ${p.removed.toLocaleString('en')} of ${p.total.toLocaleString('en')} records removed`),
      );
    } finally {
      deps.nearDup.forget(req.datanetId);
    }
    throw e;
  }

  db.transaction(() => {
    db.prepare(
      `UPDATE imports SET state = 'succeeded', rows_seen = ?, rows_imported = ?, rows_rejected = ?, exact_duplicates = ?, near_duplicates = ?,
         pii_records = ?, problems = ?, finished_at = ? WHERE id = ?`,
    ).run(n.seen, n.imported, n.rejected, n.exact, n.near, n.pii, JSON.stringify(problems), nowIso(), importId);
    db.prepare('UPDATE datanets SET updated_at = ? WHERE id = ?').run(nowIso(), req.datanetId);
    deps.audit.append({
      actor: deps.actor,
      action: 'datanet.import',
      subject: req.datanetId,
      details: { importId, file: name, sha256, format, imported: n.imported, rejected: n.rejected, nearDuplicates: n.near, piiRecords: n.pii },
    });
  })();
  return getImport(db, importId);
}

function validateMeta(
  r: SourceRow,
  req: ImportRequest,
  content: RecordContent,
): { contributor: string | null; license: string; signature: string | null; nonce: string | null } | { problem: { field: string; reason: string } } {
  const license = r.meta.license === undefined || r.meta.license === null ? req.license : String(r.meta.license).trim();
  if (!license || license.length > 100) return { problem: { field: 'license', reason: 'must be 1 to 100 characters' } };
  let contributor: string | null = null;
  if (r.meta.contributor !== undefined && r.meta.contributor !== null && r.meta.contributor !== '') {
    const a = Address.safeParse(r.meta.contributor);
    if (!a.success) return { problem: { field: 'contributor', reason: 'must be an Ethereum address (0x followed by 40 hex digits)' } };
    contributor = a.data;
  }
  const signature = r.meta.signature === undefined || r.meta.signature === null || r.meta.signature === '' ? null : String(r.meta.signature);
  const nonce = r.meta.nonce === undefined || r.meta.nonce === null || r.meta.nonce === '' ? null : String(r.meta.nonce);
  if (signature) {
    if (!contributor) return { problem: { field: 'signature', reason: 'a signed row must name its contributor' } };
    if (nonce === null) return { problem: { field: 'nonce', reason: 'a signed row needs the nonce that was signed' } };
    const why = checkContribution({ datanetId: req.datanetId, contentHash: contentHash(content), license, nonce }, signature, contributor);
    if (why) return { problem: { field: 'signature', reason: why } };
  }
  return { contributor, license, signature, nonce: signature ? nonce : null };
}

export const IMPORT_ROWS: WorkRows = { table: 'imports', key: 'id', running: `state = 'running'` };

/**
 * Removes every record an unfinished import added and then marks it. The records go in committed
 * batches (record-removal.ts) while the import stays 'running' under this process: a kill mid-way
 * leaves it to the next start, which removes the rest. `onBatch` hears the count after each batch;
 * between batches the event loop runs, so progress reaches the UI and other calls are answered.
 */
export async function undoImport(
  db: Db,
  importId: string,
  state: 'failed' | 'cancelled' | 'interrupted',
  problems: ImportProblem[] = [],
  onBatch?: (p: { removed: number; total: number }) => void,
  signal?: AbortSignal,
): Promise<boolean> {
  for (const p of removeRecordsInBatches(db, { importId })) {
    onBatch?.(p);
    await new Promise((r) => setImmediate(r));
    if (signal?.aborted) return false;
  }
  db.prepare('UPDATE imports SET state = ?, rows_imported = 0, problems = ?, finished_at = ?, owner = NULL WHERE id = ?').run(state, JSON.stringify(problems), nowIso(), importId);
  return true;
}

export interface RecoveryDeps {
  db: Db;
  jobs: JobManager;
  events: EventBus;
  nearDup: NearDupRegistry;
}

/**
 * At start-up: imports whose process is gone (killed, crashed, the machine lost power) are undone,
 * each as a job with progress ("datanets.undoImport"). One stopped part-way (the app closed, or
 * killed again) is left unowned, and the next start continues it. Imports another live process is
 * running are left alone. Returns the jobs started.
 */
export function recoverInterruptedImports(d: RecoveryDeps): string[] {
  const started: string[] = [];
  for (const orphan of orphanedRows(d.db, IMPORT_ROWS)) {
    const row = d.db.prepare('SELECT datanet_id, file_name FROM imports WHERE id = ?').get(orphan.id) as { datanet_id: string; file_name: string };
    const job = d.jobs.start({
      kind: 'datanets.undoImport',
      title: `Undo the interrupted import of ${row.file_name}`,
      unit: 'records',
      run: async (ctx) => {
        // Claimed only once the job runs: a job cancelled before it starts leaves the import to the next start.
        if (!claimOrphan(d.db, IMPORT_ROWS, orphan)) return getImport(d.db, orphan.id); // another process took it over first
        try {
          const finished = await undoImport(d.db, orphan.id, 'interrupted', [], (p) =>
            ctx.progress(p.removed, p.total, `${p.removed.toLocaleString('en')} of ${p.total.toLocaleString('en')} records removed`),
          ctx.signal);
          if (!finished) {
            // Hand it back unowned: the next start (of any process) continues where this stopped.
            d.db.prepare('UPDATE imports SET owner = NULL WHERE id = ? AND owner = ?').run(orphan.id, ownerColumn());
            ctx.throwIfCancelled();
          }
          return getImport(d.db, orphan.id);
        } finally {
          d.nearDup.forget(row.datanet_id);
          d.events.emit('datanets.changed', { datanetId: row.datanet_id, change: 'records' });
        }
      },
    });
    started.push(job.id);
  }
  return started;
}

interface ImportRow {
  id: string;
  datanet_id: string;
  file_name: string;
  file_sha256: string | null;
  format: ImportFormat;
  state: ImportSummary['state'];
  rows_seen: number;
  rows_imported: number;
  rows_rejected: number;
  exact_duplicates: number;
  near_duplicates: number;
  pii_records: number;
  problems: string;
  started_at: string;
  finished_at: string | null;
}

const toSummary = (r: ImportRow): ImportSummary => ({
  id: r.id,
  datanetId: r.datanet_id,
  fileName: r.file_name,
  fileSha256: r.file_sha256,
  format: r.format,
  state: r.state,
  rowsSeen: r.rows_seen,
  rowsImported: r.rows_imported,
  rowsRejected: r.rows_rejected,
  exactDuplicates: r.exact_duplicates,
  nearDuplicates: r.near_duplicates,
  piiRecords: r.pii_records,
  problems: JSON.parse(r.problems) as ImportProblem[],
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

export function getImport(db: Db, id: string): ImportSummary {
  const row = db.prepare('SELECT * FROM imports WHERE id = ?').get(id) as ImportRow | undefined;
  if (!row) throw new AppError('NOT_FOUND', `No import with id ${id}.`);
  return toSummary(row);
}

export function listImports(db: Db, datanetId: string): ImportSummary[] {
  return (db.prepare('SELECT * FROM imports WHERE datanet_id = ? ORDER BY started_at DESC').all(datanetId) as ImportRow[]).map(toSummary);
}
