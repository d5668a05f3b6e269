import Database from 'better-sqlite3-multiple-ciphers';
import { AppError } from '../../shared/errors';
import { readWith } from '../vault/sqlcipher';
import { migrate, type Migration } from './migrate';
import { loadMigrations } from './migrations';

export type Db = Database.Database;

export interface OpenOptions {
  migrations?: Migration[];
  /** The raw 32-byte key of an encrypted workspace; absent for a plaintext one. */
  key?: Buffer;
}

/**
 * How long a statement waits for another process's write to finish before failing with
 * SQLITE_BUSY. Writers keep their transactions short (imports and undo commit in bounded batches),
 * so waiting this long means something is wrong rather than busy.
 */
export const BUSY_TIMEOUT_MS = 10_000;

/** Opens (creating if needed) a workspace database with the settings durability depends on. */
export function openDatabase(file: string, options: OpenOptions = {}): Db {
  const db = openKeyed(file, options);
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    immediateTransactions(db);
    migrate(db, options.migrations ?? loadMigrations(), file);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

/**
 * Makes `db.transaction(fn)` begin IMMEDIATE (take the write lock at BEGIN, waiting on the busy
 * timeout) instead of DEFERRED. Another process shares the workspace (the CLI beside the app): a
 * deferred transaction that read before it writes fails at once with SQLITE_BUSY when another
 * connection committed in between, since its snapshot is stale and no wait can fix that. The
 * `.deferred` variant stays available for read-only transactions.
 */
function immediateTransactions(db: Db): void {
  const make = db.transaction.bind(db);
  db.transaction = ((fn: (...args: never[]) => unknown) => make(fn).immediate) as Db['transaction'];
}

/**
 * A connection to an existing or new database file, keyed when a key is given, and checked to be
 * readable with it: SQLite reports a wrong key only at the first read, as "not a database".
 */
export function openKeyed(file: string, options: { key?: Buffer; readonly?: boolean; fileMustExist?: boolean } = {}): Db {
  let db: Db;
  try {
    db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.fileMustExist ?? false });
  } catch (e) {
    throw new AppError('STORAGE', `Cannot open the workspace database ${file}: ${(e as Error).message}`);
  }
  try {
    readWith(db, options.key);
    return db;
  } catch (e) {
    db.close();
    if ((e as { code?: string }).code === 'SQLITE_NOTADB') {
      throw new AppError('STORAGE', options.key
        ? `${file} cannot be read with this workspace's key: it is damaged or was encrypted under another key.`
        : `${file} is encrypted or is not a database: unlock the workspace it belongs to.`);
    }
    throw new AppError('STORAGE', `Cannot read the workspace database ${file}: ${(e as Error).message}`);
  }
}
