import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { startTraining } from '../../electron/core/training/index.js';
import { ensureModel, TINY } from '../fixtures/models/generate.js';
import { tempDir } from '../helpers/workspace';
import { nativeTrainer } from './helpers/native.js';

test('idle adapters past the limit are released, least recently used first, and load again when asked for', async (t) => {
  process.env.DATANET_MAX_LOADED_ADAPTERS = '2';
  const { chat, loadModel, loadedAdapters, MAX_LOADED_ADAPTERS } = await import('../../electron/core/inference/engine.js');
  assert.equal(MAX_LOADED_ADAPTERS, 2);
  nativeTrainer();
  const dir = tempDir(t);
  const modelPath = ensureModel({ ...TINY, arch: 'llama', baseType: 'F32' });
  const run = await startTraining({
    modelPath,
    examples: Array.from({ length: 6 }, (_, i) => ({ kind: 'instruction' as const, instruction: `q${i}?`, response: `a${i}.` })),
    evalFraction: 0,
    epochs: 1,
    seqLen: 32,
    rank: 4,
    adapterPath: join(dir, 'a0.gguf'),
  });
  const first = (await run.result).adapterPath!;
  // node-llama-cpp keys adapters by path: copies are separate adapters.
  const adapters = [first, ...[1, 2, 3, 4].map((i) => join(dir, `a${i}.gguf`))];
  for (const p of adapters.slice(1)) copyFileSync(first, p);

  const ask = (adapterPath: string) => chat({ modelPath, adapterPath, messages: [{ role: 'user', content: 'q1?' }], maxTokens: 4, temperature: 0 });
  const model = await loadModel(modelPath);
  for (const a of adapters) {
    const r = await ask(a);
    assert.ok(r.completionTokens > 0);
    assert.ok(loadedAdapters(model).length <= 2, `at most 2 adapters stay loaded (${loadedAdapters(model).length})`);
  }
  assert.deepEqual(loadedAdapters(model).sort(), [resolve(adapters[3]!), resolve(adapters[4]!)].sort(), 'the two most recently used are kept');
  const again = await ask(adapters[0]!);
  assert.ok(again.completionTokens > 0, 'an evicted adapter loads again');
  assert.ok(loadedAdapters(model).includes(resolve(adapters[0]!)));
  assert.ok(!loadedAdapters(model).includes(resolve(adapters[3]!)), 'and the least recently used one made room');
});
