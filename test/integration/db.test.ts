import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3-multiple-ciphers';
import { AuditLog } from '../../electron/core/audit/log';
import { migrate, schemaVersion } from '../../electron/core/db/migrate';
import { loadMigrations } from '../../electron/core/db/migrations';
import { openDatabase } from '../../electron/core/db/open';
import { openCore } from '../../electron/core/core';
import { AppError } from '../../electron/shared/errors';
import { tempDir } from '../helpers/workspace';

const MIGRATIONS = loadMigrations();
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

test('a new database uses WAL, synchronous=FULL, foreign keys, and is at the newest schema version', (t) => {
  const db = openDatabase(join(tempDir(t), 'studio.db'));
  t.after(() => db.close());
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('synchronous', { simple: true }), 2, 'synchronous must be FULL (2)');
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  assert.equal(schemaVersion(db), MIGRATIONS.length);
  assert.ok(MIGRATIONS.length >= 2);
});

test('every table is STRICT', (t) => {
  const db = openDatabase(join(tempDir(t), 'studio.db'));
  t.after(() => db.close());
  // FTS5's virtual table and the shadow tables SQLite makes for it are not ours to declare.
  const tables = db
    .prepare(`SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'records_fts%'`)
    .all() as {
    name: string;
    sql: string;
  }[];
  assert.ok(tables.length >= 4);
  for (const tbl of tables) assert.match(tbl.sql, /\)\s*STRICT\s*$/, `table ${tbl.name} is not STRICT`);
});

test('migration 2 → 3 keeps records, salts them, and indexes them for search', (t) => {
  const file = join(tempDir(t), 'studio.db');
  const v2 = openDatabase(file, { migrations: MIGRATIONS.slice(0, 2) });
  v2.prepare(`INSERT INTO datanets (id, name, created_at, updated_at) VALUES ('dn_0000000000000001', 'x', 'now', 'now')`).run();
  v2.prepare(
    `INSERT INTO records (id, datanet_id, seq, kind, content, content_hash, license, created_at, updated_at)
     VALUES ('rec_0000000000000001', 'dn_0000000000000001', 1, 'text', '{"kind":"text","text":"Aspirin is an antiplatelet."}', '0xabc', 'unspecified', 'now', 'now')`,
  ).run();
  v2.close();
  const v3 = openDatabase(file, { migrations: MIGRATIONS.slice(0, 3) });
  t.after(() => v3.close());
  const row = v3.prepare('SELECT content_hash, original_hash, salt, pii FROM records').get() as Record<string, string>;
  assert.equal(row.original_hash, '0xabc');
  assert.match(row.salt!, /^0x[0-9a-f]{64}$/);
  assert.equal(row.pii, '[]');
  const hit = v3.prepare(`SELECT rowid FROM records_fts WHERE records_fts MATCH 'antiplatelet'`).all();
  assert.equal(hit.length, 1);
});

test('migration 1 → 2 keeps what version 1 held and adds datanets', (t) => {
  const file = join(tempDir(t), 'studio.db');
  const v1 = openDatabase(file, { migrations: MIGRATIONS.slice(0, 1) });
  assert.equal(schemaVersion(v1), 1);
  const entry = new AuditLog(v1).append({ actor: 'local', action: 'test.before', subject: 'x', details: { n: 1 } });
  assert.throws(() => v1.prepare('SELECT * FROM datanets').all(), /no such table/);
  v1.close();

  const v2 = openDatabase(file, { migrations: MIGRATIONS.slice(0, 2) });
  t.after(() => v2.close());
  assert.equal(schemaVersion(v2), 2);
  const audit = new AuditLog(v2);
  assert.deepEqual(audit.list(0, 10), [entry]);
  assert.equal(audit.verify().ok, true);
  v2.prepare(`INSERT INTO datanets (id, name, created_at, updated_at) VALUES ('dn_0000000000000001', 'x', 'now', 'now')`).run();
  assert.equal((v2.prepare('SELECT count(*) AS n FROM datanets').get() as { n: number }).n, 1);
});

test('a failing migration leaves the database at the last whole version', (t) => {
  const file = join(tempDir(t), 'studio.db');
  const db = new Database(file);
  t.after(() => db.close());
  const broken = [
    MIGRATIONS[0]!,
    { version: 2, name: 'broken', sql: 'CREATE TABLE half_done (x INTEGER) STRICT; THIS IS NOT SQL;' },
  ];
  assert.throws(() => migrate(db, broken));
  assert.equal(schemaVersion(db), 1);
  const half = db.prepare(`SELECT name FROM sqlite_schema WHERE name = 'half_done'`).get();
  assert.equal(half, undefined, 'the failed migration must not leave part of its work behind');
});

test('a database written by a newer version is refused with a clear message and left untouched', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'studio.db');
  const db = openDatabase(file);
  db.pragma('user_version = 99');
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const before = sha256(file);

  assert.throws(
    () => openDatabase(file),
    (e: unknown) => {
      assert.ok(e instanceof AppError);
      assert.equal(e.code, 'DB_TOO_NEW');
      assert.match(e.message, /newer Datanet Studio/);
      assert.match(e.message, /schema version 99/);
      assert.match(e.message, new RegExp(`up to ${MIGRATIONS.length}`));
      return true;
    },
  );
  assert.throws(() => openCore({ workspaceDir: dir, host: 'test' }), /newer Datanet Studio/);
  assert.equal(sha256(file), before, 'the refused file must not change');
});

test('migration files are numbered without gaps', () => {
  MIGRATIONS.forEach((m, i) => assert.equal(m.version, i + 1));
});
