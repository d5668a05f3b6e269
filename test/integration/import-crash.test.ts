import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import Database from 'better-sqlite3-multiple-ciphers';
import { IMPORT_BATCH } from '../../electron/core/datanets/import/pipeline';
import { openCore } from '../../electron/core/core';
import { REPO_ROOT, call, tempDir } from '../helpers/workspace';

test('kill -9 during a 100k-row import: the database is intact, holds whole batches only, and reopening undoes the import', async (t) => {
  const ws = tempDir(t);
  const setup = openCore({ workspaceDir: ws, host: 'test' });
  const { id } = await call(setup, 'datanets.create', { name: 'crash' });
  await call(setup, 'datanets.addRecord', { datanetId: id, content: { kind: 'text', text: 'From before the import.' } });
  await setup.close();
  const file = join(tempDir(t), 'big.jsonl');
  writeFileSync(file, Array.from({ length: 100_000 }, (_, i) => JSON.stringify({ instruction: `Question ${i}?`, output: `Answer ${i} (${(i * 2654435761) % 1000003}).` })).join('\n') + '\n');

  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'electron/core/bin/cli.ts'), 'datanet', 'import', id, file, '--workspace', ws], {
    stdio: 'ignore',
  });
  t.after(() => child.kill('SIGKILL'));
  const db = new Database(join(ws, 'studio.db'), { readonly: true, fileMustExist: true });
  const imported = () => (db.prepare('SELECT count(*) AS n FROM records WHERE import_id IS NOT NULL').get() as { n: number }).n;
  let seen = 0;
  for (let i = 0; i < 600 && seen < 2 * IMPORT_BATCH; i++) {
    await sleep(50);
    if (child.exitCode !== null) break;
    seen = imported();
  }
  assert.ok(seen > 0, 'some batches were committed before the kill');
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  db.close();

  const raw = new Database(join(ws, 'studio.db'));
  assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
  const left = (raw.prepare('SELECT count(*) AS n FROM records WHERE import_id IS NOT NULL').get() as { n: number }).n;
  assert.ok(left < 100_000, 'the import was killed before finishing');
  assert.equal(left % IMPORT_BATCH, 0, `only whole batches of ${IMPORT_BATCH} (found ${left} rows)`);
  const broken = raw.prepare(`SELECT count(*) AS n FROM records WHERE content_hash IS NULL OR salt IS NULL OR original_hash IS NULL OR content = ''`).get() as { n: number };
  assert.equal(broken.n, 0, 'no half-written row');
  assert.equal((raw.prepare('SELECT state FROM imports').get() as { state: string }).state, 'running');
  raw.close();

  const core = openCore({ workspaceDir: ws, host: 'test' });
  t.after(() => core.close());
  // The undo runs as a job started by the open (progress for the UI; the CLI waits for it before its command).
  const undo = (await call(core, 'jobs.list', {})).items.find((j) => j.kind === 'datanets.undoImport');
  assert.ok(undo, 'opening started a job undoing the interrupted import');
  assert.equal((await core.waitForJob(undo.id)).state, 'succeeded');
  const records = await call(core, 'datanets.listRecords', { datanetId: id });
  assert.equal(records.total, 1, 'reopening undid the interrupted import; the earlier record is kept');
  const imports = await call(core, 'datanets.listImports', { datanetId: id });
  assert.equal(imports.items[0]!.state, 'interrupted');
  assert.equal((await call(core, 'audit.listEntries', {})).items[0]!.action, 'record.add', 'an interrupted import leaves no import entry');
});
