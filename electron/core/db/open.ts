import Database from 'better-sqlite3';
import { AppError } from '../../shared/errors';
import { migrate, type Migration } from './migrate';
import { loadMigrations } from './migrations';

export type Db = Database.Database;

/** Opens (creating if needed) a workspace database with the settings durability depends on. */
export function openDatabase(file: string, options: { migrations?: Migration[] } = {}): Db {
  let db: Db;
  try {
    db = new Database(file);
  } catch (e) {
    throw new AppError('STORAGE', `Cannot open the workspace database ${file}: ${(e as Error).message}`);
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db, options.migrations ?? loadMigrations(), file);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}
