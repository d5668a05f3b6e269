import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { AuditLog, GENESIS_HASH, entryHash } from '../../electron/core/audit/log';
import { openDatabase, type Db } from '../../electron/core/db/open';
import { call, tempDir, testCore } from '../helpers/workspace';

function logWithEntries(t: TestContext, n: number): { db: Db; audit: AuditLog } {
  const db = openDatabase(join(tempDir(t), 'studio.db'));
  t.after(() => db.close());
  const audit = new AuditLog(db);
  for (let i = 1; i <= n; i++) audit.append({ actor: 'local', action: 'test.step', subject: `s${i}`, details: { i } });
  return { db, audit };
}

/** What an attacker with the file could do: the triggers are only a guard against mistakes. */
function dropGuards(db: Db) {
  db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
}

test('each entry commits to the one before it, and an intact chain verifies', (t) => {
  const { audit } = logWithEntries(t, 5);
  const entries = audit.list(0, 10).reverse();
  assert.equal(entries[0]!.prevHash, GENESIS_HASH);
  for (let i = 1; i < entries.length; i++) assert.equal(entries[i]!.prevHash, entries[i - 1]!.hash);
  for (const e of entries) assert.equal(entryHash(e), e.hash);
  assert.deepEqual(audit.verify(), { ok: true, checked: 5, firstBad: null, headHash: entries[4]!.hash });
});

test('the log refuses updates and deletes', (t) => {
  const { db } = logWithEntries(t, 2);
  assert.throws(() => db.prepare(`UPDATE audit_log SET actor = 'mallory' WHERE seq = 1`).run(), /append-only/);
  assert.throws(() => db.prepare('DELETE FROM audit_log WHERE seq = 1').run(), /append-only/);
});

test('an edited entry is detected', (t) => {
  const { db, audit } = logWithEntries(t, 5);
  dropGuards(db);
  db.prepare(`UPDATE audit_log SET details = '{"i":99}' WHERE seq = 3`).run();
  const r = audit.verify();
  assert.equal(r.ok, false);
  assert.equal(r.firstBad?.seq, 3);
  assert.match(r.firstBad!.reason, /altered/);
  assert.equal(r.checked, 2);
});

test('an edited entry with a recomputed hash breaks the next link', (t) => {
  const { db, audit } = logWithEntries(t, 5);
  dropGuards(db);
  const e3 = audit.list(0, 10).find((e) => e.seq === 3)!;
  const forged = { ...e3, details: { i: 42 } };
  db.prepare('UPDATE audit_log SET details = ?, hash = ? WHERE seq = 3').run('{"i":42}', entryHash(forged));
  const r = audit.verify();
  assert.equal(r.firstBad?.seq, 4);
  assert.match(r.firstBad!.reason, /does not link/);
});

test('a deleted entry is detected', (t) => {
  const { db, audit } = logWithEntries(t, 5);
  dropGuards(db);
  db.prepare('DELETE FROM audit_log WHERE seq = 2').run();
  const r = audit.verify();
  assert.equal(r.ok, false);
  assert.equal(r.firstBad?.seq, 3);
  assert.match(r.firstBad!.reason, /entry 2 is missing/);
});

test('a change and its audit entry commit together: a refused change leaves no entry', async (t) => {
  const core = testCore(t);
  await call(core, 'datanets.create', { name: 'Notes' });
  const before = await call(core, 'audit.listEntries', {});
  const r = await core.call('datanets.create', { name: 'notes' });
  assert.equal(r.ok, false);
  const after = await call(core, 'audit.listEntries', {});
  assert.equal(after.total, before.total);
  assert.equal(after.items[0]!.action, 'datanet.create');
});
