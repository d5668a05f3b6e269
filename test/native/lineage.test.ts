import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Core } from '../../electron/core/core';
import type { Attribution } from '../../electron/shared/attribution';
import type { ModelInfo } from '../../electron/shared/models';
import type { RewardEpoch } from '../../electron/shared/rewards';
import type { Adapter } from '../../electron/shared/training';
import { ensureModel, TINY } from '../fixtures/models/generate.js';
import { CONTRIBUTORS, PLANTED, factAnswer, factQuestion, factsSnapshot } from '../fixtures/datanets/facts';
import { call, tempDir, testCore, settledSpanIndex, jobResult } from '../helpers/workspace';
import { nativeTrainer } from './helpers/native.js';

const SETTINGS = { rank: 8, alpha: 16, learningRate: 5e-3, warmupSteps: 2, epochs: 2, gradAccum: 2, seqLen: 96, seed: 7, evalFraction: 0, influenceCheckpoints: 1 };

const attribute = async (core: Core, adapterId: string, p: (typeof PLANTED)[number], methods: ('span' | 'influence')[]) =>
  jobResult<Attribution>(core, call(core, 'attribution.attribute', { adapterId, prompt: factQuestion(p.thing), answer: factAnswer(p), methods }));

test('a revoked contributor: lineage shows their records in two snapshots and one adapter, the adapter is marked and retrained without them, and the next epoch pays them nothing', async (t) => {
  nativeTrainer();
  const dir = tempDir(t);
  const core = testCore(t, dir);
  const { snapshot: first } = await factsSnapshot(core);
  const second = await call(core, 'datanets.createSnapshot', { datanetId: first.datanetId });
  const model = await jobResult<ModelInfo>(core, call(core, 'models.import', { path: ensureModel({ ...TINY, arch: 'llama', baseType: 'F32' }), storage: 'reference' }));
  const { adapter } = await jobResult<{ adapter: Adapter }>(core, call(core, 'training.start', { modelId: model.id, snapshotId: first.id, settings: SETTINGS }));
  assert.equal((await settledSpanIndex(core, adapter.id)).span.state, 'ready');

  const bo = PLANTED[1]!;
  const ada = PLANTED[0]!;
  assert.equal(bo.contributor, CONTRIBUTORS.bo);
  const paidBefore = await attribute(core, adapter.id, bo, ['span']);
  assert.equal(paidBefore.shares[0]?.contributor, CONTRIBUTORS.bo);
  const epoch1 = await jobResult<RewardEpoch>(core, call(core, 'rewards.closeEpoch', { pool: '1000', publish: false }));
  const boRecord = paidBefore.records[0]!.recordId;

  // Receipts made before the revocation, counted after it.
  const later = await attribute(core, adapter.id, bo, ['span', 'influence']);
  assert.ok(later.receipt.receipt.contributors.includes(CONTRIBUTORS.bo), 'the later receipt credits bo');
  assert.equal(later.records[0]?.recordId, boRecord);
  const other = await attribute(core, adapter.id, ada, ['span']);
  assert.equal(other.shares[0]?.contributor, CONTRIBUTORS.ada);

  // Lineage of bo's planted record: both snapshots, the adapter with the record's influence, its receipts, epoch 1's payment.
  const before = await call(core, 'lineage.get', { id: boRecord });
  assert.deepEqual(before.snapshots.map((s) => s.id), [first.id, second.id]);
  assert.deepEqual(before.adapters.map((a) => a.id), [adapter.id]);
  const influence = before.adapters[0]!.influence.find((x) => x.recordId === boRecord)!;
  assert.equal(influence.receipts, 2);
  assert.ok(influence.maxScore > 0 && influence.maxInfluence !== null && influence.maxInfluence > 0, JSON.stringify(influence));
  // Self-influence from the training's sketches is there for every record it trained on, receipts or not.
  const trainedOn = before.adapters[0]!.influence;
  assert.ok(trainedOn.length === 1 && trainedOn[0]!.selfInfluence !== null && trainedOn[0]!.selfInfluence > 0, JSON.stringify(trainedOn));
  const wholeAdapter = await call(core, 'lineage.get', { id: adapter.id });
  assert.equal(wholeAdapter.adapters[0]!.influence.length, first.recordCount);
  assert.ok(wholeAdapter.adapters[0]!.influence.every((x) => x.selfInfluence !== null && x.selfInfluence > 0));
  assert.ok(wholeAdapter.adapters[0]!.influence.some((x) => x.receipts === 0), 'records never credited in a receipt still show their training influence');
  assert.deepEqual(new Set(before.receipts.map((r) => r.digest)), new Set([paidBefore.receipt.digest, later.receipt.digest]));
  assert.deepEqual(before.epochs.map((e) => e.epoch), [epoch1.epoch]);
  assert.ok(BigInt(before.epochs[0]!.amounts.find((a) => a.account === CONTRIBUTORS.bo)!.amount) > 0n);
  assert.deepEqual(before.adapters[0]!.revokedBy, []);

  // Revoke all of bo's records, retraining in the same call.
  const boRecords = await call(core, 'lineage.get', { id: CONTRIBUTORS.bo });
  const revoked = await call(core, 'consent.revoke', { contributor: CONTRIBUTORS.bo, reason: 'asked to be removed', retrain: true });
  assert.deepEqual([...revoked.revocation.recordIds].sort(), boRecords.records.map((r) => r.id).sort());
  assert.equal(revoked.revocation.scope, 'all');
  assert.deepEqual(revoked.adapters.map((a) => a.adapterId), [adapter.id]);
  assert.equal(revoked.adapters[0]!.influence.find((x) => x.recordId === boRecord)?.receipts, 2);
  assert.equal(revoked.retrains.length, 1);

  const after = await call(core, 'lineage.get', { id: boRecord });
  assert.deepEqual(after.snapshots.map((s) => s.id), [first.id, second.id], 'history is kept');
  assert.deepEqual(after.records.map((r) => r.revoked), [true]);
  assert.deepEqual(after.adapters[0]!.revokedBy, [revoked.revocation.id]);
  assert.equal(after.adapters[0]!.retrainRunId, revoked.retrains[0]!.runId);

  // The retrain: same settings, a new snapshot without any of bo's records (by content hash).
  const retrained = await jobResult<{ adapter: Adapter }>(core, revoked.retrains[0]!);
  assert.equal(retrained.adapter.snapshotId, revoked.retrains[0]!.snapshotId);
  assert.deepEqual(retrained.adapter.settings, adapter.settings);
  const fresh = await call(core, 'lineage.get', { id: retrained.adapter.snapshotId });
  const boHashes = new Set(boRecords.records.map((r) => r.contentHash));
  assert.ok(boHashes.size > 0);
  assert.equal(fresh.records.length, first.recordCount - boHashes.size);
  assert.ok(fresh.records.every((r) => !boHashes.has(r.contentHash) && r.contributor !== CONTRIBUTORS.bo));
  const exported = join(dir, 'retrain.jsonl');
  await call(core, 'datanets.exportSnapshot', { snapshotId: retrained.adapter.snapshotId, path: exported });
  assert.ok(!readFileSync(exported, 'utf8').includes(bo.code), 'the planted fact of bo is not in the retrain data');
  assert.deepEqual((await call(core, 'consent.markedAdapters', {})).items.map((m) => [m.adapterId, m.retrainRunId]), [[adapter.id, revoked.retrains[0]!.runId]]);

  // The next epoch counts the receipts crediting bo but pays bo nothing; ada is paid.
  const epoch2 = await jobResult<RewardEpoch>(core, call(core, 'rewards.closeEpoch', { pool: '1000', publish: false }));
  assert.equal(epoch2.receipts, 2);
  const boClaims = await call(core, 'rewards.claims', { account: CONTRIBUTORS.bo });
  assert.deepEqual(boClaims.items.map((c) => c.epoch), [epoch1.epoch]);
  const adaClaims = await call(core, 'rewards.claims', { account: CONTRIBUTORS.ada });
  assert.ok(adaClaims.items.some((c) => c.epoch === epoch2.epoch && BigInt(c.amount) > 0n), JSON.stringify(adaClaims.items));

  // Serving can be set to refuse the marked adapter; its retrain is served.
  await call(core, 'attribution.setSettings', { autoReceipts: false });
  const api = await call(core, 'serving.start', {});
  const ask = (model: string) =>
    fetch(`${api.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${api.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: factQuestion('king') }], max_tokens: 4, temperature: 0 }),
    });
  assert.equal((await ask(adapter.id)).status, 200, 'served while the setting is off');
  assert.deepEqual(await call(core, 'consent.setSettings', { refuseMarkedAdapters: true }), { refuseMarkedAdapters: true });
  const refused = await ask(adapter.id);
  assert.equal(refused.status, 404);
  assert.match(((await refused.json()) as { error: { message: string } }).error.message, new RegExp(`${adapter.id} was trained on records whose consent was revoked \\(${revoked.revocation.id}\\)`));
  assert.equal((await ask(retrained.adapter.id)).status, 200);
  // The playground refuses it too.
  await assert.rejects(call(core, 'inference.chat', { adapterId: adapter.id, messages: [{ role: 'user', content: factQuestion('king') }], maxTokens: 4 }), /consent was revoked/);

  // The revocation is in the audit log.
  const audit = await call(core, 'audit.listEntries', { limit: 500 });
  assert.ok(audit.items.some((e) => e.action === 'consent.revoke' && e.subject === revoked.revocation.id));
});
