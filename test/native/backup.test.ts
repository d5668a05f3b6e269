import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { openCore, type Core } from '../../electron/core/core';
import { runCli } from '../../electron/core/cli/run';
import type { BackupReport } from '../../electron/shared/backup';
import type { ModelInfo } from '../../electron/shared/models';
import type { Adapter } from '../../electron/shared/training';
import { ensureModel, TINY } from '../fixtures/models/generate.js';
import { factsSnapshot } from '../fixtures/datanets/facts';
import { call, jobResult, tempDir } from '../helpers/workspace';
import { nativeTrainer } from './helpers/native.js';

const SETTINGS = { rank: 4, alpha: 8, learningRate: 5e-3, epochs: 1, seqLen: 96, seed: 7, evalFraction: 0, influenceCheckpoints: 1 };
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

function open(t: TestContext, dir: string): Core {
  const core = openCore({ workspaceDir: dir, host: 'test' });
  t.after(() => core.close());
  return core;
}

/** Everything the backup must bring back unchanged: records, snapshot roots, adapters and their files. */
async function state(core: Core) {
  const datanets = (await call(core, 'datanets.list', {})).items;
  const records = [];
  const snapshots = [];
  for (const d of datanets) {
    records.push(...(await call(core, 'datanets.listRecords', { datanetId: d.id, offset: 0, limit: 500 })).items.map((r) => [r.id, r.contentHash, r.originalHash, r.contributor, r.status]));
    snapshots.push(...(await call(core, 'datanets.listSnapshots', { datanetId: d.id })).items.map((s) => [s.id, s.root, s.recordCount]));
  }
  const adapters = (await call(core, 'training.listAdapters', {})).items.map((a) => [a.id, a.sha256, sha256(a.file), a.snapshotRoot, a.baseModelSha256]);
  return { records, snapshots, adapters };
}

const cli = async (args: string[]) => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli([...args, '--json'], { out: (s) => out.push(s), err: (s) => err.push(s), isTty: false });
  return { code, json: out.length ? (JSON.parse(out.join('\n')) as unknown) : null, err: err.join('\n') };
};

test('backup while the workspace is open, wipe it, restore: every record, snapshot root and adapter hash is identical, and the audit chain holds', async (t) => {
  nativeTrainer();
  const home = tempDir(t);
  // A space and a character outside the BMP: stored paths under it must still be rewritten on restore.
  const workspace = join(home, 'work space 📁');
  const core = open(t, workspace);
  const { snapshot } = await factsSnapshot(core);
  const model = await jobResult<ModelInfo>(core, call(core, 'models.import', { path: ensureModel({ ...TINY, arch: 'llama', baseType: 'F32' }), storage: 'copy' }));
  const { adapter } = await jobResult<{ adapter: Adapter }>(core, call(core, 'training.start', { modelId: model.id, snapshotId: snapshot.id, settings: SETTINGS }));
  const before = await state(core);
  assert.ok(before.records.length > 10 && before.snapshots.length === 1 && before.adapters.length === 1);

  // A folder that is not empty is refused before anything is written.
  const used = join(home, 'used');
  mkdirSync(used);
  writeFileSync(join(used, 'note.txt'), 'mine');
  const refused = await call(core, 'backup.create', { destination: used }).then((r) => jobResult(core, r)).then(() => null, (e: Error) => e);
  assert.match(String(refused?.message), /not empty/);
  assert.deepEqual(readdirSync(used), ['note.txt']);

  const backup = join(home, 'backup');
  const made = await jobResult<BackupReport>(core, call(core, 'backup.create', { destination: backup }));
  assert.equal(made.ok, true, made.problems.join('; '));
  assert.deepEqual(made.manifest!.counts, { datanets: 1, records: before.records.length, snapshots: 1, adapters: 1 });
  const adapterEntry = made.manifest!.files.find((f) => f.path === `adapters/${adapter.id}.gguf`);
  assert.equal(adapterEntry?.sha256, adapter.sha256, 'the adapter file is in the backup with its registered hash');
  assert.ok(!readdirSync(home).some((n) => n.includes('.partial-')), 'no partial folder left behind');
  // The CLI verifies the same folder.
  const verified = await cli(['backup', 'verify', backup, '--workspace', workspace]);
  assert.equal(verified.code, 0, verified.err);

  assert.equal((await call(core, 'audit.listEntries', { offset: 0, limit: 1 })).items[0]!.action, 'workspace.backedUp');
  await core.close();
  rmSync(workspace, { recursive: true });

  const restored = await cli(['backup', 'restore', backup, '--workspace', workspace]);
  assert.equal(restored.code, 0, restored.err);
  const again = open(t, workspace);
  assert.deepEqual(await state(again), before);
  const audit = await jobResult<{ ok: boolean; checked: number }>(again, call(again, 'audit.verifyChain', {}));
  assert.equal(audit.ok, true);
  assert.equal(audit.checked, made.manifest!.audit.entries + 1, 'the restore is one more entry (the backup\'s own entry came after its copy)');
  const newest = (await call(again, 'audit.listEntries', { offset: 0, limit: 1 })).items[0]!;
  assert.equal(newest.action, 'workspace.restored');

  // Restoring into another folder rewrites the stored paths to it; the files are there.
  const elsewhere = join(home, 'elsewhere');
  assert.equal((await cli(['backup', 'restore', backup, '--workspace', elsewhere])).code, 0);
  const moved = open(t, elsewhere);
  const movedAdapter = (await call(moved, 'training.listAdapters', {})).items[0]!;
  assert.ok(movedAdapter.file.startsWith(`${elsewhere}/`) && existsSync(movedAdapter.file), movedAdapter.file);
  assert.equal(sha256(movedAdapter.file), adapter.sha256);
  assert.deepEqual(await state(moved), before);
});

test('a damaged backup is reported file by file and is never restored', async (t) => {
  const home = tempDir(t);
  const core = open(t, join(home, 'workspace'));
  await factsSnapshot(core);
  const backup = join(home, 'backup');
  const made = await jobResult<BackupReport>(core, call(core, 'backup.create', { destination: backup }));
  assert.equal(made.ok, true, made.problems.join('; '));
  await core.close();

  // One byte of the database copy changed (a bad sector, a careless edit).
  const path = join(backup, 'studio.db');
  const bytes = readFileSync(path);
  bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 1;
  writeFileSync(path, bytes);
  const checked = await cli(['backup', 'verify', backup, '--workspace', join(home, 'workspace')]);
  assert.equal(checked.code, 1);
  const report = (checked.json as { result: BackupReport }).result;
  assert.deepEqual(report.problems, ["studio.db: its sha256 differs from the manifest's"]);

  const target = join(home, 'restored');
  const refused = await cli(['backup', 'restore', backup, '--workspace', target]);
  assert.equal(refused.code, 1);
  assert.match(refused.err + JSON.stringify(refused.json), /does not verify, so nothing was restored/);
  assert.equal(existsSync(target), false);
  assert.ok(!readdirSync(home).some((n) => n.includes('.restoring-')));
});
