import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ensureModel, TINY, type Architecture } from '../fixtures/models/generate.js';
import type { NativeTrainer } from '../../electron/core/training/addon.js';
import type { QuantizableType } from '../../electron/core/models/gguf/quant.js';
import { loadModel } from './helpers/llama.js';
import { lmRow, nativeTrainer } from './helpers/native.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

async function makeTrainer(arch: Architecture, params: Record<string, number>, baseType: QuantizableType = 'F32') {
  const { addon, backendsDir } = nativeTrainer();
  const path = ensureModel({ ...TINY, arch, baseType, ...(arch === 'qwen3' ? { headDim: 96 } : {}) });
  const model = await loadModel(path);
  const t = new addon.Trainer(path, { threads: 2, rank: 4, alpha: 8, targets: 0x7f, ...params }, backendsDir);
  const tokens = [model.tokens.bos!, ...model.tokenize('the capital of france is paris and the capital of italy is rome')];
  return { t, row: lmRow(tokens) };
}

const rowLoss = (t: NativeTrainer, row: ReturnType<typeof lmRow>) => {
  const r = t.evalRow(row.tokens, row.labels, row.segments);
  return r.sumNll / r.count;
};

// Finite differences need a smooth forward: with F32 weights it is. (With quantized or F16 weights the
// CPU matmul rounds activations to 8 or 16 bits, so the loss is piecewise constant at small scales;
// those bases are checked against ggml's own backward below instead.)
// The loss is computed over vocabulary chunks (one at this vocabulary by default); the last case
// splits it into 11 chunks of 64 rows, through tied embeddings.
for (const [arch, lossParams, label] of [['llama', {}, ''], ['qwen2', {}, ''], ['qwen3', {}, ''], ['qwen2', { lossChunk: 64 }, ', loss in 11 vocabulary chunks']] as [Architecture, Record<string, number>, string][]) {
  test(`LoRA gradients match central finite differences (${arch} F32, all seven targets${label})`, async () => {
    const { t, row } = await makeTrainer(arch, lossParams);
    try {
      // B starts at zero, which would make every A gradient zero; give B values so both are tested.
      const params = t.params();
      const r = rng(3);
      params.forEach((p, i) => {
        if (p.name.endsWith('.lora_b')) t.setParam(i, Float32Array.from({ length: p.size }, () => r() * 0.05));
      });
      t.addRow(0, row.tokens, row.labels, row.segments);
      const loss = t.computeGrad(0);
      assert.ok(Math.abs(loss - rowLoss(t, row)) < 1e-5, 'training forward equals evaluation forward');
      const theta = params.map((_, i) => t.getParam(i));
      const grads = params.map((_, i) => t.getGrad(i));
      const gradNorm2 = grads.reduce((s, g) => s + g.reduce((a, x) => a + x * x, 0), 0);
      assert.ok(gradNorm2 > 0, 'gradient is not zero');

      const shifted = (dir: Float32Array[], eps: number) => {
        params.forEach((_, i) => t.setParam(i, theta[i]!.map((x, j) => x + eps * dir[i]![j]!)));
        const l = rowLoss(t, row);
        params.forEach((_, i) => t.setParam(i, theta[i]!));
        return l;
      };
      // Directional derivatives: along the gradient itself (largest signal), and along a random
      // direction restricted to the A matrices and one restricted to the B matrices.
      const norm = Math.sqrt(gradNorm2);
      const dirs: [string, Float32Array[]][] = [
        ['gradient', grads.map((g) => g.map((x) => x / norm))],
        ['random A', params.map((p, i) => (p.name.endsWith('.lora_a') ? theta[i]!.map(() => r()) : new Float32Array(p.size)))],
        ['random B', params.map((p, i) => (p.name.endsWith('.lora_b') ? theta[i]!.map(() => r()) : new Float32Array(p.size)))],
      ];
      for (const [label, d] of dirs) {
        const dn = Math.sqrt(d.reduce((s, v) => s + v.reduce((a, x) => a + x * x, 0), 0));
        const unit = d.map((v) => v.map((x) => x / dn));
        const analytic = unit.reduce((s, v, i) => s + v.reduce((a, x, j) => a + x * grads[i]![j]!, 0), 0);
        const eps = 1e-2;
        const numeric = (shifted(unit, eps) - shifted(unit, -eps)) / (2 * eps);
        const rel = Math.abs(numeric - analytic) / Math.max(1e-3, Math.abs(analytic));
        assert.ok(rel < 0.03, `${arch} ${label}: analytic ${analytic} vs finite difference ${numeric} (rel ${rel})`);
      }
      // Computing the gradient again gives the same values: nothing is left in the accumulators.
      t.computeGrad(0);
      params.forEach((_, i) => assert.deepEqual(t.getGrad(i), grads[i]));
    } finally {
      t.free();
    }
  });
}

test('gradients do not leak between optimizer steps (ggml-opt accumulator trap)', async () => {
  // A learning rate so small the weights do not move: every step then sees the same gradient.
  // If accumulators were not zeroed after each step, step k's gradient norm would be k times the first.
  const { t, row } = await makeTrainer('llama', { learningRate: 1e-12, minLrRatio: 1, epochs: 6, gradAccum: 2, seed: 5 });
  try {
    const p = t.params().findIndex((x) => x.name.endsWith('.lora_b'));
    const r = rng(9);
    t.setParam(p, Float32Array.from({ length: t.params()[p]!.size }, () => r() * 0.05));
    t.addRow(0, row.tokens, row.labels, row.segments);
    t.addRow(0, row.tokens, row.labels, row.segments);
    const norms: number[] = [];
    const outcome = await t.train((pr) => norms.push(pr.gradNorm));
    assert.equal(outcome.status, 'finished');
    assert.equal(norms.length, 6);
    for (const n of norms) assert.ok(Math.abs(n - norms[0]!) / norms[0]! < 1e-3, `grad norms per step: ${norms.join(', ')}`);
  } finally {
    t.free();
  }
});

test('LoRA dropout changes training gradients reproducibly and never touches evaluation', async () => {
  const plain = await makeTrainer('llama', {});
  const dropped = await makeTrainer('llama', { dropout: 0.5 });
  try {
    for (const { t, row } of [plain, dropped]) {
      const r = rng(3);
      t.params().forEach((p, i) => {
        if (p.name.endsWith('.lora_b')) t.setParam(i, Float32Array.from({ length: p.size }, () => r() * 0.05));
      });
      t.addRow(0, row.tokens, row.labels, row.segments);
    }
    assert.equal(rowLoss(dropped.t, dropped.row), rowLoss(plain.t, plain.row), 'evaluation has no dropout');
    const gradsOf = (t: NativeTrainer) => t.params().map((_, i) => t.getGrad(i));
    plain.t.computeGrad(0);
    dropped.t.computeGrad(0);
    const g0 = gradsOf(plain.t);
    const g1 = gradsOf(dropped.t);
    const diff = g0.reduce((s, g, i) => s + g.reduce((a, x, j) => a + Math.abs(x - g1[i]![j]!), 0), 0);
    assert.ok(diff > 1e-3, `dropout changed the gradient (L1 difference ${diff})`);
    dropped.t.computeGrad(0);
    gradsOf(dropped.t).forEach((g, i) => assert.deepEqual(g, g1[i]), 'same step and micro-batch draw the same masks');
  } finally {
    plain.t.free();
    dropped.t.free();
  }
});

for (const [arch, baseType] of [['llama', 'Q4_K'], ['qwen2', 'Q4_0'], ['qwen3', 'Q8_0'], ['llama', 'F16']] as [Architecture, QuantizableType][]) {
  // 1 is the CPU's dequantize-once kernel; 2 is the GPU path's graph (each frozen weight copied to F32
  // by get_rows just before its out_prod), run here on the CPU.
  test(`QLoRA: the CPU kernel and the GPU path's F32 copies through frozen ${baseType} weights equal ggml's out_prod backward (${arch})`, async () => {
    const grads: Float32Array[][] = [];
    for (const fastFrozenBackward of [0, 1, 2] as const) {
      const { t, row } = await makeTrainer(arch, { fastFrozenBackward }, baseType);
      try {
        const r = rng(11);
        t.params().forEach((p, i) => {
          if (p.name.endsWith('.lora_b')) t.setParam(i, Float32Array.from({ length: p.size }, () => r() * 0.05));
        });
        t.addRow(0, row.tokens, row.labels, row.segments);
        t.computeGrad(0);
        grads.push(t.params().map((_, i) => t.getGrad(i)));
      } finally {
        t.free();
      }
    }
    const [ref, ...others] = grads as [Float32Array[], Float32Array[], Float32Array[]];
    others.forEach((other, k) => {
      let num = 0, den = 0;
      ref.forEach((g, i) => g.forEach((x, j) => { num += (x - other[i]![j]!) ** 2; den += x * x; }));
      const rel = Math.sqrt(num / den);
      assert.ok(den > 0 && rel < 1e-4, `mode ${k + 1}: relative difference ${rel}`);
    });
  });
}
