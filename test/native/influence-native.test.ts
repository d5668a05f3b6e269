/**
 * The native side of gradient influence: per-example gradient sketches (CountSketch of the LoRA
 * gradient) and pausing training at a given step. Real trainer on a generated tiny model.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ensureModel, TINY } from '../fixtures/models/generate.js';
import type { NativeTrainer } from '../../electron/core/training/addon.js';
import { loadModel } from './helpers/llama.js';
import { lmRow, nativeTrainer } from './helpers/native.js';

const TEXTS = [
  'the capital of france is paris and the capital of italy is rome',
  'a cat sat on the mat and the dog slept by the fire',
  'water boils at one hundred degrees at the level of the sea',
  'the king and the queen walked to the city school',
  'my book is about the moon the sun and the world',
  'the girl and the boy read the data of the model',
];

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

async function setup(params: Record<string, number> = {}) {
  const { addon, backendsDir } = nativeTrainer();
  const path = ensureModel({ ...TINY, arch: 'llama', baseType: 'F32' });
  const model = await loadModel(path);
  const rows = TEXTS.map((t) => lmRow([model.tokens.bos!, ...model.tokenize(t)]));
  const make = (extra: Record<string, number> = {}) => {
    const t = new addon.Trainer(path, { threads: 1, rank: 4, alpha: 8, targets: 0x7f, ...params, ...extra }, backendsDir);
    // B starts at zero, which makes every A gradient zero: give B values so both halves are sketched.
    const r = rng(3);
    t.params().forEach((p, i) => {
      if (p.name.endsWith('.lora_b')) t.setParam(i, Float32Array.from({ length: p.size }, () => r() * 0.05));
    });
    for (const row of rows) t.addRow(0, row.tokens, row.labels, row.segments);
    return t;
  };
  return { make, rows };
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

function fullGradient(t: NativeTrainer, row: number): Float64Array {
  t.computeGrad(row);
  const parts = t.params().map((_, i) => t.getGrad(i));
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

test('sketch inner products estimate true gradient inner products within the CountSketch error bound', async () => {
  const { make, rows } = await setup();
  const t = make();
  try {
    const grads = rows.map((_, i) => fullGradient(t, i));
    const errors = (dim: number) => {
      const sk = rows.map((r) => t.gradSketch(r.tokens, r.labels, r.segments, dim, 11).sketch);
      const out: number[] = [];
      for (let i = 0; i < rows.length; i++) {
        for (let j = i; j < rows.length; j++) {
          const norm = Math.sqrt(dot(grads[i]!, grads[i]!) * dot(grads[j]!, grads[j]!));
          const cos = dot(grads[i]!, grads[j]!) / norm;
          // CountSketch: E<Sx,Sy> = <x,y>, sd ≈ |x||y| sqrt((1 + cos²) / dim). Normalise the error by it.
          const sd = Math.sqrt((1 + cos * cos) / dim);
          out.push((dot(sk[i]!, sk[j]!) / norm - cos) / sd);
        }
      }
      return out;
    };
    for (const dim of [256, 2048]) {
      const z = errors(dim);
      const meanSq = z.reduce((s, x) => s + x * x, 0) / z.length;
      console.log(`dim ${dim}: normalised errors (in predicted sd) max ${Math.max(...z.map(Math.abs)).toFixed(2)}, mean square ${meanSq.toFixed(2)}`);
      // 21 pairs: each within 4.5 predicted sd, and their mean square near 1 (it is 1 in expectation).
      for (const x of z) assert.ok(Math.abs(x) < 4.5, `dim ${dim}: error of ${x.toFixed(2)} sd`);
      assert.ok(meanSq > 0.1 && meanSq < 3, `dim ${dim}: mean square normalised error ${meanSq}`);
    }
    // A projection that threw the gradient away would also "pass" a loose bound: the exact self
    // similarity must be recovered to within a few percent at a large dimension.
    const big = t.gradSketch(rows[0]!.tokens, rows[0]!.labels, rows[0]!.segments, 16384, 5).sketch;
    const rel = dot(big, big) / dot(grads[0]!, grads[0]!);
    assert.ok(Math.abs(rel - 1) < 0.05, `|Sg|²/|g|² = ${rel}`);
  } finally {
    t.free();
  }
});

test('sketches are deterministic, seed-dependent, dropout-free, and leave no gradient behind', async () => {
  const { make, rows } = await setup();
  const plain = make();
  const withDropout = make({ dropout: 0.5 });
  try {
    const r = rows[2]!;
    const a = plain.gradSketch(r.tokens, r.labels, r.segments, 128, 7);
    const b = plain.gradSketch(r.tokens, r.labels, r.segments, 128, 7);
    assert.deepEqual(a.sketch, b.sketch);
    assert.notDeepEqual(plain.gradSketch(r.tokens, r.labels, r.segments, 128, 8).sketch, a.sketch);
    const ev = plain.evalRow(r.tokens, r.labels, r.segments);
    assert.ok(Math.abs(a.loss - ev.sumNll / ev.count) < 1e-5, `sketch loss ${a.loss} vs eval ${ev.sumNll / ev.count}`);
    // Influence gradients are those of the model as it predicts: no dropout even when training uses it.
    assert.deepEqual(withDropout.gradSketch(r.tokens, r.labels, r.segments, 128, 7).sketch, a.sketch);
    for (let i = 0; i < plain.params().length; i++) assert.ok(plain.getGrad(i).every((x) => x === 0), 'accumulators zeroed');
    assert.throws(() => plain.gradSketch(r.tokens, new Int32Array(r.tokens.length).fill(-1), r.segments, 128, 7), /no labelled tokens/);
    assert.throws(() => plain.gradSketch(r.tokens, r.labels, r.segments, 0, 7), /sketch dimension/);
  } finally {
    plain.free();
    withDropout.free();
  }
});

test('training paused at a step and continued ends where an uninterrupted run ends; learningRateAt is the schedule', async () => {
  const { make } = await setup();
  const params = { learningRate: 5e-3, warmupSteps: 2, epochs: 3, gradAccum: 2, seed: 9 };
  const whole = make(params);
  const paused = make(params);
  try {
    const lrs: number[] = [];
    await whole.train((p) => lrs.push(p.learningRate));
    const total = whole.steps().total;
    assert.equal(total, 9);
    lrs.forEach((lr, i) => assert.ok(Math.abs(lr - whole.learningRateAt(i)) < 1e-9, `step ${i}: ${lr} vs ${whole.learningRateAt(i)}`));
    const seen: number[] = [];
    for (const stop of [2, 5]) {
      const o = await paused.train((p) => seen.push(p.step), undefined, stop);
      assert.equal(o.status, 'finished');
      assert.equal(paused.steps().current, stop);
    }
    await paused.train((p) => seen.push(p.step));
    assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    whole.params().forEach((_, i) => assert.deepEqual(paused.getParam(i), whole.getParam(i)));
  } finally {
    whole.free();
    paused.free();
  }
});
