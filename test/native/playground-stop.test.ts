import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatAnswer } from '../../electron/shared/inference';
import type { Job } from '../../electron/shared/jobs';
import { ensureModel, TINY } from '../fixtures/models/generate.js';
import { call, testCore } from '../helpers/workspace';

test('Stop keeps what was generated: the chat job ends cancelled with the partial answer, marked stopped, and it saves', async (t) => {
  const modelPath = ensureModel({ ...TINY, arch: 'llama', baseType: 'F32' });
  const core = testCore(t);
  let streamed = '';
  let cancelAsked = false;
  let jobId = '';
  core.onEvent((name, payload) => {
    const j = payload as Job;
    if (name !== 'jobs.progress' || j.id !== jobId || cancelAsked || !j.progress.message) return;
    streamed = j.progress.message;
    cancelAsked = true;
    void call(core, 'jobs.cancel', { jobId });
  });
  jobId = (await call(core, 'inference.chat', { modelPath, messages: [{ role: 'user', content: 'tell me a long story' }], maxTokens: 400, temperature: 1, seed: 3 })).jobId;
  const job = await core.waitForJob(jobId);
  assert.ok(cancelAsked, 'the answer streamed before Stop');
  assert.equal(job.state, 'cancelled');
  const r = job.result as ChatAnswer | null;
  assert.ok(r, 'a stopped answer keeps its result');
  assert.equal(r.stopped, true);
  assert.ok(r.text.startsWith(streamed) && r.text.length > 0, `the kept text continues what was shown (${JSON.stringify(streamed)} → ${JSON.stringify(r.text)})`);
  assert.ok(r.completionTokens < 400, 'generation really stopped early');
  assert.deepEqual((await call(core, 'jobs.get', { jobId })).result, r, 'the kept result is in the jobs table too');

  const saved = await call(core, 'conversations.save', {
    title: 'stopped', modelId: null, adapterId: null, compare: false,
    messages: [{ role: 'user', content: 'tell me a long story' }, { role: 'assistant', content: r.text, side: 'base', stopped: true }],
  });
  const reread = (await call(core, 'conversations.list', {})).items.find((c) => c.id === saved.id)!;
  assert.deepEqual(reread.messages[1], { role: 'assistant', content: r.text, side: 'base', stopped: true });
});
