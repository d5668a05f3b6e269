import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QUANTIZABLE } from '../../electron/core/models/gguf/quant.js';
import { ensureModel, TINY, type Architecture } from '../fixtures/models/generate.js';
import { loadModel, mean, tokenNll } from './helpers/llama.js';
import { lmRow, nativeTrainer } from './helpers/native.js';

const TEXT = 'hello world, the capital of france is paris! what is the color of the sun? yes, thank you.';

for (const arch of ['llama', 'qwen2'] as Architecture[]) {
  test(`trainer forward loss equals node-llama-cpp's on the same tokens (${arch}, every base type)`, async () => {
    const { addon, backendsDir } = nativeTrainer();
    const report: string[] = [];
    for (const baseType of QUANTIZABLE) {
      const path = ensureModel({ ...TINY, arch, baseType });
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
        assert.ok(Math.abs(ours - reference) < 1e-3, `${arch}/${baseType}: trainer ${ours} vs node-llama-cpp ${reference}`);
      } finally {
        trainer.free();
      }
    }
    console.log(`parity ${arch}:\n  ${report.join('\n  ')}`);
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
