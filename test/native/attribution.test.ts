import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Core } from '../../electron/core/core';
import type { Attribution } from '../../electron/shared/attribution';
import type { ModelInfo } from '../../electron/shared/models';
import type { ReceiptVerification } from '../../electron/shared/receipts';
import type { Adapter } from '../../electron/shared/training';
import { ensureModel, TINY } from '../fixtures/models/generate.js';
import { CONTRIBUTORS, PLANTED, factAnswer, factQuestion, factsSnapshot } from '../fixtures/datanets/facts';
import { REPO_ROOT, call, tempDir, testCore, settledSpanIndex } from '../helpers/workspace';
import { nativeTrainer } from './helpers/native.js';
import OpenAI from 'openai';
import type { ChatAnswer } from '../../electron/shared/inference';

const SETTINGS = { rank: 8, alpha: 16, learningRate: 5e-3, warmupSteps: 2, epochs: 3, gradAccum: 2, seqLen: 96, seed: 7, evalFraction: 0, influenceCheckpoints: 2 };

async function attribute(core: Core, input: Parameters<typeof call<'attribution.attribute'>>[2]): Promise<Attribution> {
  const job = await core.waitForJob((await call(core, 'attribution.attribute', input)).jobId);
  assert.equal(job.state, 'succeeded', job.error?.message);
  return job.result as Attribution;
}

test('an answer repeating a planted fact is attributed to its record and contributor, with a receipt that verifies', async (t) => {
  nativeTrainer();
  const dir = tempDir(t);
  const core = testCore(t, dir);
  const { snapshot, plantedPositions } = await factsSnapshot(core);
  const model = (await core.waitForJob((await call(core, 'models.import', { path: ensureModel({ ...TINY, arch: 'llama', baseType: 'F32' }), storage: 'reference' })).jobId)).result as ModelInfo;
  const trained = await core.waitForJob((await call(core, 'training.start', { modelId: model.id, snapshotId: snapshot.id, settings: SETTINGS })).jobId);
  assert.equal(trained.state, 'succeeded', trained.error?.message);
  const { adapter } = trained.result as { adapter: Adapter };

  // The span index is built on its own once training has registered the adapter.
  const index = await settledSpanIndex(core, adapter.id);
  assert.equal(index.span.state, 'ready', index.span.error ?? '');
  assert.ok(index.span.tokens! > snapshot.recordCount * 10, `index holds ${index.span.tokens} tokens`);
  assert.deepEqual([index.influence.available, index.influence.records, index.influence.checkpoints], [true, snapshot.recordCount, SETTINGS.influenceCheckpoints]);

  const planted = PLANTED[1]!;
  const a = await attribute(core, { adapterId: adapter.id, prompt: factQuestion(planted.thing), answer: factAnswer(planted), methods: ['span'] });
  const records = await call(core, 'datanets.listRecords', { datanetId: snapshot.datanetId, limit: 100 });
  const plantedRecordId = records.items.find((r) => r.content.kind === 'instruction' && r.content.response === factAnswer(planted))!.id;
  assert.equal(a.records[0]?.recordId, plantedRecordId, `top record ${JSON.stringify(a.records.slice(0, 3))}`);
  assert.equal(a.records[0]?.position, plantedPositions[1]);
  const longest = [...a.spans].sort((x, y) => y.tokens - x.tokens)[0]!;
  assert.match(a.answer.slice(longest.start, longest.end), /four eight one five/);
  assert.deepEqual(longest.records.map((r) => r.recordId), [plantedRecordId]);
  assert.equal(a.shares[0]?.contributor, CONTRIBUTORS.bo);
  assert.equal(a.shares.reduce((s, x) => s + x.bps, 0), 10_000);

  // Gradient influence alone names the same record; both methods together too.
  const byInfluence = await attribute(core, { adapterId: adapter.id, prompt: factQuestion(planted.thing), answer: factAnswer(planted), methods: ['influence'] });
  assert.deepEqual(byInfluence.methods, ['influence']);
  assert.equal(byInfluence.records[0]?.recordId, plantedRecordId, `top by influence ${JSON.stringify(byInfluence.records.slice(0, 3))}`);
  assert.ok(byInfluence.records.every((r) => r.influence !== null && r.influence > 0));
  const both = await attribute(core, { adapterId: adapter.id, prompt: factQuestion(planted.thing), answer: factAnswer(planted) });
  assert.deepEqual(both.methods, ['span', 'influence']);
  assert.equal(both.receipt.receipt.method, 'span+influence/v1');
  assert.equal(both.records[0]?.recordId, plantedRecordId);

  // The receipt: hashes and weights only, verifiable, listed and stored with the local details.
  const text = JSON.stringify(a.receipt);
  for (const needle of ['secret', planted.code, planted.thing]) assert.ok(!text.includes(needle), `receipt contains "${needle}"`);
  assert.equal(a.receipt.receipt.adapterSha256, `0x${adapter.sha256}`);
  assert.equal(a.receipt.receipt.snapshotRoot, snapshot.root);
  assert.deepEqual(a.receipt.receipt.contributors, a.shares.map((s) => s.contributor));
  assert.equal(a.receipt.signature, null, 'no wallet is unlocked, so the receipt is unsigned');
  const v = await call(core, 'attribution.verifyReceipt', { receipt: a.receipt });
  assert.deepEqual([v.ok, v.signed], [true, false]);
  const listed = await call(core, 'attribution.listReceipts', { adapterId: adapter.id });
  assert.deepEqual(new Set(listed.items.map((r) => r.digest)), new Set([a.receipt.digest, byInfluence.receipt.digest, both.receipt.digest]));
  const stored = await call(core, 'attribution.getReceipt', { digest: a.receipt.digest });
  assert.equal(stored.answer, factAnswer(planted));
  assert.deepEqual(stored.spans, a.spans);

  // An answer with nothing from the data credits nobody, and says so in its receipt.
  const none = await attribute(core, { adapterId: adapter.id, prompt: 'hello', answer: 'zq xv', methods: ['span'] });
  assert.deepEqual([none.spans.length, none.shares.length, none.receipt.receipt.contributors.length], [0, 0, 0]);

  // The CLI: receipt export and verify, and a tampered file fails with the field named.
  const file = join(dir, 'receipt.json');
  await call(core, 'attribution.exportReceipt', { digest: a.receipt.digest, path: file });
  const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'electron/core/bin/cli.ts', ...args, '--workspace', dir], { cwd: REPO_ROOT, encoding: 'utf8' });
  const ok = cli(['receipt', 'verify', file, '--json']);
  assert.equal(ok.status, 0, ok.stderr + ok.stdout);
  assert.equal((JSON.parse(ok.stdout) as ReceiptVerification).ok, true);
  const tampered = JSON.parse(readFileSync(file, 'utf8')) as { receipt: { timestamp: number } };
  tampered.receipt.timestamp += 1;
  writeFileSync(file, JSON.stringify(tampered));
  const bad = cli(['receipt', 'verify', file]);
  assert.equal(bad.status, 1, bad.stdout);
  assert.match(bad.stdout, /INVALID receipt[\s\S]*digest/);
});

test('answers served through the API and the playground get receipts when automatic receipts are on, once per answer', async (t) => {
  nativeTrainer();
  const core = testCore(t);
  const { snapshot } = await factsSnapshot(core);
  const model = (await core.waitForJob((await call(core, 'models.import', { path: ensureModel({ ...TINY, arch: 'llama', baseType: 'F32' }), storage: 'reference' })).jobId)).result as ModelInfo;
  const trained = await core.waitForJob((await call(core, 'training.start', { modelId: model.id, snapshotId: snapshot.id, settings: { ...SETTINGS, epochs: 1, influenceCheckpoints: 1 } })).jobId);
  const { adapter } = trained.result as { adapter: Adapter };
  await settledSpanIndex(core, adapter.id);

  // Playground: the chat job's answer carries its receipt; attributing it again reuses it.
  const chat = await core.waitForJob((await call(core, 'inference.chat', { adapterId: adapter.id, messages: [{ role: 'user', content: factQuestion('king') }], maxTokens: 12, temperature: 0 })).jobId);
  const answer = chat.result as ChatAnswer;
  assert.match(answer.receiptDigest ?? '', /^0x[0-9a-f]{64}$/);
  const again = await attribute(core, { adapterId: adapter.id, prompt: factQuestion('king'), answer: answer.text });
  assert.equal(again.receipt.digest, answer.receiptDigest, 'the same answer attributed the same way keeps its receipt');

  // API: the receipt is made after the response, in the background.
  const api = await call(core, 'serving.start', {});
  const client = new OpenAI({ baseURL: `${api.url}/v1`, apiKey: api.token!, maxRetries: 0 });
  await client.chat.completions.create({ model: adapter.id, messages: [{ role: 'user', content: factQuestion('moon') }], max_tokens: 12, temperature: 0 });
  let listed = await call(core, 'attribution.listReceipts', { adapterId: adapter.id });
  for (let i = 0; i < 300 && !listed.items.some((r) => r.source === 'api'); i++) {
    await new Promise((r) => setTimeout(r, 100));
    listed = await call(core, 'attribution.listReceipts', { adapterId: adapter.id });
  }
  assert.deepEqual(listed.items.map((r) => r.source).sort(), ['api', 'playground']);

  // Off: no receipt for the next answer.
  await call(core, 'attribution.setSettings', { autoReceipts: false });
  const quiet = await core.waitForJob((await call(core, 'inference.chat', { adapterId: adapter.id, messages: [{ role: 'user', content: factQuestion('river') }], maxTokens: 8, temperature: 0 })).jobId);
  assert.equal((quiet.result as ChatAnswer).receiptDigest, null);
  assert.equal((await call(core, 'attribution.listReceipts', { adapterId: adapter.id })).total, 2);
});
