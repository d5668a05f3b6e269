import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test, type TestContext } from 'node:test';
import Database from 'better-sqlite3-multiple-ciphers';
import { IMPORT_BATCH } from '../../electron/core/datanets/import/pipeline';
import { openCore } from '../../electron/core/core';
import type { Job } from '../../electron/shared/jobs';
import { REPO_ROOT, call, tempDir } from '../helpers/workspace';

const CLI = join(REPO_ROOT, 'electron/core/bin/cli.ts');
/** Enough rows that the import outlasts a few CLI starts on a loaded 2-core machine. */
const ROWS = 20_000;

/** The real CLI in a process of its own, as a script beside the running app would start it. */
function startCli(t: TestContext, args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) => child.once('exit', (code) => resolve({ code, out, err })));
  return { child, done };
}

async function workspaceWithImportFile(t: TestContext, rows: number) {
  const ws = tempDir(t);
  const setup = openCore({ workspaceDir: ws, host: 'test' });
  const { id } = await call(setup, 'datanets.create', { name: 'shared' });
  await call(setup, 'datanets.addRecord', { datanetId: id, content: { kind: 'text', text: 'From before the import.' } });
  await setup.close();
  const file = join(tempDir(t), 'big.jsonl');
  writeFileSync(file, Array.from({ length: rows }, (_, i) => JSON.stringify({ instruction: `Question ${i}?`, output: `Answer ${i} (${(i * 2654435761) % 1000003}).` })).join('\n') + '\n');
  return { ws, id, file };
}

/** Rows the running import has committed so far, read the way any other process would. */
async function untilCommitted(ws: string, atLeast: number, running: { exitCode: number | null }) {
  const db = new Database(join(ws, 'studio.db'), { readonly: true, fileMustExist: true });
  try {
    for (let i = 0; i < 1200; i++) {
      if (running.exitCode !== null) break;
      const n = (db.prepare('SELECT count(*) AS n FROM records WHERE import_id IS NOT NULL').get() as { n: number }).n;
      if (n >= atLeast) return n;
      await sleep(50);
    }
  } finally {
    db.close();
  }
  throw new Error(`the import in process A did not reach ${atLeast} committed rows while it ran`);
}

test('while process A imports, process B lists jobs and datanets without SQLITE_BUSY, and A\'s job stays running and succeeds', async (t) => {
  const { ws, id, file } = await workspaceWithImportFile(t, ROWS);
  const a = startCli(t, ['datanet', 'import', id, file, '--json', '--workspace', ws]);
  await untilCommitted(ws, 2 * IMPORT_BATCH, a.child);

  // More processes at once, each opening the workspace (and so running start-up recovery) while A writes;
  // one adds a record to the very datanet A is importing into.
  const commands = [['jobs', 'list'], ['datanet', 'list'], ['datanet', 'imports', id], ['datanet', 'add-record', id, '--text', 'Added by process B meanwhile.']];
  const results = await Promise.all(commands.map((args) => startCli(t, [...args, '--json', '--workspace', ws]).done));
  assert.equal(a.child.exitCode, null, 'A was still importing when the other processes finished (make the file larger if not)');
  for (const [i, b] of results.entries()) {
    const args = commands[i]!.join(' ');
    assert.doesNotMatch(b.err + b.out, /SQLITE_BUSY|database is locked/, `${args} in process B`);
    assert.equal(b.code, 0, `${args} in process B: ${b.err}${b.out}`);
  }
  const importJob = (JSON.parse(results[0]!.out) as { items: Job[] }).items.find((j) => j.kind === 'datanets.importFile');
  assert.equal(importJob?.state, 'running', 'B must not mark the job of a live process interrupted');
  const imports = (JSON.parse(results[2]!.out) as { items: { state: string; rowsImported: number }[] }).items;
  assert.equal(imports[0]?.state, 'running', 'B must not undo the import of a live process');

  const finished = await a.done;
  assert.equal(finished.code, 0, `process A: ${finished.err}${finished.out}`);
  const job = JSON.parse(finished.out) as Job;
  assert.equal(job.state, 'succeeded', `A's import: ${job.error?.message}`);
  const after = openCore({ workspaceDir: ws, host: 'test' });
  t.after(() => after.close());
  assert.equal((await call(after, 'jobs.get', { jobId: job.id })).state, 'succeeded');
  assert.equal((await call(after, 'datanets.listRecords', { datanetId: id })).total, ROWS + 2, 'A\'s rows, the earlier record and B\'s');
});

test('after SIGKILL of process A mid-import, the next process to open the workspace undoes the import and marks its job interrupted', async (t) => {
  const { ws, id, file } = await workspaceWithImportFile(t, ROWS);
  const a = startCli(t, ['datanet', 'import', id, file, '--json', '--workspace', ws]);
  const committed = await untilCommitted(ws, 4 * IMPORT_BATCH, a.child);
  // Opening the workspace while A is alive leaves its work alone…
  const alongside = await startCli(t, ['jobs', 'list', '--json', '--workspace', ws]).done;
  assert.equal(alongside.code, 0, alongside.err);
  assert.equal((JSON.parse(alongside.out) as { items: Job[] }).items[0]!.state, 'running');
  a.child.kill('SIGKILL');
  await a.done;

  // …and once A is gone, the next open recovers it.
  const b = await startCli(t, ['jobs', 'list', '--json', '--workspace', ws]).done;
  assert.equal(b.code, 0, b.err);
  const listed = (JSON.parse(b.out) as { items: Job[] }).items;
  assert.equal(listed.find((j) => j.kind === 'datanets.importFile')?.state, 'interrupted');
  const undo = listed.find((j) => j.kind === 'datanets.undoImport');
  assert.equal(undo?.state, 'succeeded', 'B undid the import as a job, before its own command ran');
  assert.ok(undo.progress.done >= committed && undo.progress.done === undo.progress.total, `the undo job counted the records it removed (${undo.progress.done})`);
  const core = openCore({ workspaceDir: ws, host: 'test' });
  t.after(() => core.close());
  assert.equal((await call(core, 'datanets.listRecords', { datanetId: id })).total, 1, `the ${committed}+ rows A committed were undone`);
  assert.equal((await call(core, 'datanets.listImports', { datanetId: id })).items[0]!.state, 'interrupted');
});
