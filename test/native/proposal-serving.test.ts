import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';
import type { ModelInfo } from '../../electron/shared/models';
import { proposalModelName } from '../../electron/shared/proposals';
import type { Adapter } from '../../electron/shared/training';
import { ensureModel, TINY } from '../fixtures/models/generate.js';
import { colorsSnapshot } from '../fixtures/datanets/colors';
import { call, jobResult, settledSpanIndex, testCore } from '../helpers/workspace';
import { nativeTrainer } from './helpers/native.js';

const OWNER = '0x1111111111111111111111111111111111111111';
const REVIEWER = '0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const SETTINGS = { rank: 4, alpha: 8, learningRate: 5e-3, warmupSteps: 1, epochs: 1, seqLen: 64, seed: 7, evalFraction: 0.2, influenceCheckpoints: 0 };

test('a deployed proposal is served through the API under its name, its usage names its adapter, and retiring it stops the name', async (t) => {
  nativeTrainer();
  const core = testCore(t);
  const model = await jobResult<ModelInfo>(core, call(core, 'models.import', { path: ensureModel({ ...TINY, arch: 'llama', baseType: 'F32' }), storage: 'reference', name: 'Tiny llama' }));
  const snapshot = await colorsSnapshot(core);
  await call(core, 'proposals.setReviewers', { addresses: [REVIEWER] });
  const p = await call(core, 'proposals.create', {
    title: 'Colors (EN) helper', purpose: 'Name the color of things.', useCase: 'A coloring book.', baseModel: 'Tiny llama', targetDatanets: [snapshot.datanetId],
    dataRequirements: { kinds: ['instruction'], minApprovedRecords: 10 }, evaluationCriteria: { maxHeldOutLoss: 50 }, owner: OWNER,
  });
  const name = proposalModelName(p);
  assert.equal(name, 'proposal:colors-en-helper');
  await call(core, 'proposals.submit', { id: p.id });
  await call(core, 'proposals.transition', { id: p.id, to: 'in_review' });
  await call(core, 'proposals.vote', { id: p.id, reviewer: REVIEWER, approve: true });
  await call(core, 'proposals.transition', { id: p.id, to: 'approved' });
  await call(core, 'proposals.transition', { id: p.id, to: 'gathering_data' });
  const { adapter } = await jobResult<{ adapter: Adapter }>(core, call(core, 'proposals.startTuning', { proposalId: p.id, snapshotId: snapshot.id, settings: SETTINGS }));
  await call(core, 'proposals.transition', { id: p.id, to: 'feedback' });
  await settledSpanIndex(core, adapter.id);

  const api = await call(core, 'serving.start', {});
  const client = new OpenAI({ baseURL: `${api.url}/v1`, apiKey: api.token!, maxRetries: 0 });
  const ask = (m: string) => client.chat.completions.create({ model: m, messages: [{ role: 'user', content: 'what is the color of the sun?' }], max_tokens: 10, temperature: 0 });

  // Not deployed yet: the name is refused, saying why.
  assert.ok(!(await client.models.list()).data.some((m) => m.id === name));
  await assert.rejects(ask(name), (e: { status?: number; message: string }) => e.status === 404 && /"Colors \(EN\) helper", which is feedback, not deployed/.test(e.message));

  // Deployed: listed, answered by the proposal's adapter (the same answer as the adapter by id), metered with that adapter, with an API receipt.
  assert.equal((await call(core, 'proposals.transition', { id: p.id, to: 'deployed' })).state, 'deployed');
  assert.deepEqual((await client.models.list()).data.map((m) => m.id).sort(), [model.id, adapter.id, name].sort());
  const served = await ask(name);
  assert.equal(served.model, name);
  assert.ok(served.choices[0]!.message.content!.length > 0);
  let receipts = await call(core, 'attribution.listReceipts', { adapterId: adapter.id });
  for (let i = 0; i < 300 && receipts.total === 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
    receipts = await call(core, 'attribution.listReceipts', { adapterId: adapter.id });
  }
  assert.deepEqual(receipts.items.map((r) => [r.source, r.adapterId]), [['api', adapter.id]]);
  const byId = await ask(adapter.id);
  assert.equal(served.choices[0]!.message.content, byId.choices[0]!.message.content, 'greedy decoding: the proposal name is served by its adapter');
  const row = (await call(core, 'serving.usage', {})).items.find((u) => u.model === name);
  assert.deepEqual([row?.adapterId, row?.requests, row!.completionTokens > 0], [adapter.id, 1, true]);
  // The proposal's id works as a name too (titles may share a slug).
  assert.equal((await ask(`proposal:${p.id}`)).choices[0]!.message.content, byId.choices[0]!.message.content);

  // Retired: the name is no longer listed nor answered.
  await call(core, 'proposals.transition', { id: p.id, to: 'retired', note: 'superseded' });
  assert.ok(!(await client.models.list()).data.some((m) => m.id === name));
  await assert.rejects(ask(name), (e: { status?: number; message: string }) => e.status === 404 && /"Colors \(EN\) helper", which is retired, not deployed: it is served only while deployed/.test(e.message));
  await assert.rejects(ask('proposal:nothing-here'), (e: { status?: number; message: string }) => e.status === 404 && /no deployed proposal is served under that name/.test(e.message));
  assert.equal((await call(core, 'serving.usage', {})).items.find((u) => u.model === name)?.requests, 1, 'refused requests are not metered');
});
