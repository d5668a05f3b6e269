/**
 * Gradient influence end to end: training writes TracIn sketches next to the adapter, and
 * scoreInfluence / openInfluenceScorer rank the training examples for an answer. Real trainer in
 * its child process, real node-llama-cpp tokenization, generated tiny model.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveChatWrapper } from 'node-llama-cpp';
import {
  openInfluenceScorer, packRows, readInfluenceFile, readInfluenceHeader, scoreInfluence, startTraining, tokenizeExample,
  type TrainingExample, type TrainingOptionsInput, type TrainingProgress,
} from '../../electron/core/training/index.js';
import { ensureModel, TINY } from '../fixtures/models/generate.js';
import { nativeTrainer } from './helpers/native.js';
import { loadModel } from './helpers/llama.js';

const dir = mkdtempSync(join(tmpdir(), 'datanet-influence-'));
let fileNo = 0;
const fresh = (name: string) => join(dir, `${fileNo++}-${name}`);

const SUBJECTS = ['sun', 'moon', 'water', 'fire', 'earth', 'king', 'queen', 'cat', 'dog', 'book', 'city', 'school', 'model', 'data', 'world', 'man', 'woman', 'boy', 'girl', 'air'];
const ANSWERS = [
  'it is hot and bright', 'the night light in the sky', 'we drink it every day', 'it burns wood', 'our home planet',
  'he rules the land', 'she sits on the throne', 'a small animal that says meow', 'a friend that barks', 'pages of words',
  'many people live there', 'children learn there', 'a map of the data', 'numbers and words', 'all of us live in it',
  'an adult person', 'an adult lady', 'a young man', 'a young lady', 'we breathe it',
];
/** Twenty examples with different answers, so each one's gradient is its own. */
const EXAMPLES: TrainingExample[] = SUBJECTS.map((s, i) => ({ kind: 'instruction', instruction: `tell me about the ${s}`, response: ANSWERS[i]! }));

function options(modelPath: string, extra: Partial<TrainingOptionsInput> = {}): TrainingOptionsInput {
  return {
    modelPath, examples: EXAMPLES, evalExamples: [EXAMPLES[0]!], rank: 4, alpha: 8, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'],
    learningRate: 5e-3, epochs: 3, gradAccum: 2, seqLen: 64, seed: 3, threads: 1, pack: true,
    adapterPath: fresh('adapter.gguf'), influence: { checkpoints: 3, dim: 512, seed: 17 }, ...extra,
  };
}

const modelPath = () => ensureModel({ ...TINY, arch: 'llama', baseType: 'F32' });

let trained: Promise<{ opts: TrainingOptionsInput; influencePath: string; progress: TrainingProgress[] }> | undefined;
/** One influence-enabled training run shared by the tests that only read its files. */
function trainedOnce() {
  trained ??= (async () => {
    nativeTrainer();
    const opts = options(modelPath());
    const progress: TrainingProgress[] = [];
    const r = await (await startTraining(opts, (p) => progress.push(p))).result;
    assert.equal(r.status, 'finished');
    assert.ok(r.influencePath);
    return { opts, influencePath: r.influencePath, progress };
  })();
  return trained;
}

test('training writes TracIn sketches next to the adapter, reports the sketch phase, and leaves the adapter unchanged', async () => {
  const { opts, influencePath, progress } = await trainedOnce();
  assert.equal(influencePath, `${opts.adapterPath}.influence`);
  const h = readInfluenceHeader(influencePath);
  assert.equal(h.examples, EXAMPLES.length);
  assert.equal(h.dim, 512);
  assert.equal(h.seed, 17);
  assert.deepEqual(h.heldOut, []);
  assert.equal(h.totalSteps, 30);
  assert.deepEqual(h.checkpoints.map((c) => c.step), [10, 20, 30]);
  // Cosine schedule: the later checkpoints stand for steps with smaller learning rates.
  assert.ok(h.checkpoints[0]!.weight > h.checkpoints[1]!.weight && h.checkpoints[1]!.weight > h.checkpoints[2]!.weight);
  assert.ok(Math.abs(h.checkpoints[0]!.weight - 10 * h.checkpoints[0]!.learningRate) < 1e-9);
  const data = readInfluenceFile(influencePath);
  for (const s of data.sketches) assert.ok(s.some((x) => x !== 0));
  // The parameters change between checkpoints (they are the ones each sketch was taken at).
  assert.notDeepEqual(data.params[0]![0], data.params[2]![0]);

  const sketchPhase = progress.filter((p) => p.phase === 'influence');
  assert.deepEqual([...new Set(sketchPhase.map((p) => p.influence!.checkpoint))], [1, 2, 3]);
  for (const c of [1, 2, 3]) assert.ok(sketchPhase.some((p) => p.influence!.checkpoint === c && p.influence!.done === EXAMPLES.length));
  const trainSteps = progress.filter((p) => p.phase === 'train').map((p) => p.step);
  assert.deepEqual(trainSteps, Array.from({ length: 30 }, (_, i) => i + 1));

  // Same options, influence on again: the file is identical byte for byte (determinism). Off: the
  // adapter is identical to the one trained with sketching (sketches never touch training state).
  const again = await (await startTraining({ ...opts, adapterPath: fresh('again.gguf') })).result;
  assert.deepEqual(readFileSync(again.influencePath!), readFileSync(influencePath));
  const plain = await (await startTraining({ ...opts, adapterPath: fresh('plain.gguf'), influence: undefined })).result;
  assert.equal(plain.influencePath, null);
  assert.equal(existsSync(`${plain.adapterPath}.influence`), false);
  assert.deepEqual(readFileSync(plain.adapterPath!), readFileSync(opts.adapterPath));
});

test('an answer equal to a training example ranks that example first', async () => {
  const { influencePath } = await trainedOnce();
  const scorer = await openInfluenceScorer({ modelPath: modelPath(), influencePath, threads: 1 });
  try {
    const firsts: number[] = [];
    for (let j = 0; j < EXAMPLES.length; j++) {
      const r = await scorer.score(EXAMPLES[j]!);
      assert.equal(r.scores.length, EXAMPLES.length);
      assert.ok(Number.isFinite(r.queryLoss));
      firsts.push(r.scores.indexOf(Math.max(...r.scores)));
    }
    console.log(`top-1 per query: ${firsts.join(' ')}`);
    assert.deepEqual(firsts, EXAMPLES.map((_, j) => j));
  } finally {
    await scorer.close();
  }
  // The one-shot form gives the same scores as the scorer.
  const one = await scoreInfluence({ modelPath: modelPath(), influencePath, query: EXAMPLES[4]!, threads: 1 });
  assert.equal(one.scores.indexOf(Math.max(...one.scores)), 4);
});

test('scores equal exact TracIn (full LoRA gradients at the stored checkpoints) within the sketch error', async () => {
  const { influencePath } = await trainedOnce();
  const query: TrainingExample = { kind: 'instruction', instruction: 'tell me about the cat', response: 'a small animal that barks' };
  const s = await scoreInfluence({ modelPath: modelPath(), influencePath, query, threads: 1 });
  // Exact TracIn in this process: the same rows, the checkpoint parameters from the file, full gradients.
  const { addon, backendsDir } = nativeTrainer();
  const data = readInfluenceFile(influencePath);
  const vocab = await loadModel(modelPath());
  const wrapper = resolveChatWrapper(vocab);
  const rowOf = (ex: TrainingExample) => packRows([tokenizeExample(vocab, wrapper, ex)], 64, false)[0]!;
  const t = new addon.Trainer(modelPath(), { rank: 4, alpha: 8, targets: 0x7f, threads: 1 }, backendsDir);
  try {
    for (const ex of [...EXAMPLES, query]) { const r = rowOf(ex); t.addRow(0, r.tokens, r.labels, r.segments); }
    const exact = new Array<number>(EXAMPLES.length).fill(0);
    const bound = new Array<number>(EXAMPLES.length).fill(0);
    data.header.checkpoints.forEach((c, ci) => {
      data.params[ci]!.forEach((p, i) => t.setParam(i, p));
      const grad = (row: number) => { t.computeGrad(row); return t.params().flatMap((_, i) => Array.from(t.getGrad(i))); };
      const gq = grad(EXAMPLES.length);
      const nq = Math.hypot(...gq);
      EXAMPLES.forEach((_, i) => {
        const gi = grad(i);
        exact[i]! += c.weight * gi.reduce((a, x, k) => a + x * gq[k]!, 0);
        // CountSketch sd of one inner product ≤ |x||y| sqrt(2 / dim): allow 4 sd per checkpoint.
        bound[i]! += 4 * c.weight * nq * Math.hypot(...gi) * Math.sqrt(2 / data.header.dim);
      });
    });
    const worst = Math.max(...exact.map((e, i) => Math.abs(s.scores[i]! - e) / bound[i]!));
    const spread = Math.max(...exact) - Math.min(...exact);
    console.log(`sketched vs exact TracIn: worst error ${worst.toFixed(3)} of the 4-sd bound; scores span ${spread.toExponential(2)}, bound ~${(bound.reduce((a, b) => a + b, 0) / bound.length).toExponential(2)}`);
    exact.forEach((e, i) => assert.ok(Math.abs(s.scores[i]! - e) <= bound[i]!, `example ${i}: sketched ${s.scores[i]} vs exact ${e} (bound ${bound[i]})`));
    assert.equal(s.scores.indexOf(Math.max(...s.scores)), exact.indexOf(Math.max(...exact)), 'same most influential example');
  } finally {
    t.free();
  }
});

test('held-out examples are listed and score zero', async () => {
  nativeTrainer();
  const r = await (await startTraining(options(modelPath(), { evalExamples: undefined, evalFraction: 0.2, epochs: 1 }))).result;
  const h = readInfluenceHeader(r.influencePath!);
  assert.equal(h.heldOut.length, 4);
  const s = await scoreInfluence({ modelPath: modelPath(), influencePath: r.influencePath!, query: EXAMPLES[h.heldOut[0]!]!, threads: 1 });
  for (const i of h.heldOut) assert.equal(s.scores[i], 0);
  assert.deepEqual(s.heldOut, h.heldOut);
  assert.ok(s.scores.some((x) => x !== 0));
});

test('a damaged or foreign influence file is refused with an error naming it', async () => {
  const { influencePath } = await trainedOnce();
  const bytes = readFileSync(influencePath);
  const flipped = fresh('flipped.influence');
  const b = Buffer.from(bytes);
  b[b.length - 5]! ^= 0xff;
  writeFileSync(flipped, b);
  assert.throws(() => readInfluenceFile(flipped), (e: Error) => e.message.includes(flipped) && /checksum/.test(e.message));
  await assert.rejects(scoreInfluence({ modelPath: modelPath(), influencePath: flipped, query: EXAMPLES[0]!, threads: 1 }),
    (e: Error & { code?: string }) => e.code === 'BAD_INPUT' && e.message.includes(flipped));

  const truncated = fresh('truncated.influence');
  writeFileSync(truncated, bytes.subarray(0, bytes.length - 100));
  assert.throws(() => readInfluenceFile(truncated), (e: Error) => e.message.includes(truncated) && /bytes where the header implies/.test(e.message));
  const foreign = fresh('foreign.influence');
  writeFileSync(foreign, 'GGUF not an influence file');
  await assert.rejects(scoreInfluence({ modelPath: modelPath(), influencePath: foreign, query: EXAMPLES[0]!, threads: 1 }),
    (e: Error) => e.message.includes(foreign) && /magic/.test(e.message));
  assert.throws(() => readInfluenceHeader(fresh('missing.influence')), /cannot read the influence file/);
  // Another base model (other LoRA shapes) is refused by the child before scoring anything.
  const other = ensureModel({ ...TINY, nFf: 384, arch: 'llama', baseType: 'F32' });
  await assert.rejects(scoreInfluence({ modelPath: other, influencePath, query: EXAMPLES[0]!, threads: 1 }), /LoRA tensors do not match/);
});

test('cancelling during the sketch phase stops the run and writes neither adapter nor influence file', async () => {
  nativeTrainer();
  const ac = new AbortController();
  const opts = options(modelPath(), { adapterPath: join(mkdtempSync(join(dir, 'cancel-')), 'adapter.gguf') });
  let abortedDuring: TrainingProgress | undefined;
  const run = await startTraining(opts, (p) => {
    if (p.phase === 'influence' && !abortedDuring) { abortedDuring = p; ac.abort(); }
  }, ac.signal);
  const r = await run.result;
  assert.equal(r.status, 'cancelled');
  assert.equal(r.influencePath, null);
  assert.ok(abortedDuring && r.steps === abortedDuring.step, `stopped at step ${r.steps}, sketching after step ${abortedDuring?.step}`);
  assert.deepEqual(readdirSync(join(opts.adapterPath, '..')), [], 'no adapter, influence or temp file');
});
