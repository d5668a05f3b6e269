/**
 * Rows of long-running work (jobs, imports, training runs, index builds) carry the owner record of
 * the process doing the work. At start-up a process takes over only the rows whose owner is gone:
 * the CLI opened beside the running app, or a second CLI, must leave the other's work alone.
 */
import type { Db } from '../db/open';
import { currentOwner, ownerAlive, parseOwner } from '../common/process-owner';

/** This process's owner record, as stored in an `owner` column. */
export const ownerColumn = (): string => JSON.stringify(currentOwner());

/** Where a kind of work keeps its rows: the table, its key column, and the condition for "running". */
export interface WorkRows {
  table: string;
  key: string;
  running: string;
}

export interface OrphanRow {
  id: string;
  owner: string | null;
}

/**
 * Running rows whose owner process is gone. A row without an owner was written before owners were
 * recorded, by a version of the app that can no longer be running against this schema.
 */
export function orphanedRows(db: Db, w: WorkRows): OrphanRow[] {
  const rows = db.prepare(`SELECT ${w.key} AS id, owner FROM ${w.table} WHERE ${w.running}`).all() as OrphanRow[];
  return rows.filter((r) => {
    const owner = parseOwner(r.owner);
    return owner === null || !ownerAlive(owner);
  });
}

/**
 * Applies `set` (an UPDATE's SET clause; named parameters from `params`) to one orphan, only if its
 * owner is still the dead one seen: of two processes recovering at once, one wins, the other skips.
 */
export function takeOver(db: Db, w: WorkRows, row: OrphanRow, set: string, params: Record<string, unknown> = {}): boolean {
  const r = db
    .prepare(`UPDATE ${w.table} SET ${set} WHERE ${w.key} = @id AND ${w.running} AND owner IS @seenOwner`)
    .run({ ...params, id: row.id, seenOwner: row.owner });
  return r.changes === 1;
}

/** Marks every orphan of a kind of work with `set`; returns the keys taken over. */
export function recoverOrphans(db: Db, w: WorkRows, set: string, params: Record<string, unknown> = {}): string[] {
  return orphanedRows(db, w).filter((row) => takeOver(db, w, row, set, params)).map((row) => row.id);
}

/** Claims an orphan for this process (its owner becomes this process), to finish or undo it here. */
export function claimOrphan(db: Db, w: WorkRows, row: OrphanRow): boolean {
  return takeOver(db, w, row, 'owner = @me', { me: ownerColumn() });
}
