import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { currentOwner, type ProcessOwner } from '../../electron/core/common/process-owner';
import { loadMigrations } from '../../electron/core/db/migrations';
import { openDatabase, type Db } from '../../electron/core/db/open';
import { DELETE_BATCH, removeRecordsInBatches } from '../../electron/core/datanets/record-removal';
import { openCore } from '../../electron/core/core';
import type { Job } from '../../electron/shared/jobs';
import { call, tempDir } from '../helpers/workspace';

/** A real other process: its owner record, and a way to end it. */
async function otherProcess(t: TestContext): Promise<{ owner: ProcessOwner; kill(): Promise<void> }> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  await once(child, 'spawn');
  const startTicks = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]!;
  return {
    owner: { pid: child.pid!, startTicks, host: currentOwner().host },
    kill: async () => {
      child.kill('SIGKILL');
      await once(child, 'exit');
    },
  };
}

const NOW = '2026-01-01T00:00:00.000Z';
/** Ids in the contract's shape (prefix and 16 hex digits), derived from a short tag. */
const idOf = (prefix: string, tag: string, n = 0) => `${prefix}_${Buffer.from(tag).toString('hex').slice(0, 8).padEnd(8, '0')}${n.toString(16).padStart(8, '0')}`;

/** What a process leaves in the database for its running work: a job, an import with records, a training run, an index build. */
function leaveRunningWork(db: Db, tag: string, owner: ProcessOwner | null, records: number) {
  const o = owner ? JSON.stringify(owner) : null;
  db.prepare(`INSERT INTO jobs (id, kind, title, state, progress, started_at, owner) VALUES (?, 'datanets.importFile', ?, 'running', ?, ?, ?)`)
    .run(idOf('job', tag), `Import ${tag}`, JSON.stringify({ done: 1, total: 2, unit: 'bytes', message: '' }), NOW, o);
  db.prepare(`INSERT INTO imports (id, datanet_id, file_name, format, state, started_at, owner) VALUES (?, 'dn_0000000000000001', ?, 'jsonl', 'running', ?, ?)`)
    .run(idOf('imp', tag), `${tag}.jsonl`, NOW, o);
  const insert = db.prepare(`INSERT INTO records (id, datanet_id, seq, kind, content, content_hash, original_hash, salt, license, import_id, near_dup_of, created_at, updated_at)
    VALUES (?, 'dn_0000000000000001', ?, 'text', ?, ?, ?, '0x00', 'cc0', ?, ?, ?, ?)`);
  const seq0 = (db.prepare('SELECT coalesce(max(seq), 0) AS s FROM records').get() as { s: number }).s;
  db.transaction(() => {
    for (let i = 0; i < records; i++) {
      const text = JSON.stringify({ kind: 'text', text: `${tag} record ${i}` });
      insert.run(idOf('rec', tag, i), seq0 + i + 1, text, `0x${tag}${i}`, `0x${tag}${i}`, idOf('imp', tag), i > 0 ? idOf('rec', tag, i - 1) : null, NOW, NOW);
    }
  })();
  db.prepare(`INSERT INTO training_runs (id, snapshot_id, snapshot_root, model_path, settings, checkpoint, state, started_at, owner) VALUES (?, 'snap_0000000000000001', '0x', 'm.gguf', '{}', '', 'running', ?, ?)`)
    .run(idOf('run', tag), NOW, o);
  db.prepare(`INSERT INTO adapters (id, run_id, file, sha256, base_model_path, base_model_sha256, snapshot_id, snapshot_root, config_hash, settings, metrics, created_at)
    VALUES (?, 'run_0000000000000000', 'a.gguf', 'x', 'm.gguf', 'x', 'snap_0000000000000001', '0x', 'x', '{}', '{}', ?)`).run(idOf('ad', tag), NOW);
  db.prepare(`INSERT INTO attribution_indexes (adapter_id, state, dir, owner) VALUES (?, 'building', 'd', ?)`).run(idOf('ad', tag), o);
}

function workspaceDb(t: TestContext) {
  const ws = tempDir(t);
  const db = openDatabase(join(ws, 'studio.db'));
  db.prepare(`INSERT INTO datanets (id, name, created_at, updated_at) VALUES ('dn_0000000000000001', 'shared', ?, ?)`).run(NOW, NOW);
  db.prepare(`INSERT INTO snapshots (id, datanet_id, version, root, record_count, created_at) VALUES ('snap_0000000000000001', 'dn_0000000000000001', 1, '0x', 0, ?)`).run(NOW);
  db.prepare(`INSERT INTO training_runs (id, snapshot_id, snapshot_root, model_path, settings, checkpoint, state, started_at) VALUES ('run_0000000000000000', 'snap_0000000000000001', '0x', 'm.gguf', '{}', '', 'succeeded', ?)`).run(NOW);
  return { ws, db };
}

const stateOf = (db: Db, table: string, key: string, id: string) => (db.prepare(`SELECT state FROM ${table} WHERE ${key} = ?`).get(id) as { state: string }).state;

test('migration 13 → 14 indexes every foreign key, adds owner columns, and keeps the data', (t) => {
  const file = join(tempDir(t), 'studio.db');
  const v13 = openDatabase(file, { migrations: loadMigrations().slice(0, 13) });
  v13.prepare(`INSERT INTO datanets (id, name, created_at, updated_at) VALUES ('dn_0000000000000001', 'kept', ?, ?)`).run(NOW, NOW);
  v13.prepare(`INSERT INTO jobs (id, kind, title, state, progress, started_at) VALUES ('job_old', 'datanets.importFile', 'old', 'running', '{}', ?)`).run(NOW);
  assert.throws(() => v13.prepare('SELECT owner FROM jobs').all(), /no such column/);
  v13.close();
  const db = openDatabase(file, { migrations: loadMigrations().slice(0, 14) });
  t.after(() => db.close());
  assert.equal(db.pragma('user_version', { simple: true }), 14);
  assert.equal((db.prepare('SELECT name FROM datanets').get() as { name: string }).name, 'kept');
  assert.deepEqual(db.prepare('SELECT id, state, owner FROM jobs').all(), [{ id: 'job_old', state: 'running', owner: null }]);
  for (const table of ['imports', 'training_runs', 'attribution_indexes']) {
    assert.ok((db.prepare('SELECT name FROM pragma_table_info(?)').all(table) as { name: string }[]).some((c) => c.name === 'owner'), table);
  }
  const plan = db.prepare('EXPLAIN QUERY PLAN UPDATE records SET near_dup_of = NULL WHERE near_dup_of = ?').all('rec_x') as { detail: string }[];
  assert.match(plan.map((p) => p.detail).join(' '), /USING (COVERING )?INDEX records_near_dup_of/, 'the SET NULL of a deleted record looks its look-alikes up by index');
});

test('opening a workspace recovers only the work whose process is gone: jobs, imports, training runs and index builds', async (t) => {
  const { ws, db } = workspaceDb(t);
  const alive = await otherProcess(t);
  const dying = await otherProcess(t);
  leaveRunningWork(db, 'alive', alive.owner, 50);
  leaveRunningWork(db, 'dead', dying.owner, 3 * DELETE_BATCH + 7);
  leaveRunningWork(db, 'old', null, 5); // written before owners were recorded
  db.close();
  await dying.kill();

  const core = openCore({ workspaceDir: ws, host: 'test' });
  t.after(() => core.close());
  const undo = (await call(core, 'jobs.list', {})).items.filter((j) => j.kind === 'datanets.undoImport');
  assert.equal(undo.length, 2, 'one undo job per import whose process is gone');
  const undone = await Promise.all(undo.map((j) => core.waitForJob(j.id)));
  assert.deepEqual(undone.map((j: Job) => j.state), ['succeeded', 'succeeded']);
  assert.ok(undone.some((j) => j.progress.done === 3 * DELETE_BATCH + 7 && j.progress.total === j.progress.done), 'the undo reports records removed of the total');

  const check = openDatabase(join(ws, 'studio.db'));
  t.after(() => check.close());
  for (const [table, key, running, recovered] of [
    ['jobs', 'id', 'running', 'interrupted'],
    ['imports', 'id', 'running', 'interrupted'],
    ['training_runs', 'id', 'running', 'interrupted'],
    ['attribution_indexes', 'adapter_id', 'building', 'failed'],
  ] as const) {
    const prefix = { jobs: 'job', imports: 'imp', training_runs: 'run', attribution_indexes: 'ad' }[table];
    assert.equal(stateOf(check, table, key, idOf(prefix, 'alive')), running, `${table}: a live process's work is left running`);
    assert.equal(stateOf(check, table, key, idOf(prefix, 'dead')), recovered, `${table}: a dead process's work is recovered`);
    assert.equal(stateOf(check, table, key, idOf(prefix, 'old')), recovered, `${table}: work without an owner is recovered`);
  }
  const left = (importId: string) => (check.prepare('SELECT count(*) AS n FROM records WHERE import_id = ?').get(importId) as { n: number }).n;
  assert.equal(left(idOf('imp', 'alive')), 50, 'the live import keeps its records');
  assert.equal(left(idOf('imp', 'dead')) + left(idOf('imp', 'old')), 0);
  await assert.rejects(call(core, 'jobs.cancel', { jobId: idOf('job', 'alive') }), new RegExp(`runs in another process \\(pid ${alive.owner.pid}\\)`));
});

test('an undo cut short (the workspace closed, or the process killed between batches) is continued by the next open', async (t) => {
  const { ws, db } = workspaceDb(t);
  const dying = await otherProcess(t);
  const n = 4 * DELETE_BATCH;
  leaveRunningWork(db, 'dead', dying.owner, n);
  // What a kill after two committed batches leaves: the rest of the records, the import still running.
  const steps = removeRecordsInBatches(db, { importId: idOf('imp', 'dead') });
  assert.deepEqual([steps.next().value, steps.next().value], [{ removed: DELETE_BATCH, total: n }, { removed: 2 * DELETE_BATCH, total: n }]);
  db.close();
  await dying.kill();

  const core = openCore({ workspaceDir: ws, host: 'test' });
  t.after(() => core.close());
  const undo = (await call(core, 'jobs.list', {})).items.find((j) => j.kind === 'datanets.undoImport')!;
  const job = await core.waitForJob(undo.id);
  assert.equal(job.state, 'succeeded');
  assert.equal(job.progress.total, n - 2 * DELETE_BATCH, 'it removed what was left, not from zero');
  const listed = await call(core, 'datanets.listImports', { datanetId: 'dn_0000000000000001' });
  assert.deepEqual(listed.items.filter((i) => i.id === idOf('imp', 'dead')).map((i) => [i.state, i.rowsImported]), [['interrupted', 0]]);
});

test('deleting a datanet removes its records and snapshot copies in batches, near-duplicate links included', async (t) => {
  const { ws, db } = workspaceDb(t);
  db.prepare(`UPDATE training_runs SET state = 'succeeded'`).run();
  const n = 2 * DELETE_BATCH + 11;
  leaveRunningWork(db, 'done', null, n);
  db.prepare(`UPDATE imports SET state = 'succeeded'`).run();
  db.prepare(`UPDATE jobs SET state = 'succeeded'`).run();
  db.prepare(`UPDATE attribution_indexes SET state = 'ready'`).run();
  const frozen = db.prepare(`INSERT INTO snapshot_records (snapshot_id, position, record_id, kind, content, content_hash, salt, salted_hash, contributor, leaf)
    VALUES ('snap_0000000000000001', ?, ?, 'text', '{}', 'h', 's', 'sh', 'c', 'l')`);
  db.transaction(() => { for (let i = 0; i < DELETE_BATCH + 3; i++) frozen.run(i, idOf('rec', 'done', i)); })();
  db.close();
  const core = openCore({ workspaceDir: ws, host: 'test' });
  t.after(() => core.close());
  const before = await call(core, 'datanets.get', { id: 'dn_0000000000000001' });
  assert.equal(before.recordCount, n);
  const r = await call(core, 'datanets.delete', { id: 'dn_0000000000000001', confirmName: 'shared' });
  assert.equal(r.deletedRecords, n);
  assert.deepEqual((await call(core, 'datanets.list', {})).items, []);
  const check = openDatabase(join(ws, 'studio.db'));
  t.after(() => check.close());
  for (const table of ['records', 'records_fts', 'imports', 'snapshots', 'snapshot_records', 'training_runs']) {
    assert.equal((check.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n, 0, table);
  }
});
