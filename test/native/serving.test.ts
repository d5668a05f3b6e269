import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import OpenAI from 'openai';
import type { ModelInfo } from '../../electron/shared/models';
import type { Adapter } from '../../electron/shared/training';
import { ensureModel, TINY } from '../fixtures/models/generate.js';
import { REPO_ROOT, call, tempDir, testCore } from '../helpers/workspace';
import { nativeTrainer } from './helpers/native.js';

function raw(port: number, method: string, path: string, headers: Record<string, string>, body?: string) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += String(c)));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('the official openai client lists models and gets streamed and plain completions, base and adapter', async (t) => {
  nativeTrainer();
  const dir = tempDir(t);
  const core = testCore(t, dir);
  const modelPath = ensureModel({ ...TINY, arch: 'llama', baseType: 'F32' });
  const model = (await core.waitForJob((await call(core, 'models.import', { path: modelPath, storage: 'reference' })).jobId)).result as ModelInfo;
  const { id } = await call(core, 'datanets.create', { name: 'd' });
  for (const thing of ['sun', 'moon', 'sea', 'sky', 'grass', 'snow']) {
    await call(core, 'datanets.addRecord', { datanetId: id, content: { kind: 'instruction', instruction: `color of the ${thing}?`, response: `the ${thing} is bright.` } });
  }
  await call(core, 'datanets.review', { datanetId: id, allPending: true, decision: 'approve' });
  const snapshot = await call(core, 'datanets.createSnapshot', { datanetId: id });
  const trained = await core.waitForJob((await call(core, 'training.start', { modelId: model.id, snapshotId: snapshot.id, settings: { epochs: 1, seqLen: 64, rank: 4 } })).jobId);
  const { adapter } = trained.result as { adapter: Adapter };

  const api = await call(core, 'serving.start', {});
  assert.ok(api.running && api.url && api.token);
  const client = new OpenAI({ baseURL: `${api.url}/v1`, apiKey: api.token!, maxRetries: 0 });
  const listed = (await client.models.list()).data.map((m) => m.id);
  assert.deepEqual(listed.sort(), [model.id, adapter.id].sort());

  const plain = await client.chat.completions.create({ model: adapter.id, messages: [{ role: 'user', content: 'color of the sun?' }], max_tokens: 12, temperature: 0 });
  assert.equal(plain.object, 'chat.completion');
  assert.equal(plain.model, adapter.id);
  assert.equal(plain.choices[0]!.message.role, 'assistant');
  assert.ok(plain.choices[0]!.message.content!.length > 0);
  assert.ok(plain.usage!.completion_tokens > 0 && plain.usage!.prompt_tokens > 0);

  const stream = await client.chat.completions.create({ model: `${model.id}+${adapter.id}`, messages: [{ role: 'user', content: 'color of the sun?' }], max_tokens: 12, temperature: 0, stream: true });
  let streamed = '';
  let finish: string | null = null;
  for await (const chunk of stream) {
    streamed += chunk.choices[0]?.delta?.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  assert.equal(streamed, plain.choices[0]!.message.content, 'greedy decoding streams the same answer');
  assert.ok(finish === 'stop' || finish === 'length');

  const completion = await client.completions.create({ model: model.id, prompt: 'the sun is', max_tokens: 6, temperature: 0 });
  assert.equal(completion.object, 'text_completion');
  assert.equal(typeof completion.choices[0]!.text, 'string');
  await assert.rejects(client.chat.completions.create({ model: 'ad_0000000000000000', messages: [{ role: 'user', content: 'x' }] }), (e: { status?: number }) => e.status === 404);

  // Every route: no token → 401, foreign Host → 403 (even with the token); no CORS grants.
  const port = Number(new URL(api.url!).port);
  const body = JSON.stringify({ model: model.id, messages: [{ role: 'user', content: 'x' }] });
  for (const [method, path] of [['GET', '/v1/models'], ['POST', '/v1/chat/completions'], ['POST', '/v1/completions'], ['GET', '/anything']]) {
    assert.equal((await raw(port, method!, path!, {}, method === 'POST' ? body : undefined)).status, 401, `${method} ${path} without a token`);
    assert.equal((await raw(port, method!, path!, { authorization: 'Bearer wrong' }, method === 'POST' ? body : undefined)).status, 401);
    const evil = await raw(port, method!, path!, { authorization: `Bearer ${api.token}`, host: 'evil.example' }, method === 'POST' ? body : undefined);
    assert.equal(evil.status, 403, `${method} ${path} with Host: evil.example`);
  }
  const ok = await raw(port, 'GET', '/v1/models', { authorization: `Bearer ${api.token}`, origin: 'https://evil.example' });
  assert.equal(ok.headers['access-control-allow-origin'], undefined);
  assert.equal((await raw(port, 'POST', '/v1/chat/completions', { authorization: `Bearer ${api.token}` }, '{nope')).status, 400);

  const usage = (await call(core, 'serving.usage', {})).items;
  const byModel = new Map(usage.map((u) => [u.model, u]));
  assert.equal(byModel.get(adapter.id)!.requests, 1);
  assert.equal(byModel.get(`${model.id}+${adapter.id}`)!.adapterId, adapter.id);
  assert.equal(byModel.get(model.id)!.requests, 1);
  assert.ok(byModel.get(adapter.id)!.completionTokens > 0);
  assert.equal((await call(core, 'serving.stop', {})).running, false);
});

test('serve-api runs in the foreground, prints its URL and key, and stops on SIGTERM', async (t) => {
  const dir = tempDir(t);
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'electron/core/bin/cli.ts'), 'serve-api', '--workspace', dir], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  const printed = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += String(d);
      if (/API key:/.test(out)) resolve(out);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  const url = /base URL:\s+(\S+)/.exec(printed)![1]!;
  const key = /API key:\s+(\S+)/.exec(printed)![1]!;
  const client = new OpenAI({ baseURL: url, apiKey: key, maxRetries: 0 });
  assert.deepEqual((await client.models.list()).data, []);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});
