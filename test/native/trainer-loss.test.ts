import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ensureModel, TINY, type Architecture } from '../fixtures/models/generate.js';
import type { NativeTrainer } from '../../electron/core/training/addon.js';
import type { QuantizableType } from '../../electron/core/models/gguf/quant.js';
import { loadModel } from './helpers/llama.js';
import { lmRow, nativeTrainer } from './helpers/native.js';
import { vocabularyPadding } from './helpers/vocab.js';

// lossChunk: -1 is ggml's own dense cross-entropy over a one-hot [n_vocab × labelled] label matrix
// (the reference); 0 the automatic chunk size (one chunk at this vocabulary); 64 splits the tiny
// models' 702-token vocabulary into 11 chunks, the last one partial.
const DENSE = -1, AUTO = 0, SMALL = 64;

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

const TEXT = 'the capital of france is paris and the capital of italy is rome. what is the color of the sun? yes, thank you.';

async function trainerFor(arch: Architecture, baseType: QuantizableType, lossChunk: number, extra: Record<string, number> = {}) {
  const { addon, backendsDir } = nativeTrainer();
  const path = ensureModel({ ...TINY, arch, baseType, ...(arch === 'qwen3' ? { headDim: 96 } : {}) });
  const model = await loadModel(path);
  const t = new addon.Trainer(path, { threads: 2, rank: 4, alpha: 8, targets: 0x7f, lossChunk, ...extra }, backendsDir);
  const r = rng(7);
  t.params().forEach((p, i) => {
    if (p.name.endsWith('.lora_b')) t.setParam(i, Float32Array.from({ length: p.size }, () => r() * 0.05));
  });
  return { t, tokens: [model.tokens.bos!, ...model.tokenize(TEXT)] };
}

const gradsOf = (t: NativeTrainer) => t.params().map((_, i) => t.getGrad(i));

for (const [arch, baseType] of [['llama', 'F32'], ['qwen2', 'Q4_0'], ['qwen3', 'Q8_0'], ['llama', 'Q4_K']] as [Architecture, QuantizableType][]) {
  test(`chunked cross-entropy equals ggml's dense one: loss, evaluation and LoRA gradients (${arch} ${baseType})`, async () => {
    const runs: { chunk: number; loss: number; evalLoss: number; grads: Float32Array[] }[] = [];
    for (const chunk of [DENSE, SMALL, AUTO]) {
      const { t, tokens } = await trainerFor(arch, baseType, chunk);
      try {
        const row = lmRow(tokens);
        t.addRow(0, row.tokens, row.labels, row.segments);
        const loss = t.computeGrad(0);
        const e = t.evalRow(row.tokens, row.labels, row.segments);
        runs.push({ chunk, loss, evalLoss: e.sumNll / e.count, grads: gradsOf(t) });
      } finally {
        t.free();
      }
    }
    const [dense, ...chunked] = runs as [typeof runs[0], ...typeof runs];
    for (const c of chunked) {
      assert.ok(Math.abs(c.loss - dense.loss) < 1e-5, `chunk ${c.chunk}: training loss ${c.loss} vs dense ${dense.loss}`);
      assert.ok(Math.abs(c.evalLoss - dense.evalLoss) < 1e-5, `chunk ${c.chunk}: evaluation loss ${c.evalLoss} vs dense ${dense.evalLoss}`);
      let num = 0, den = 0;
      dense.grads.forEach((g, i) => g.forEach((x, j) => { num += (x - c.grads[i]![j]!) ** 2; den += x * x; }));
      const rel = Math.sqrt(num / den);
      assert.ok(den > 0 && rel < 1e-4, `chunk ${c.chunk}: gradient relative difference ${rel}`);
    }
  });
}

test('the chunked loss never holds vocabulary-sized tensors: compute buffer at a 16,384-token vocabulary', async () => {
  // The dense loss keeps logits, the one-hot labels and their gradient ([n_vocab × labelled] floats
  // each) alive into the backward pass; the chunked one holds two [chunk × labelled] blocks at most.
  const nVocab = 16384;
  const path = ensureModel({ ...TINY, arch: 'llama', baseType: 'F32', extraWords: vocabularyPadding(nVocab) });
  const model = await loadModel(path);
  const text = [model.tokens.bos!, ...model.tokenize(TEXT)];
  const row = lmRow([text[0]!, ...Array.from({ length: 12 }, () => text.slice(1)).flat().slice(0, 255)]);
  const labelled = row.labels.filter((x) => x >= 0).length;
  const { addon, backendsDir } = nativeTrainer();
  const runs: Record<number, { computeBytes: number; evalLoss: number; loss: number }> = {};
  for (const lossChunk of [DENSE, 1024]) {
    const t = new addon.Trainer(path, { threads: 2, rank: 4, alpha: 8, targets: 0x7f, lossChunk }, backendsDir);
    try {
      t.addRow(0, row.tokens, row.labels, row.segments);
      const computeBytes = t.memory().computeBytes;
      const loss = t.computeGrad(0);
      const e = t.evalRow(row.tokens, row.labels, row.segments);
      runs[lossChunk] = { computeBytes, loss, evalLoss: e.sumNll / e.count };
    } finally {
      t.free();
    }
  }
  const dense = runs[DENSE]!, chunked = runs[1024]!;
  const vocabBlock = nVocab * labelled * 4;
  console.log(`compute buffer at ${nVocab} tokens, ${labelled} labelled: dense ${(dense.computeBytes / 2 ** 20).toFixed(1)} MiB, ` +
    `chunked ${(chunked.computeBytes / 2 ** 20).toFixed(1)} MiB; one [n_vocab × labelled] block ${(vocabBlock / 2 ** 20).toFixed(1)} MiB`);
  assert.ok(Math.abs(chunked.loss - dense.loss) < 1e-5 && Math.abs(chunked.evalLoss - dense.evalLoss) < 1e-5, `losses ${JSON.stringify(runs)}`);
  const saved = dense.computeBytes - chunked.computeBytes;
  assert.ok(saved >= 2 * vocabBlock, `chunked saves ${saved} bytes, expected at least two vocabulary blocks (${2 * vocabBlock})`);
});
