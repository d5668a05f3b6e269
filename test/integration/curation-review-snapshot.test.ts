import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { openDatabase } from '../../electron/core/db/open';
import type { InclusionProof } from '../../electron/shared/curation';
import { call, tempDir, testCore } from '../helpers/workspace';

async function datanetWith(t: TestContext, texts: string[], contributors: (string | undefined)[] = []) {
  const dir = tempDir(t);
  const core = testCore(t, dir);
  const { id } = await call(core, 'datanets.create', { name: 'law' });
  const ids: string[] = [];
  for (const [i, text] of texts.entries()) {
    ids.push((await call(core, 'datanets.addRecord', { datanetId: id, content: { kind: 'text', text }, contributor: contributors[i] })).id);
  }
  return { core, id, ids, dir };
}

test('review: approve, reject with a reason, reset; records outside the datanet are refused', async (t) => {
  const { core, id, ids } = await datanetWith(t, ['Clause one.', 'Clause two.', 'Clause three.']);
  const noReason = await core.call('datanets.review', { datanetId: id, recordIds: [ids[0]!], decision: 'reject' });
  assert.match(!noReason.ok ? noReason.error.message : '', /reason: give a reason to reject/);
  assert.deepEqual(await call(core, 'datanets.review', { datanetId: id, recordIds: [ids[0]!], decision: 'reject', reason: 'off topic' }), { updated: 1, refused: [] });
  const r = await call(core, 'datanets.review', { datanetId: id, recordIds: [ids[1]!, 'rec_0000000000000000'], decision: 'approve' });
  assert.deepEqual(r, { updated: 1, refused: [{ recordId: 'rec_0000000000000000', reason: 'not a record of this datanet' }] });
  const rejected = await call(core, 'datanets.getRecord', { id: ids[0]! });
  assert.deepEqual([rejected.status, rejected.rejectReason], ['rejected', 'off topic']);
  assert.equal((await call(core, 'datanets.review', { datanetId: id, allPending: true, decision: 'approve' })).updated, 1);
  assert.equal((await call(core, 'datanets.listRecords', { datanetId: id, status: 'approved' })).total, 2);
  await call(core, 'datanets.review', { datanetId: id, recordIds: [ids[0]!], decision: 'reset' });
  assert.equal((await call(core, 'datanets.getRecord', { id: ids[0]! })).status, 'pending');
  const both = await core.call('datanets.review', { datanetId: id, recordIds: [ids[0]!], allPending: true, decision: 'approve' });
  assert.match(!both.ok ? both.error.message : '', /either recordIds or allPending/);
  const actions = (await call(core, 'audit.listEntries', {})).items.map((e) => e.action);
  assert.deepEqual(actions.slice(0, 4), ['review.reset', 'review.approve', 'review.approve', 'review.reject']);
});

test('PII blocks approval until redacted or overridden with a reason; redaction keeps the signed hash', async (t) => {
  const { core, id, ids } = await datanetWith(t, ['Call the client at jane.doe@example.com about the lease.', 'No personal data here.']);
  const flagged = await call(core, 'datanets.getRecord', { id: ids[0]! });
  assert.deepEqual(flagged.flags, ['pii']);
  assert.deepEqual(flagged.pii.map((p) => [p.kind, p.field, p.start, p.end]), [['email', 'text', 19, 39]]);

  const refused = await call(core, 'datanets.review', { datanetId: id, allPending: true, decision: 'approve' });
  assert.equal(refused.updated, 1);
  assert.match(refused.refused[0]!.reason, /holds unredacted PII \(email\)/);

  const red = await call(core, 'datanets.redact', { datanetId: id, mode: 'mask' });
  assert.deepEqual(red, { redacted: 1, spans: 1 });
  const after = await call(core, 'datanets.getRecord', { id: ids[0]! });
  assert.deepEqual(after.content, { kind: 'text', text: 'Call the client at [EMAIL] about the lease.' });
  assert.deepEqual(after.pii, []);
  assert.deepEqual(after.flags, ['redacted']);
  assert.equal(after.originalHash, flagged.contentHash, 'the hash a contributor signed is kept');
  assert.notEqual(after.contentHash, flagged.contentHash);
  assert.equal((await call(core, 'datanets.listRecords', { datanetId: id, query: 'jane' })).total, 0, 'the search index follows redaction');
  assert.equal((await call(core, 'datanets.review', { datanetId: id, recordIds: [ids[0]!], decision: 'approve' })).updated, 1);

  const other = await call(core, 'datanets.addRecord', { datanetId: id, content: { kind: 'text', text: 'Our public office line is +1 (212) 555-0147.' } });
  assert.ok(other.flags.includes('pii'));
  const overridden = await call(core, 'datanets.review', { datanetId: id, recordIds: [other.id], decision: 'approve', piiOverride: 'public business number' });
  assert.equal(overridden.updated, 1);
  assert.equal((await call(core, 'datanets.getRecord', { id: other.id })).piiOverride, 'public business number');
});

test('pseudonyms are consistent across records', async (t) => {
  const { core, id, ids } = await datanetWith(t, ['Email jane.doe@example.com today.', 'Jane wrote from jane.doe@example.com again.']);
  await call(core, 'datanets.redact', { datanetId: id, mode: 'pseudonym' });
  const [a, b] = await Promise.all(ids.map((rid) => call(core, 'datanets.getRecord', { id: rid })));
  const pick = (r: NonNullable<typeof a>) => (r.content.kind === 'text' ? r.content.text : '').match(/\S+@\S+\.\w+/)?.[0];
  assert.ok(pick(a!));
  assert.notEqual(pick(a!), 'jane.doe@example.com');
  assert.equal(pick(a!), pick(b!));
});

test('a snapshot freezes approved records under a root equal to OpenZeppelin StandardMerkleTree', async (t) => {
  const contributors = ['0x1111111111111111111111111111111111111111', undefined, '0x2222222222222222222222222222222222222222', undefined, '0x3333333333333333333333333333333333333333'];
  const { core, id, ids, dir } = await datanetWith(t, ['A.', 'B.', 'C.', 'D.', 'E.'], contributors);
  const none = await core.call('datanets.createSnapshot', { datanetId: id });
  assert.match(!none.ok ? none.error.message : '', /no approved records/);
  await call(core, 'datanets.review', { datanetId: id, recordIds: ids.slice(0, 4), decision: 'approve' });
  const snap = await call(core, 'datanets.createSnapshot', { datanetId: id, note: 'first cut' });
  assert.equal(snap.version, 1);
  assert.equal(snap.recordCount, 4);

  const proofs: InclusionProof[] = [];
  for (const rid of ids.slice(0, 4)) proofs.push(await call(core, 'datanets.getProof', { snapshotId: snap.id, recordId: rid }));
  const values = proofs.map((p) => [p.saltedHash, p.contributor]);
  const oz = StandardMerkleTree.of(values, ['bytes32', 'address']);
  assert.equal(snap.root, oz.root);
  for (const p of proofs) {
    assert.ok(StandardMerkleTree.verify(oz.root, ['bytes32', 'address'], [p.saltedHash, p.contributor], p.proof));
    assert.deepEqual(await call(core, 'datanets.verifyProof', { proof: p }), { ok: true, reason: null });
  }
  assert.equal(proofs[1]!.contributor, '0x0000000000000000000000000000000000000000', 'unsigned records: the workspace owner');

  // Tampering with any part of a proof breaks it.
  const p0 = proofs[0]!;
  const flip = (h: string) => `${h.slice(0, -1)}${h.endsWith('0') ? '1' : '0'}`;
  for (const bad of [
    { ...p0, contentHash: flip(p0.contentHash) },
    { ...p0, salt: flip(p0.salt) },
    { ...p0, contributor: '0x9999999999999999999999999999999999999999' },
    { ...p0, proof: [flip(p0.proof[0]!), ...p0.proof.slice(1)] },
    { ...p0, root: flip(p0.root) },
  ]) {
    assert.equal((await call(core, 'datanets.verifyProof', { proof: bad })).ok, false);
  }
  const absent = await core.call('datanets.getProof', { snapshotId: snap.id, recordId: ids[4]! });
  assert.match(!absent.ok ? absent.error.message : '', /is not in snapshot/);

  // The snapshot does not move when the datanet does, and cannot be edited.
  await call(core, 'datanets.review', { datanetId: id, recordIds: [ids[4]!], decision: 'approve' });
  await call(core, 'datanets.review', { datanetId: id, recordIds: [ids[0]!], decision: 'reject', reason: 'withdrawn' });
  const snap2 = await call(core, 'datanets.createSnapshot', { datanetId: id });
  assert.equal(snap2.version, 2);
  assert.notEqual(snap2.root, snap.root);
  const listed = await call(core, 'datanets.listSnapshots', { datanetId: id });
  assert.deepEqual(listed.items.map((s) => [s.version, s.root, s.recordCount]), [[2, snap2.root, 4], [1, snap.root, 4]]);
  const db = openDatabase(join(dir, 'studio.db'));
  t.after(() => db.close());
  assert.throws(() => db.prepare(`UPDATE snapshots SET root = 'x' WHERE id = ?`).run(snap.id), /immutable/);
  assert.throws(() => db.prepare(`UPDATE snapshot_records SET content = 'x' WHERE snapshot_id = ?`).run(snap.id), /immutable/);

  // The salt never leaves in the snapshot itself, and export writes the frozen records.
  const out = join(tempDir(t), 'export.jsonl');
  const exported = await call(core, 'datanets.exportSnapshot', { snapshotId: snap.id, path: out });
  assert.equal(exported.records, 4);
  assert.deepEqual(readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown), [{ text: 'A.' }, { text: 'B.' }, { text: 'C.' }, { text: 'D.' }]);
  const actions = (await call(core, 'audit.listEntries', {})).items.map((e) => e.action);
  assert.ok(actions.includes('snapshot.create') && actions.includes('snapshot.export'));
});
