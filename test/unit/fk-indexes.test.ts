import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDatabase, type Db } from '../../electron/core/db/open';
import { tempDir } from '../helpers/workspace';

interface ForeignKey { id: number; seq: number; table: string; from: string }

/** Each table's foreign keys as column lists (a composite key is one entry), in key order. */
function foreignKeys(db: Db, table: string): { parent: string; columns: string[] }[] {
  const rows = db.prepare('SELECT * FROM pragma_foreign_key_list(?)').all(table) as ForeignKey[];
  const byId = new Map<number, ForeignKey[]>();
  for (const r of rows) byId.set(r.id, [...(byId.get(r.id) ?? []), r]);
  return [...byId.values()].map((cols) => ({ parent: cols[0]!.table, columns: cols.sort((a, b) => a.seq - b.seq).map((c) => c.from) }));
}

/** The leading columns of every index on a table (primary keys and UNIQUE constraints included). */
function indexPrefixes(db: Db, table: string): string[][] {
  const indexes = db.prepare('SELECT name FROM pragma_index_list(?)').all(table) as { name: string }[];
  const prefixes = indexes.map(({ name }) =>
    (db.prepare('SELECT name FROM pragma_index_info(?) ORDER BY seqno').all(name) as { name: string | null }[]).map((c) => c.name ?? ''),
  );
  // A rowid table's INTEGER PRIMARY KEY is the rowid itself: no index row, yet a lookup by it is direct.
  const rowidKey = (db.prepare('SELECT name FROM pragma_table_info(?) WHERE pk = 1 AND lower(type) = ?').all(table, 'integer') as { name: string }[]);
  if (rowidKey.length === 1) prefixes.push([rowidKey[0]!.name]);
  return prefixes;
}

/** An index serves a foreign key when the key's columns, in any order, are its leading columns. */
const covers = (prefix: string[], columns: string[]) =>
  prefix.length >= columns.length && columns.every((c) => prefix.slice(0, columns.length).includes(c));

// Without such an index, deleting or re-keying a parent row (ON DELETE CASCADE / SET NULL, or the
// check that no child still points at it) scans the whole child table once per parent row: undoing
// a 26k-row import took minutes because of records.near_dup_of.
test('every foreign key in the migrated schema is served by an index whose leading columns are its columns', (t) => {
  const db = openDatabase(join(tempDir(t), 'studio.db'));
  t.after(() => db.close());
  const tables = (db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).all() as { name: string }[]).map((r) => r.name);
  const missing: string[] = [];
  let checked = 0;
  for (const table of tables) {
    const prefixes = indexPrefixes(db, table);
    for (const fk of foreignKeys(db, table)) {
      checked++;
      if (!prefixes.some((p) => covers(p, fk.columns))) missing.push(`${table}(${fk.columns.join(', ')}) → ${fk.parent}`);
    }
  }
  assert.ok(checked >= 10, `the walk found the schema's foreign keys (${checked})`);
  assert.deepEqual(missing, [], `foreign keys without an index:\n  ${missing.join('\n  ')}`);
});

test('the index check itself: a foreign key behind a composite index\'s second column is reported', (t) => {
  const db = openDatabase(join(tempDir(t), 'studio.db'), { migrations: [] });
  t.after(() => db.close());
  db.exec(`CREATE TABLE parent (id TEXT PRIMARY KEY) STRICT;
    CREATE TABLE child (a TEXT NOT NULL, p TEXT REFERENCES parent (id), PRIMARY KEY (a, p)) STRICT;`);
  assert.equal(indexPrefixes(db, 'child').some((p) => covers(p, ['p'])), false);
  db.exec('CREATE INDEX child_p ON child (p)');
  assert.equal(indexPrefixes(db, 'child').some((p) => covers(p, ['p'])), true);
});
