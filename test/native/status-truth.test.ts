import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AppInfo } from '../../electron/shared/app';
import type { Job } from '../../electron/shared/jobs';
import { ensureModel, TINY } from '../fixtures/models/generate.js';
import { call, testCore } from '../helpers/workspace';

test('app.getInfo says what is in memory: nothing at first, the model while it generates and after, and why the network state is what it is', async (t) => {
  const modelPath = ensureModel({ ...TINY, arch: 'llama', baseType: 'F32' });
  const core = testCore(t);
  const before = await call(core, 'app.getInfo', {});
  assert.deepEqual(before.memory, { models: [], activeGenerations: 0 });
  assert.deepEqual([before.network.outbound, before.network.label], [false, 'Offline']);

  const registered = await core.waitForJob((await call(core, 'models.import', { path: modelPath, name: 'Tiny test model' })).jobId);
  assert.equal(registered.state, 'succeeded', registered.error?.message);
  const model = registered.result as { id: string; file: string };
  let during: AppInfo | null = null;
  let jobId = '';
  const seen: Promise<void>[] = [];
  core.onEvent((name, payload) => {
    if (name === 'jobs.progress' && (payload as Job).id === jobId && !during) {
      seen.push(call(core, 'app.getInfo', {}).then((i) => { during ??= i; }));
    }
  });
  jobId = (await call(core, 'inference.chat', { modelId: model.id, messages: [{ role: 'user', content: 'hello' }], maxTokens: 64, temperature: 1, seed: 1 })).jobId;
  const chat = await core.waitForJob(jobId);
  await Promise.all(seen);
  assert.ok(chat.state === 'succeeded', chat.error?.message);
  assert.ok(during, 'read while the answer streamed');
  const d = during as AppInfo;
  assert.equal(d.memory.activeGenerations, 1, 'a generation is running');
  assert.equal(d.memory.models.length, 1);
  assert.equal(d.memory.models[0]!.name, 'Tiny test model', 'named as the registry names it');

  const after = await call(core, 'app.getInfo', {});
  assert.equal(after.memory.activeGenerations, 0);
  assert.equal(after.memory.models[0]!.path, model.file, 'the model stays loaded for the next question');
  assert.ok(after.memory.models[0]!.sizeBytes > 0);
  assert.deepEqual(after.memory.models[0]!.adapters, []);
});
