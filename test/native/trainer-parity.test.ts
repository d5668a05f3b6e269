import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QUANTIZABLE } from '../../electron/core/models/gguf/quant.js';
import { ensureModel, TINY, type Architecture, type TinyModelConfig } from '../fixtures/models/generate.js';
import type { QuantizableType } from '../../electron/core/models/gguf/quant.js';
import { loadModel, mean, tokenNll } from './helpers/llama.js';
import { lmRow, nativeTrainer } from './helpers/native.js';

const TEXT = 'hello world, the capital of france is paris! what is the color of the sun? yes, thank you.';

/** Architectures and graph features, each checked against node-llama-cpp on its own model file. */
const VARIANTS: { label: string; cfg: Partial<TinyModelConfig> & { arch: Architecture }; types: readonly QuantizableType[] }[] = [
  { label: 'llama', cfg: { arch: 'llama' }, types: QUANTIZABLE },
  { label: 'qwen2 (qkv bias, NeoX rope, tied embeddings)', cfg: { arch: 'qwen2' }, types: QUANTIZABLE },
  { label: 'qwen3 (q/k norm, head size 96 != n_embd/n_head)', cfg: { arch: 'qwen3', headDim: 96 }, types: QUANTIZABLE },
  { label: 'llama with Llama-3.1 rope_freqs', cfg: { arch: 'llama', ropeFreqs: true }, types: ['F32', 'Q4_K'] },
  { label: 'llama with linear rope scaling x2', cfg: { arch: 'llama', ropeScaleLinear: 2 }, types: ['F32'] },
];

for (const { label, cfg, types } of VARIANTS) {
  test(`trainer forward loss equals node-llama-cpp's on the same tokens: ${label}, base ${types.join('/')}`, async () => {
    const { addon, backendsDir } = nativeTrainer();
    const report: string[] = [];
    for (const baseType of types) {
      const path = ensureModel({ ...TINY, ...cfg, baseType });
      const model = await loadModel(path);
      const tokens = [model.tokens.bos!, ...model.tokenize(TEXT)];
      const reference = mean(await tokenNll(path, tokens, { exact: true }));
      const trainer = new addon.Trainer(path, { threads: 2 }, backendsDir);
      try {
        const row = lmRow(tokens);
        const r = trainer.evalRow(row.tokens, row.labels, row.segments);
        assert.equal(r.count, tokens.length - 1);
        const ours = r.sumNll / r.count;
        report.push(`${baseType} ref=${reference.toFixed(6)} ours=${ours.toFixed(6)} diff=${(ours - reference).toExponential(2)}`);
        assert.ok(Math.abs(ours - reference) < 1e-3, `${label}/${baseType}: trainer ${ours} vs node-llama-cpp ${reference}`);
      } finally {
        trainer.free();
      }
    }
    console.log(`parity ${label}:\n  ${report.join('\n  ')}`);
  });
}

test('packing: two examples in one row score exactly as they do alone (no attention across segments, positions restart)', async () => {
  const { addon, backendsDir } = nativeTrainer();
  const path = ensureModel({ ...TINY, arch: 'qwen2', baseType: 'F32' });
  const model = await loadModel(path);
  const a = [model.tokens.bos!, ...model.tokenize('the red cat')];
  const b = [model.tokens.bos!, ...model.tokenize('a big blue dog is fast')];
  const trainer = new addon.Trainer(path, { threads: 2 }, backendsDir);
  try {
    const ra = lmRow(a), rb = lmRow(b);
    const alone = trainer.evalRow(ra.tokens, ra.labels, ra.segments).sumNll + trainer.evalRow(rb.tokens, rb.labels, rb.segments).sumNll;
    const packed = trainer.evalRow(
      Int32Array.from([...a, ...b]),
      Int32Array.from([...ra.labels, ...rb.labels]),
      Int32Array.from([...a.map(() => 0), ...b.map(() => 1)]),
    );
    assert.equal(packed.count, a.length - 1 + b.length - 1);
    assert.ok(Math.abs(packed.sumNll - alone) < 1e-3, `packed ${packed.sumNll} vs alone ${alone}`);
  } finally {
    trainer.free();
  }
});
