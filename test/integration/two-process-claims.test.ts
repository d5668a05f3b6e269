import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { openDatabase, type Db } from '../../electron/core/db/open';
import { tempDir } from '../helpers/workspace';

/**
 * Two real processes claim one piece of work (resume one training run, build one span index) at
 * the same moment. The moment is made certain: this process holds the database's write lock while
 * both call, so both have read the row before either can write; then it lets go. Exactly one may
 * win. (On the old code, which read and wrote in separate statements, both were accepted.)
 */

const NOW = '2026-01-01T00:00:00.000Z';
const RUN = 'run_00000000000000c1';
const ADAPTER = 'ad_00000000000000c1';

function workspaceWithWork(t: TestContext): string {
  const ws = tempDir(t);
  const db = openDatabase(join(ws, 'studio.db'));
  db.prepare(`INSERT INTO datanets (id, name, created_at, updated_at) VALUES ('dn_0000000000000001', 'shared', ?, ?)`).run(NOW, NOW);
  db.prepare(`INSERT INTO snapshots (id, datanet_id, version, root, record_count, created_at) VALUES ('snap_0000000000000001', 'dn_0000000000000001', 1, '0x', 0, ?)`).run(NOW);
  // What a killed run leaves once recovered: interrupted, with no live owner. Its "model" is a
  // FIFO nobody writes to, so the winner's work waits at reading it and stays running (a failure
  // would end it, and the other process could then rightly resume or build after it).
  execFileSync('mkfifo', [join(ws, 'model.gguf')]);
  db.prepare(`INSERT INTO snapshot_records (snapshot_id, position, record_id, kind, content, content_hash, salt, salted_hash, contributor, leaf)
    VALUES ('snap_0000000000000001', 0, 'rec_0000000000000001', 'text', '{"kind":"text","text":"one example"}', 'h', 's', 'sh', 'c', 'l')`).run();
  db.prepare(`INSERT INTO training_runs (id, snapshot_id, snapshot_root, model_path, settings, checkpoint, state, started_at, finished_at) VALUES (?, 'snap_0000000000000001', '0x', ?, '{}', ?, 'interrupted', ?, ?)`)
    .run(RUN, join(ws, 'model.gguf'), join(ws, 'checkpoints', `${RUN}.gguf`), NOW, NOW);
  db.prepare(`INSERT INTO adapters (id, run_id, file, sha256, base_model_path, base_model_sha256, snapshot_id, snapshot_root, config_hash, settings, metrics, created_at)
    VALUES (?, ?, ?, 'x', ?, 'x', 'snap_0000000000000001', '0x', 'x', '{}', '{}', ?)`).run(ADAPTER, RUN, join(ws, 'adapters', `${ADAPTER}.gguf`), join(ws, 'model.gguf'), NOW);
  db.close();
  return ws;
}

/** A process with the workspace open that makes `method` once told to on stdin; resolves with its envelope. */
function claimer(t: TestContext, ws: string, method: string, input: unknown) {
  const core = join(import.meta.dirname, '../../electron/core/core.ts');
  const script = `
    const { openCore } = await import(${JSON.stringify(core)});
    const core = openCore({ workspaceDir: ${JSON.stringify(ws)}, host: 'test' });
    process.stdout.write('ready\\n');
    await new Promise((resolve) => process.stdin.once('data', resolve));
    const r = await core.call(${JSON.stringify(method)}, ${JSON.stringify(input)});
    process.stdout.write(JSON.stringify(r.ok ? { ok: true } : { ok: false, code: r.error.code, message: r.error.message }) + '\\n');
    // Stays up with its work running (closing would cancel it) until the test kills it.
    setInterval(() => {}, 1000);`;
  const c = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.after(() => c.kill('SIGKILL'));
  let out = '';
  let onReady!: () => void;
  let onAnswer!: (r: { ok: boolean; code?: string; message?: string }) => void;
  const ready = new Promise<void>((r) => (onReady = r));
  const answer = new Promise<{ ok: boolean; code?: string; message?: string }>((r) => (onAnswer = r));
  c.stdout.on('data', (b: Buffer) => {
    out += b.toString();
    const lines = out.split('\n');
    if (lines.length > 1 && lines[0] === 'ready') onReady();
    if (lines.length > 2) onAnswer(JSON.parse(lines[1]!));
  });
  return { ready, answer, go: () => c.stdin.write('go\n') };
}

async function race(t: TestContext, method: string, input: unknown) {
  const ws = workspaceWithWork(t);
  const a = claimer(t, ws, method, input);
  const b = claimer(t, ws, method, input);
  await Promise.all([a.ready, b.ready]);
  const lock: Db = openDatabase(join(ws, 'studio.db'));
  t.after(() => lock.close());
  lock.exec('BEGIN IMMEDIATE');
  a.go();
  b.go();
  // Both calls start and wait on the lock (their busy timeout is 10 s).
  await new Promise((r) => setTimeout(r, 1500));
  lock.exec('COMMIT');
  const answers = await Promise.all([a.answer, b.answer]);
  return { answers, db: lock };
}

test('two processes resuming one run at once: one resumes, the other is told it is running', async (t) => {
  const { answers, db } = await race(t, 'training.resume', { runId: RUN });
  assert.equal(answers.filter((r) => r.ok).length, 1, `exactly one resume is accepted: ${JSON.stringify(answers)}`);
  assert.match(answers.find((r) => !r.ok)!.message!, new RegExp(`Run ${RUN} is running`));
  assert.equal((db.prepare('SELECT state FROM training_runs WHERE id = ?').get(RUN) as { state: string }).state, 'running', "the winner's run still runs");
});

test('two processes building one span index at once: one builds, the other is refused', async (t) => {
  const { answers, db } = await race(t, 'attribution.buildIndex', { adapterId: ADAPTER });
  assert.equal(answers.filter((r) => r.ok).length, 1, `exactly one build is accepted: ${JSON.stringify(answers)}`);
  assert.match(answers.find((r) => !r.ok)!.message!, /being built already by another process on this workspace/);
  assert.equal((db.prepare('SELECT state FROM attribution_indexes WHERE adapter_id = ?').get(ADAPTER) as { state: string }).state, 'building', "the winner's build still runs");
});
