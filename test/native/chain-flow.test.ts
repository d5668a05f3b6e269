/**
 * The chain half of the spine through the core, on a real anvil: publish a snapshot root, register
 * an adapter, close and publish a reward epoch, claim directly and through a signed claim file.
 * Then the two promises the product makes about it: nothing but commitments reached the chain
 * (canary strings in records and prompts appear in no RPC body), and the wallet's secrets appear
 * nowhere (database, audit log, console, errors, files outside the keystores).
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatUnits, HDNodeWallet, Mnemonic, hexlify, toUtf8Bytes } from 'ethers';
import { recordRpcRequests } from '../../electron/core/chain/rpc';
import type { Core } from '../../electron/core/core';
import type { Attribution } from '../../electron/shared/attribution';
import type { Job } from '../../electron/shared/jobs';
import type { ModelInfo } from '../../electron/shared/models';
import type { RewardEpoch } from '../../electron/shared/rewards';
import type { Adapter } from '../../electron/shared/training';
import { ensureModel, TINY } from '../fixtures/models/generate.js';
import { call, tempDir, testCore, settledSpanIndex, jobResult } from '../helpers/workspace';
import { nativeTrainer } from './helpers/native.js';

// A fixed phrase so a leak is findable byte for byte; generated for this test, funds nothing anywhere.
const MNEMONIC = 'good arm blue system firm birth misery around harvest imitate flower supply';
const PASSWORD = 'correct horse battery staple';
const CANARIES = ['CANARYrecQ7', 'CANARYpromptZ9'];

const keyOf = (i: number) => HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), `m/44'/60'/0'/0/${i}`);

async function failedJob(core: Core, started: Promise<{ jobId: string }>): Promise<Job> {
  const j = await core.waitForJob((await started).jobId);
  assert.equal(j.state, 'failed', `${j.title} should have failed`);
  return j;
}

test('publish, register, reward and claim on the devnet: only commitments reach the chain, secrets reach nothing', async (t) => {
  nativeTrainer();
  const dir = tempDir(t);
  const logged: string[] = [];
  for (const m of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const original = console[m];
    t.mock.method(console, m, (...args: unknown[]) => {
      logged.push(args.map(String).join(' '));
      original(...args);
    });
  }
  const rpc = recordRpcRequests();
  t.after(() => rpc.stop());
  const core = testCore(t, dir);

  // The wallet: two accounts of one phrase, both contributors.
  const imported = await call(core, 'wallet.import', { kind: 'mnemonic', mnemonic: MNEMONIC, password: PASSWORD, label: 'ada' });
  await call(core, 'wallet.unlock', { password: PASSWORD });
  const second = await call(core, 'wallet.addAccount', { label: 'bo' });
  const [ada, bo] = [imported.accounts[0]!.address, second.address];
  assert.deepEqual([ada, bo], [keyOf(0).address, keyOf(1).address]);

  const { id: datanetId } = await call(core, 'datanets.create', { name: 'canaries' });
  for (let i = 0; i < 8; i++) {
    await call(core, 'datanets.addRecord', {
      datanetId,
      contributor: i % 2 === 0 ? ada : bo,
      content: { kind: 'instruction', instruction: `what is the code of box ${i}?`, response: `box ${i} holds ${CANARIES[0]} number ${i} of the vault.` },
    });
  }
  await call(core, 'datanets.review', { datanetId, allPending: true, decision: 'approve' });
  const snapshot = await call(core, 'datanets.createSnapshot', { datanetId });
  const model = await jobResult<ModelInfo>(core, call(core, 'models.import', { path: ensureModel({ ...TINY, arch: 'llama', baseType: 'F32' }), storage: 'reference' }));
  const { adapter } = await jobResult<{ adapter: Adapter }>(core, call(core, 'training.start', { modelId: model.id, snapshotId: snapshot.id, settings: { epochs: 1, seqLen: 64, rank: 4, evalFraction: 0, influenceCheckpoints: 1 } }));
  await settledSpanIndex(core, adapter.id);
  const answers: Attribution[] = [];
  for (const i of [2, 3, 5]) {
    answers.push(await jobResult<Attribution>(core, call(core, 'attribution.attribute', { adapterId: adapter.id, prompt: `${CANARIES[1]} what is the code of box ${i}?`, answer: `box ${i} holds ${CANARIES[0]} number ${i} of the vault.` })));
  }
  assert.ok(answers.every((a) => a.shares.length > 0), 'every answer credits someone');

  // Devnet, publication and registration from the wallet.
  const status = await jobResult<{ ready: boolean; deployment: { RewardDistributor: string } }>(core, call(core, 'chain.startDevnet', {}));
  assert.equal(status.ready, true);
  const published = await jobResult<{ root: string; transactions: { txHash: string }[] }>(core, call(core, 'chain.publishSnapshot', { snapshotId: snapshot.id, account: ada, autoApprove: true }));
  assert.equal(published.root, snapshot.root);
  assert.equal(published.transactions.length, 2, 'the datanet is registered, then its snapshot published');
  await jobResult(core, call(core, 'chain.registerAdapter', { adapterId: adapter.id, account: ada, autoApprove: true }));
  // Publishing again from another account is refused by the contract, before anything is signed.
  const notOwner = await failedJob(core, call(core, 'chain.publishSnapshot', { snapshotId: snapshot.id, account: bo, autoApprove: true }));
  assert.match(notOwner.error!.message, /revert/i);

  // A reward epoch over the three receipts; both contributors have a share.
  const pending = await call(core, 'rewards.pending', {});
  assert.equal(pending.receipts, 3);
  assert.ok(pending.usageTokens > 0);
  // Closed first without publishing (nothing claimable yet), then published.
  const closed = await jobResult<RewardEpoch>(core, call(core, 'rewards.closeEpoch', { pool: '1000', publish: false, autoApprove: true }));
  assert.equal(closed.publishTx, null);
  await assert.rejects(call(core, 'rewards.claim', { epoch: closed.epoch, account: bo, autoApprove: true }), /not published/);
  const epoch = await jobResult<RewardEpoch>(core, call(core, 'rewards.publishEpoch', { epoch: closed.epoch, autoApprove: true }));
  assert.equal(epoch.root, closed.root);
  await assert.rejects(call(core, 'rewards.publishEpoch', { epoch: closed.epoch, autoApprove: true }), /already published/);
  assert.equal(epoch.receipts, 3);
  assert.ok(epoch.publishTx && epoch.anchorTx);
  assert.ok(BigInt(epoch.total) <= 1000n * 10n ** 18n && BigInt(epoch.total) > 999n * 10n ** 18n, `total ${epoch.total}`);
  const activity = await call(core, 'chain.activity', {});
  assert.deepEqual(new Set(activity.items.map((a) => a.kind)), new Set(['datanet', 'snapshot', 'adapter', 'receipts', 'epoch']));

  // bo claims directly; a second claim of the same leaf is refused.
  const boClaim = (await call(core, 'rewards.claims', { account: bo })).items[0]!;
  assert.equal(boClaim.claimed, false);
  const before = await call(core, 'chain.balances', { account: bo });
  await jobResult(core, call(core, 'rewards.claim', { epoch: epoch.epoch, account: bo, autoApprove: true }));
  const after = await call(core, 'chain.balances', { account: bo });
  assert.equal(Number(after.token) - Number(before.token), Number(formatUnits(BigInt(boClaim.amount), 18)));
  assert.equal((await call(core, 'rewards.claims', { account: bo })).items[0]!.claimed, true);
  const again = await failedJob(core, call(core, 'rewards.claim', { epoch: epoch.epoch, account: bo, autoApprove: true }));
  assert.match(again.error!.message, /AlreadyClaimed/);

  // ada's claim goes through a file: exported, signed (the air-gapped half), submitted by bo.
  const claimFile = join(dir, 'claim.json');
  const signedFile = join(dir, 'claim.signed.json');
  await call(core, 'rewards.exportClaim', { epoch: epoch.epoch, account: ada, path: claimFile });
  await jobResult(core, call(core, 'rewards.signClaim', { path: claimFile, out: signedFile, autoApprove: true }));
  const adaBefore = await call(core, 'chain.balances', { account: ada });
  await jobResult(core, call(core, 'rewards.submitClaim', { path: signedFile, account: bo, autoApprove: true }));
  const adaAfter = await call(core, 'chain.balances', { account: ada });
  const adaClaim = (await call(core, 'rewards.claims', { account: ada })).items[0]!;
  assert.equal(Number(adaAfter.token) - Number(adaBefore.token), Number(formatUnits(BigInt(adaClaim.amount), 18)));
  assert.equal(adaClaim.claimed, true);

  // A consent revocation is published as its hash only (the records and the reason stay here).
  const records = await call(core, 'datanets.listRecords', { datanetId, limit: 100 });
  const boRecord = records.items.find((r) => r.contributor?.toLowerCase() === bo.toLowerCase())!;
  const { revocation } = await call(core, 'consent.revoke', { contributor: bo, recordIds: [boRecord.id], reason: `${CANARIES[0]} asked to leave`, retrain: false });
  const anchored = await jobResult<{ hash: string; transactions: { txHash: string }[] }>(core, call(core, 'consent.publish', { revocationId: revocation.id, account: bo, autoApprove: true }));
  assert.equal(anchored.hash, revocation.hash);
  const revocations = (await call(core, 'chain.activity', {})).items.filter((a) => a.kind === 'revocation');
  assert.deepEqual(revocations.map((a) => [a.subject, a.txHash]), [[revocation.hash, anchored.transactions[0]!.txHash]]);

  // Privacy: no canary, as text or as hex, in any RPC request body (transactions' calldata included).
  assert.ok(rpc.requests.length > 20, `${rpc.requests.length} RPC requests recorded`);
  assert.ok(rpc.requests.some((r) => r.body.includes('eth_sendRawTransaction')), 'signed transactions went through the recorded transport');
  for (const canary of CANARIES) {
    const hex = hexlify(toUtf8Bytes(canary)).slice(2);
    const hits = rpc.requests.filter((r) => r.body.includes(canary) || r.body.toLowerCase().includes(hex));
    assert.equal(hits.length, 0, `${canary} left the machine in ${hits.length} RPC bodies`);
  }

  // Secret hygiene: the phrase and the keys appear nowhere but (encrypted) in the keystores.
  await core.call('wallet.unlock', { password: 'wrong password' }).then((r) => assert.equal(r.ok, false));
  await core.call('wallet.import', { kind: 'mnemonic', mnemonic: `${MNEMONIC} extra`, password: PASSWORD }).then((r) => {
    assert.equal(r.ok, false);
    logged.push(JSON.stringify(r));
  });
  await core.close();
  const words = MNEMONIC.split(' ');
  const secrets = [MNEMONIC, words.slice(0, 3).join(' '), words.slice(-3).join(' '), keyOf(0).privateKey.slice(2), keyOf(1).privateKey.slice(2)];
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile() && !/wallet[\\/].*keystore|\.gguf$|\.u32$|\.influence$|state\.json$/.test(f));
  assert.ok(files.some((f) => f.endsWith('studio.db')), 'the database was scanned');
  for (const f of files) {
    const text = readFileSync(f).toString('latin1');
    for (const s of secrets) assert.ok(!text.includes(s), `a wallet secret is in ${f}`);
  }
  for (const line of logged) for (const s of secrets) assert.ok(!line.includes(s), 'a wallet secret was logged');
});
