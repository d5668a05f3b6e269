import type { Db } from '../db/open';

/**
 * Rows deleted per transaction. A batch of records costs its FTS rows, its index entries and the
 * near-duplicate links to it (indexed since migration 14): a few hundred milliseconds at most, so
 * another process on the workspace waits briefly for the write lock instead of failing.
 */
export const DELETE_BATCH = 2000;

/** Which records go: those an import added, or all of a datanet's (with its snapshots' frozen copies). */
export type RemovalScope = { importId: string } | { datanetId: string };

export interface RemovalProgress {
  removed: number;
  total: number;
}

interface Step {
  /** Selects the rowids of the next batch (parameter: the scope's id, then the batch size). */
  next: string;
  table: string;
}

const stepsOf = (scope: RemovalScope): Step[] =>
  'importId' in scope
    ? [{ table: 'records', next: 'SELECT rowid FROM records WHERE import_id = ? LIMIT ?' }]
    : [
        { table: 'records', next: 'SELECT rowid FROM records WHERE datanet_id = ? LIMIT ?' },
        { table: 'snapshot_records', next: 'SELECT rowid FROM snapshot_records WHERE snapshot_id IN (SELECT id FROM snapshots WHERE datanet_id = ?) LIMIT ?' },
      ];

/**
 * The one way bulk records leave the database (an import undone after a failure, a cancel or a
 * crash; a datanet deleted): batches of DELETE_BATCH, each committed on its own, so a long removal
 * never holds the write lock for long, and one cut short by a kill keeps what it removed; running
 * it again removes the rest. Yields the running count after each batch: the caller paces it
 * (a job awaits between batches so progress reaches the UI; a synchronous caller just loops).
 */
export function* removeRecordsInBatches(db: Db, scope: RemovalScope, batch = DELETE_BATCH): Generator<RemovalProgress, number> {
  const id = 'importId' in scope ? scope.importId : scope.datanetId;
  const steps = stepsOf(scope).map((s) => {
    const remove = db.prepare(`DELETE FROM ${s.table} WHERE rowid IN (${s.next})`);
    return {
      count: db.prepare(`SELECT count(*) AS n FROM (${s.next.replace(' LIMIT ?', '')})`),
      remove: db.transaction((limit: number) => remove.run(id, limit).changes),
    };
  });
  const total = steps.reduce((sum, s) => sum + (s.count.get(id) as { n: number }).n, 0);
  let removed = 0;
  for (const step of steps) {
    for (;;) {
      const n = step.remove(batch);
      if (n === 0) break;
      removed += n;
      yield { removed, total };
      if (n < batch) break;
    }
  }
  return removed;
}

/** Runs a removal to the end without pausing (callers that answer synchronously). */
export function removeAllRecords(db: Db, scope: RemovalScope): number {
  const it = removeRecordsInBatches(db, scope);
  for (;;) {
    const r = it.next();
    if (r.done) return r.value;
  }
}
