import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ModelInfo } from '../../electron/shared/models';
import { ensureModel, TINY } from '../fixtures/models/generate.js';
import { call, tempDir, testCore } from '../helpers/workspace';

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

test('a GGUF is validated, hashed and copied into the workspace; inspect shows what it is', async (t) => {
  const dir = tempDir(t);
  const core = testCore(t, dir);
  const source = ensureModel({ ...TINY, arch: 'qwen2', baseType: 'Q8_0' });
  const job = await core.waitForJob((await call(core, 'models.import', { path: source })).jobId);
  assert.equal(job.state, 'succeeded', job.error?.message);
  const m = job.result as ModelInfo;
  assert.equal(m.sha256, sha256(source));
  assert.equal(m.storage, 'copy');
  assert.ok(m.file.startsWith(join(dir, 'models')));
  assert.equal(sha256(m.file), m.sha256, 'the copy is byte-identical');
  assert.deepEqual([m.architecture, m.quantization, m.layers, m.embeddingLength, m.contextLength], ['qwen2', 'Q8_0', TINY.nLayer, TINY.nEmbd, TINY.nCtx]);
  assert.ok(m.parameters > 1e5 && m.vocabularySize! > 256);
  assert.deepEqual((await call(core, 'models.list', {})).items, [m]);
  assert.deepEqual(await call(core, 'models.get', { id: m.id }), m);

  const again = await core.waitForJob((await call(core, 'models.import', { path: source, storage: 'reference' })).jobId);
  assert.equal(again.state, 'failed');
  assert.match(again.error!.message, new RegExp(`already in the workspace .*${m.id}`));

  assert.deepEqual(await call(core, 'models.delete', { id: m.id }), { id: m.id, fileDeleted: true });
  assert.equal(existsSync(m.file), false);
  assert.ok(existsSync(source), 'the original is never touched');
});

test('a referenced model stays where it is; invalid files are refused before anything is stored', async (t) => {
  const dir = tempDir(t);
  const core = testCore(t, dir);
  const source = join(tempDir(t), 'mine.gguf');
  copyFileSync(ensureModel({ ...TINY, arch: 'llama', baseType: 'F16' }), source);
  const ref = (await core.waitForJob((await call(core, 'models.import', { path: source, storage: 'reference', name: 'My tiny llama' })).jobId)).result as ModelInfo;
  assert.deepEqual([ref.file, ref.storage, ref.name, ref.quantization], [source, 'reference', 'My tiny llama', 'F16']);
  assert.deepEqual(await call(core, 'models.delete', { id: ref.id }), { id: ref.id, fileDeleted: false });
  assert.ok(existsSync(source));

  const junk = join(tempDir(t), 'junk.gguf');
  writeFileSync(junk, Buffer.from('GGUF this is not really a model'));
  const bad = await core.waitForJob((await call(core, 'models.import', { path: junk })).jobId);
  assert.equal(bad.state, 'failed');
  assert.match(bad.error!.message, /Invalid GGUF file .*junk\.gguf/);
  assert.deepEqual((await call(core, 'models.list', {})).items, []);
  const missing = await core.waitForJob((await call(core, 'models.import', { path: join(dir, 'nope.gguf') })).jobId);
  assert.match(missing.error!.message, /No file at/);
});

test('the catalog lists curated models by URL; unverified entries say so with null size and hash', async (t) => {
  const core = testCore(t);
  const catalog = await call(core, 'models.catalog', {});
  assert.ok(catalog.models.length >= 8);
  for (const m of catalog.models) {
    assert.match(m.url, /^https:\/\/.+\.gguf$/);
    assert.ok((m.sha256 === null) === (m.sizeBytes === null), `${m.id}: size and hash are verified together`);
  }
  assert.ok(new Set(catalog.models.map((m) => m.id)).size === catalog.models.length, 'ids are unique');
});
