import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { Wallet, getAddress } from 'ethers';
import type { Lineage } from '../../electron/shared/lineage';
import type { ReceiptFile } from '../../electron/shared/receipts';
import { CONTRIBUTION_DOMAIN } from '../../electron/core/datanets/signatures';
import { REVOCATION_TYPES, recordsHashOf } from '../../electron/core/lineage/revocation-signature';
import { splitPool } from '../../electron/core/rewards/epochs';
import { REPO_ROOT, call, tempDir, testCore } from '../helpers/workspace';

const alice = new Wallet(`0x${'11'.repeat(32)}`);
const mallory = new Wallet(`0x${'22'.repeat(32)}`);
const bob = getAddress('0xb000000000000000000000000000000000000002');

test('a signed revocation of some records: later snapshots leave them out, lineage shows both sides, bad input is named', async (t) => {
  const dir = tempDir(t);
  const core = testCore(t, dir);
  const { id: datanetId } = await call(core, 'datanets.create', { name: 'consent' });
  const add = (contributor: string, text: string) => call(core, 'datanets.addRecord', { datanetId, contributor, content: { kind: 'text', text } });
  const a1 = await add(alice.address, 'alice one');
  const a2 = await add(alice.address, 'alice two');
  const b1 = await add(bob, 'bob one');
  await call(core, 'datanets.review', { datanetId, allPending: true, decision: 'approve' });
  const before = await call(core, 'datanets.createSnapshot', { datanetId });

  // The signature must be alice's over exactly this revocation.
  const createdAt = '2026-11-22T07:00:00.000Z';
  const message = { contributor: alice.address, recordsHash: recordsHashOf([a1.id]), reason: 'changed my mind', createdAt };
  const forged = await mallory.signTypedData(CONTRIBUTION_DOMAIN, REVOCATION_TYPES, message);
  const rejected = await core.call('consent.revoke', { contributor: alice.address, recordIds: [a1.id], reason: 'changed my mind', createdAt, signature: forged });
  assert.equal(!rejected.ok && rejected.error.code, 'BAD_INPUT');
  assert.match(!rejected.ok ? rejected.error.message : '', new RegExp(`signature: signature is not by contributor ${alice.address}`));
  const notHers = await core.call('consent.revoke', { contributor: alice.address, recordIds: [b1.id], reason: '' });
  assert.match(!notHers.ok ? notHers.error.message : '', new RegExp(`recordIds: record ${b1.id} is not a record of contributor`));
  assert.deepEqual((await call(core, 'consent.list', {})).items, []);

  const signature = await alice.signTypedData(CONTRIBUTION_DOMAIN, REVOCATION_TYPES, message);
  const { revocation, adapters } = await call(core, 'consent.revoke', { contributor: alice.address, recordIds: [a1.id], reason: 'changed my mind', createdAt, signature });
  assert.deepEqual([revocation.scope, revocation.recordIds, revocation.signer, revocation.signature], ['some', [a1.id], alice.address, signature]);
  assert.match(revocation.hash, /^0x[0-9a-f]{64}$/);
  assert.deepEqual(adapters, [], 'no adapter was trained yet');
  const again = await core.call('consent.revoke', { contributor: alice.address, recordIds: [a1.id], reason: '' });
  assert.equal(!again.ok && again.error.code, 'CONFLICT');

  const after = await call(core, 'datanets.createSnapshot', { datanetId });
  assert.equal(after.recordCount, before.recordCount - 1);
  const fresh = await call(core, 'lineage.get', { id: after.id });
  assert.deepEqual(fresh.records.map((r) => r.id), [a2.id, b1.id]);

  const ofRecord = await call(core, 'lineage.get', { id: a1.id });
  assert.deepEqual(ofRecord.snapshots.map((s) => s.id), [before.id]);
  assert.deepEqual(ofRecord.records.map((r) => [r.id, r.revoked]), [[a1.id, true]]);
  const ofAlice = await call(core, 'lineage.get', { id: alice.address });
  assert.deepEqual(ofAlice.records.map((r) => [r.id, r.revoked]), [[a1.id, true], [a2.id, false]]);
  assert.deepEqual(ofAlice.snapshots.map((s) => [s.id, s.recordIds.length]), [[before.id, 2], [after.id, 1]]);

  const unknown = await core.call('lineage.get', { id: 'rec_0123456789abcdef' });
  assert.equal(!unknown.ok && unknown.error.code, 'NOT_FOUND');
  const malformed = await core.call('lineage.get', { id: 'nonsense' });
  assert.equal(!malformed.ok && malformed.error.code, 'BAD_INPUT');

  // The CLI prints the same lineage as JSON.
  await core.close();
  const cli = spawnSync(process.execPath, ['--import', 'tsx', 'electron/core/bin/cli.ts', 'lineage', a1.id, '--json', '--workspace', dir], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr + cli.stdout);
  assert.deepEqual((JSON.parse(cli.stdout) as Lineage).records.map((r) => r.revoked), [true]);
  const human = spawnSync(process.execPath, ['--import', 'tsx', 'electron/core/bin/cli.ts', 'consent', 'list', '--workspace', dir], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(human.status, 0, human.stderr + human.stdout);
  assert.match(human.stdout, new RegExp(`${revocation.id}\\s+${alice.address}\\s+1 records\\s+signed\\s+hash ${revocation.hash}`));
});

test('a receipt contributor loses exactly the part of their share that came from revoked records', () => {
  const receipt = (contributors: string[], sharesBps: number[]) => ({ receipt: { contributors, sharesBps } }) as unknown as ReceiptFile;
  const counted = [{ digest: `0x${'ab'.repeat(32)}`, receipt: receipt([alice.address, bob], [6000, 4000]), usageTokens: 10, revokedBps: [3000, 0] }];
  const split = splitPool(counted, 7000n);
  // Weights 3000 : 4000 after the revoked half of alice's share is taken out.
  assert.deepEqual(split.map((e) => [e.account, e.amount]), [[alice.address, 3000n], [bob, 4000n]]);
  assert.deepEqual(splitPool([{ ...counted[0]!, revokedBps: [6000, 0] }], 7000n).map((e) => e.account), [bob]);
});
