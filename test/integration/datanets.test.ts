import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keccak256, toUtf8Bytes } from 'ethers';
import type { EventName } from '../../electron/shared/contract';
import { call, tempDir, testCore } from '../helpers/workspace';
import { openCore } from '../../electron/core/core';
import { openDatabase } from '../../electron/core/db/open';
import { join } from 'node:path';

test('create, list, get, rename and delete a datanet', async (t) => {
  const core = testCore(t);
  const d = await call(core, 'datanets.create', { name: '  Cardiology notes ', description: 'Discharge summaries' });
  assert.match(d.id, /^dn_[0-9a-f]{16}$/);
  assert.equal(d.name, 'Cardiology notes', 'names are trimmed');
  assert.equal(d.recordCount, 0);
  assert.deepEqual((await call(core, 'datanets.list', {})).items, [d]);
  assert.deepEqual(await call(core, 'datanets.get', { id: d.id }), d);

  const renamed = await call(core, 'datanets.rename', { id: d.id, name: 'Cardiology' });
  assert.equal(renamed.name, 'Cardiology');

  const wrong = await core.call('datanets.delete', { id: d.id, confirmName: 'cardiology' });
  assert.equal(wrong.ok, false);
  assert.equal(!wrong.ok && wrong.error.code, 'BAD_INPUT');
  assert.match(!wrong.ok ? wrong.error.message : '', /repeat its exact name.*Nothing was deleted/);
  assert.equal((await call(core, 'datanets.list', {})).items.length, 1);

  await call(core, 'datanets.addRecord', { datanetId: d.id, content: { kind: 'text', text: 'a' } });
  assert.deepEqual(await call(core, 'datanets.delete', { id: d.id, confirmName: 'Cardiology' }), { id: d.id, deletedRecords: 1 });
  assert.deepEqual((await call(core, 'datanets.list', {})).items, []);
  const gone = await core.call('datanets.get', { id: d.id });
  assert.equal(!gone.ok && gone.error.code, 'NOT_FOUND');
  const orphans = await core.call('datanets.listRecords', { datanetId: d.id });
  assert.equal(!orphans.ok && orphans.error.code, 'NOT_FOUND');
});

test('datanet names are unique regardless of case', async (t) => {
  const core = testCore(t);
  await call(core, 'datanets.create', { name: 'Contracts' });
  const r = await core.call('datanets.create', { name: 'contracts' });
  assert.equal(!r.ok && r.error.code, 'CONFLICT');
  assert.match(!r.ok ? r.error.message : '', /name: a datanet named "contracts" already exists/);
});

test('records of each kind get the keccak256 hash of their canonical form', async (t) => {
  const core = testCore(t);
  const { id } = await call(core, 'datanets.create', { name: 'd' });
  const inst = await call(core, 'datanets.addRecord', {
    datanetId: id,
    content: { kind: 'instruction', instruction: 'Define tachycardia.\r\n', response: 'A resting heart rate above 100 bpm.' },
    contributor: '0xAbCdEf0123456789abcdef0123456789ABCDEF01',
    license: 'CC-BY-4.0',
  });
  assert.deepEqual(inst.content, { kind: 'instruction', instruction: 'Define tachycardia.', input: '', response: 'A resting heart rate above 100 bpm.' });
  const canonical = '{"input":"","instruction":"Define tachycardia.","kind":"instruction","response":"A resting heart rate above 100 bpm."}';
  assert.equal(inst.contentHash, keccak256(toUtf8Bytes(canonical)));
  assert.equal(inst.contributor, '0xabcdef0123456789abcdef0123456789abcdef01');
  assert.equal(inst.license, 'CC-BY-4.0');
  assert.equal(inst.status, 'pending');

  const chat = await call(core, 'datanets.addRecord', {
    datanetId: id,
    content: { kind: 'chat', messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello.' }] },
  });
  assert.equal(chat.kind, 'chat');
  assert.equal(chat.contributor, null, 'unsigned records belong to the workspace user');
  assert.equal(chat.license, 'unspecified');

  const dup = await core.call('datanets.addRecord', {
    datanetId: id,
    content: { kind: 'instruction', instruction: '  Define tachycardia.', response: 'A resting heart rate above 100 bpm.\n' },
  });
  assert.equal(!dup.ok && dup.error.code, 'CONFLICT', 'cosmetic differences do not make a new record');
  assert.match(!dup.ok ? dup.error.message : '', new RegExp(inst.id));
});

test('bad records are refused naming the field', async (t) => {
  const core = testCore(t);
  const { id } = await call(core, 'datanets.create', { name: 'd' });
  const cases: [unknown, RegExp][] = [
    [{ kind: 'instruction', instruction: '   ', response: 'x' }, /content\.instruction: must not be empty/],
    [{ kind: 'chat', messages: [{ role: 'user', content: 'only me' }] }, /content\.messages: a chat needs at least two messages/],
    [{ kind: 'chat', messages: [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }] }, /assistant message/],
    [{ kind: 'text', text: 'x'.repeat(100_001) }, /content\.text: is longer than the limit of 100,000 characters/],
    [{ kind: 'poem', text: 'x' }, /content\.kind/],
  ];
  for (const [content, pattern] of cases) {
    const r = await core.call('datanets.addRecord', { datanetId: id, content });
    assert.equal(!r.ok && r.error.code, 'BAD_INPUT', JSON.stringify(content).slice(0, 80));
    assert.match(!r.ok ? r.error.message : '', pattern);
  }
  const badAddress = await core.call('datanets.addRecord', { datanetId: id, content: { kind: 'text', text: 'x' }, contributor: '0x123' });
  assert.match(!badAddress.ok ? badAddress.error.message : '', /contributor: must be an Ethereum address/);
  assert.equal((await call(core, 'datanets.get', { id })).recordCount, 0);
});

test('records page in insertion order and filter by status', async (t) => {
  const core = testCore(t);
  const { id } = await call(core, 'datanets.create', { name: 'd' });
  for (let i = 0; i < 120; i++) await call(core, 'datanets.addRecord', { datanetId: id, content: { kind: 'text', text: `record ${i}` } });
  const last = await call(core, 'datanets.listRecords', { datanetId: id, offset: 100, limit: 50 });
  assert.equal(last.total, 120);
  assert.equal(last.items.length, 20);
  assert.deepEqual(
    last.items.map((r) => (r.content.kind === 'text' ? r.content.text : '')),
    Array.from({ length: 20 }, (_, i) => `record ${100 + i}`),
  );
  const first = await call(core, 'datanets.listRecords', { datanetId: id });
  assert.equal(first.items.length, 50, 'default page size');
  assert.equal((await call(core, 'datanets.listRecords', { datanetId: id, status: 'approved' })).total, 0);
  assert.equal((await call(core, 'datanets.listRecords', { datanetId: id, status: 'pending' })).total, 120);
  const tooBig = await core.call('datanets.listRecords', { datanetId: id, limit: 100_000 });
  assert.equal(!tooBig.ok && tooBig.error.code, 'BAD_INPUT');
});

test('datanets and records survive closing and reopening the workspace', async (t) => {
  const dir = tempDir(t);
  const first = openCore({ workspaceDir: dir, host: 'test' });
  const d = await call(first, 'datanets.create', { name: 'persisted' });
  const r = await call(first, 'datanets.addRecord', { datanetId: d.id, content: { kind: 'text', text: 'kept' } });
  await first.close();
  const second = testCore(t, dir);
  assert.equal((await call(second, 'datanets.get', { id: d.id })).recordCount, 1);
  assert.deepEqual((await call(second, 'datanets.listRecords', { datanetId: d.id })).items, [r]);
  assert.equal((await call(second, 'audit.listEntries', {})).total, 2);
});

test('changes are announced to every client as datanets.changed events', async (t) => {
  const core = testCore(t);
  const seen: [EventName, unknown][] = [];
  core.onEvent((name, payload) => seen.push([name, payload]));
  const d = await call(core, 'datanets.create', { name: 'e' });
  await call(core, 'datanets.addRecord', { datanetId: d.id, content: { kind: 'text', text: 'x' } });
  await call(core, 'datanets.rename', { id: d.id, name: 'f' });
  await call(core, 'datanets.delete', { id: d.id, confirmName: 'f' });
  assert.deepEqual(
    seen.map(([n, p]) => [n, (p as { change: string }).change]),
    [
      ['datanets.changed', 'created'],
      ['datanets.changed', 'records'],
      ['datanets.changed', 'renamed'],
      ['datanets.changed', 'deleted'],
    ],
  );
});

test('a delete the database refuses (a receipt still names an adapter trained on it) removes nothing', async (t) => {
  const dir = tempDir(t);
  const core = testCore(t, dir);
  const d = await call(core, 'datanets.create', { name: 'Receipts' });
  for (const text of ['a', 'b', 'c']) await call(core, 'datanets.addRecord', { datanetId: d.id, content: { kind: 'text', text } });
  await call(core, 'datanets.review', { datanetId: d.id, allPending: true, decision: 'approve' });
  const snapshot = await call(core, 'datanets.createSnapshot', { datanetId: d.id });
  // What training and an attributed answer leave (written directly: no model is needed for this):
  // receipts reference their adapter without ON DELETE, so the cascade from the datanet is refused.
  const db = openDatabase(join(dir, 'studio.db'));
  t.after(() => db.close());
  const now = new Date().toISOString();
  db.prepare(`INSERT INTO training_runs (id, snapshot_id, snapshot_root, model_path, settings, checkpoint, state, started_at) VALUES ('run_00000000000000a1', ?, ?, 'm.gguf', '{}', '', 'succeeded', ?)`)
    .run(snapshot.id, snapshot.root, now);
  db.prepare(`INSERT INTO adapters (id, run_id, file, sha256, base_model_path, base_model_sha256, snapshot_id, snapshot_root, config_hash, settings, metrics, created_at)
    VALUES ('ad_00000000000000a1', 'run_00000000000000a1', 'a.gguf', 'x', 'm.gguf', 'x', ?, ?, 'x', '{}', '{}', ?)`).run(snapshot.id, snapshot.root, now);
  db.prepare(`INSERT INTO receipts (digest, adapter_id, source, prompt, answer, salt, detail, receipt, usage_tokens, created_at)
    VALUES ('0xd1', 'ad_00000000000000a1', 'cli', 'p', 'a', 's', '{}', '{}', 1, ?)`).run(now);

  const refused = await core.call('datanets.delete', { id: d.id, confirmName: 'Receipts' });
  assert.equal(!refused.ok && refused.error.code, 'CONFLICT');
  assert.match(!refused.ok ? refused.error.message : '', /"Receipts" cannot be deleted: 1 attribution receipt names an adapter trained on its snapshots.*Nothing was deleted/);
  assert.equal((await call(core, 'datanets.get', { id: d.id })).recordCount, 3, 'its records are all still there');
  const frozen = (db.prepare('SELECT count(*) AS n FROM snapshot_records WHERE snapshot_id = ?').get(snapshot.id) as { n: number }).n;
  assert.equal(frozen, 3, "its snapshot's frozen copies are all still there");
});
