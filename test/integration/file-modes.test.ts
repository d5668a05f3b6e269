// Workspace files are private to their owner whatever the umask: folders 0700, files 0600. The
// test runs under umask 022 (the common default, which leaves new files 0644 and folders 0755).
import assert from 'node:assert/strict';
import { chmodSync, lstatSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openCore } from '../../electron/core/core';
import { ensureModel, TINY } from '../fixtures/models/generate.js';
import { countEntries, exposed, underUmask022 } from '../helpers/file-modes';
import { call, jobResult, tempDir } from '../helpers/workspace';

const PHRASE = 'test test test test test test test test test test test junk';
const PASSWORD = 'correct horse battery staple';

test('under umask 022, a workspace and everything written into it is owner-only (0700 folders, 0600 files)', async (t) => {
  underUmask022(t);
  const outside = tempDir(t);
  const ws = join(outside, 'workspace');
  const core = openCore({ workspaceDir: ws, host: 'test', vault: { scryptN: 2 ** 10 } });
  t.after(() => core.close());

  const { id } = await call(core, 'datanets.create', { name: 'ward' });
  const source = join(outside, 'notes.jsonl');
  writeFileSync(source, `${JSON.stringify({ instruction: 'When are visits?', output: 'From 2pm to 8pm.' })}\n`);
  await jobResult(core, call(core, 'datanets.importFile', { datanetId: id, path: source }));
  await call(core, 'datanets.review', { datanetId: id, allPending: true, decision: 'approve' });
  const snapshot = await call(core, 'datanets.createSnapshot', { datanetId: id });
  mkdirSync(join(outside, 'export'));
  await call(core, 'datanets.exportSnapshot', { snapshotId: snapshot.id, path: join(outside, 'export', 'snapshot.jsonl') });
  await jobResult(core, call(core, 'models.import', { path: ensureModel({ ...TINY, arch: 'llama', baseType: 'F32' }), storage: 'copy' }));
  await call(core, 'wallet.import', { kind: 'mnemonic', mnemonic: PHRASE, password: PASSWORD });
  await call(core, 'vault.enable', { passphrase: 'a long workspace passphrase', idleLockMinutes: 0 });
  await jobResult(core, call(core, 'backup.create', { destination: join(outside, 'backup') }));
  await jobResult(core, call(core, 'audit.export', { path: join(outside, 'audit.json') }));

  assert.ok(countEntries(ws) >= 12, `the workspace holds ${countEntries(ws)} entries`);
  assert.deepEqual(exposed(ws), []);
  assert.deepEqual(exposed(join(outside, 'backup')), []);
  // Exports the user asked for hold workspace data too: owner-only as well.
  assert.deepEqual(exposed(join(outside, 'export', 'snapshot.jsonl')), []);
  assert.deepEqual(exposed(join(outside, 'audit.json')), []);
});

test('opening a workspace whose folders are 0755 and files 0644 makes them owner-only', async (t) => {
  underUmask022(t);
  const ws = join(tempDir(t), 'workspace');
  const first = openCore({ workspaceDir: ws, host: 'test' });
  await call(first, 'datanets.create', { name: 'ward' });
  await call(first, 'wallet.import', { kind: 'mnemonic', mnemonic: PHRASE, password: PASSWORD });
  await first.close();
  // As an older version (or a copy made with cp) left it.
  mkdirSync(join(ws, 'indexes', 'ad_0123456789abcdef.spans'), { recursive: true });
  writeFileSync(join(ws, 'indexes', 'ad_0123456789abcdef.spans', 'tokens.u32'), Buffer.alloc(16));
  writeFileSync(join(ws, 'studio.db-wal'), Buffer.alloc(0));
  const loosen = (p: string) => {
    const st = lstatSync(p);
    chmodSync(p, st.isDirectory() ? 0o755 : 0o644);
    if (st.isDirectory()) for (const name of readdirSync(p)) loosen(join(p, name));
  };
  loosen(ws);
  assert.ok(exposed(ws).length >= 8, `loosened: ${exposed(ws).join(', ')}`);

  const core = openCore({ workspaceDir: ws, host: 'test' });
  t.after(() => core.close());
  assert.deepEqual(exposed(ws), []);
  assert.equal((await call(core, 'datanets.list', {})).items.length, 1, 'the workspace still opens and reads');
});
