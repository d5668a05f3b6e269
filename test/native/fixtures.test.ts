import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readGguf } from '../../electron/core/models/gguf/index.js';
import { ensureModel, TINY, type Architecture } from '../fixtures/models/generate.js';
import { QUANTIZABLE } from '../../electron/core/models/gguf/quant.js';
import { loadModel, tokenNll, mean } from './helpers/llama.js';

const ARCHS: Architecture[] = ['llama', 'qwen2', 'qwen3'];

test('generated tiny models load in node-llama-cpp and evaluate tokens, for each architecture and base type', async () => {
  for (const arch of ARCHS) {
    for (const baseType of QUANTIZABLE) {
      const path = ensureModel({ ...TINY, arch, baseType });
      const f = readGguf(path);
      assert.equal(f.metadata.get('general.architecture')?.value, arch);
      assert.equal(f.tensors.some((t) => t.name === 'output.weight'), arch === 'llama', `${arch}: output.weight present only when untied`);
      const model = await loadModel(path);
      const text = 'hello world, the capital of france is paris! ÿ€';
      const tokens = model.tokenize(text);
      assert.equal(model.detokenize(tokens), text, `${arch}/${baseType}: tokenizer round trip (byte fallback)`);
      assert.ok(tokens.length < text.length, `${arch}/${baseType}: word pieces merge (${tokens.length} tokens)`);
      const nll = await tokenNll(path, [model.tokens.bos!, ...tokens]);
      assert.equal(nll.length, tokens.length);
      for (const v of nll) assert.ok(Number.isFinite(v) && v > 0, `${arch}/${baseType}: finite NLL ${v}`);
      // Random weights should give sharp, varied predictions, not a uniform distribution.
      const spread = Math.max(...nll) - Math.min(...nll);
      assert.ok(spread > 1, `${arch}/${baseType}: NLL spread ${spread} (mean ${mean(nll)})`);
    }
  }
});
