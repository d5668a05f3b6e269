import type Database from 'better-sqlite3-multiple-ciphers';
import { AppError } from '../../shared/errors';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Applies the migrations newer than the file's `user_version`, each in its own transaction
 * together with the version bump, so a crash leaves the file at a whole version.
 */
export function migrate(db: Database.Database, migrations: Migration[], file = 'the database'): number {
  const known = migrations.length === 0 ? 0 : migrations[migrations.length - 1]!.version;
  const current = schemaVersion(db);
  if (current > known) {
    throw new AppError(
      'DB_TOO_NEW',
      `${file} was written by a newer Datanet Studio (schema version ${current}; this version understands up to ${known}). ` +
        'Update the app, or open a different workspace. The file was not changed.',
    );
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      // Another process opening the same file may have applied it while this one waited for the lock.
      if (schemaVersion(db) >= m.version) return;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return schemaVersion(db);
}
