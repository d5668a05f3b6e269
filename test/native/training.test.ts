import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveChatWrapper } from 'node-llama-cpp';
import { readGguf, readTensorData, writeGguf } from '../../electron/core/models/gguf/index.js';
import { readAdapterInfo, startTraining, tokenizeExample, type TrainingExample, type TrainingOptionsInput, type TrainingProgress } from '../../electron/core/training/index.js';
import { ensureModel, TINY, type Architecture } from '../fixtures/models/generate.js';
import type { QuantizableType } from '../../electron/core/models/gguf/quant.js';
import { loadModel, tokenNll } from './helpers/llama.js';
import { nativeTrainer } from './helpers/native.js';
import { AppError } from '../../electron/shared/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'datanet-train-'));
let fileNo = 0;
const fresh = (name: string) => join(dir, `${fileNo++}-${name}`);

const THINGS = ['sun', 'moon', 'water', 'fire', 'earth', 'air', 'king', 'queen', 'cat', 'dog', 'book', 'city', 'school', 'model', 'data', 'world', 'man', 'woman', 'boy', 'girl'];
const COLORS = ['red', 'green', 'blue'];
/** A generated instruction datanet: a fixed answer shape, so held-out questions share what is learnt. */
function datanet(): { train: TrainingExample[]; held: TrainingExample[] } {
  const ex = THINGS.map((thing, i): TrainingExample => ({
    kind: 'instruction', instruction: `what is the color of the ${thing}?`, response: `the color of the ${thing} is ${COLORS[i % 3]}.`,
  }));
  return { train: ex.slice(0, 16), held: ex.slice(16) };
}

function options(modelPath: string, extra: Partial<TrainingOptionsInput> = {}): TrainingOptionsInput {
  const { train, held } = datanet();
  return {
    modelPath, examples: train, evalExamples: held, rank: 8, alpha: 16, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'],
    learningRate: 5e-3, warmupSteps: 2, epochs: 4, gradAccum: 2, seqLen: 96, seed: 7, threads: 2,
    adapterPath: fresh('adapter.gguf'), provenance: { snapshotRoot: '0x' + 'ab'.repeat(32) }, ...extra,
  };
}

/** Held-out loss as node-llama-cpp computes it: NLL of each response token, examples scored alone. */
async function heldOutLossInLlamaCpp(modelPath: string, adapterPath?: string): Promise<number> {
  const model = await loadModel(modelPath);
  const wrapper = resolveChatWrapper(model);
  let sum = 0;
  let count = 0;
  for (const ex of datanet().held) {
    const t = tokenizeExample(model, wrapper, ex);
    const nll = await tokenNll(modelPath, t.tokens, { exact: true, ...(adapterPath ? { lora: { filePath: adapterPath } } : {}) });
    for (let i = 0; i + 1 < t.tokens.length; i++) {
      if (t.supervised[i + 1]) { sum += nll[i]!; count++; }
    }
  }
  return sum / count;
}

for (const [arch, baseType] of [['llama', 'F32'], ['qwen2', 'Q4_K']] as [Architecture, QuantizableType][]) {
  test(`training on an instruction datanet lowers held-out loss; the adapter loads in node-llama-cpp with the same loss (${arch} ${baseType})`, async () => {
    nativeTrainer();
    const modelPath = ensureModel({ ...TINY, arch, baseType });
    const progress: TrainingProgress[] = [];
    const run = await startTraining(options(modelPath), (p) => progress.push(p));
    const r = await run.result;
    assert.equal(r.status, 'finished');
    assert.ok(r.initialEvalLoss !== null && r.finalEvalLoss !== null);
    console.log(`${arch}/${baseType}: held-out loss ${r.initialEvalLoss.toFixed(4)} -> ${r.finalEvalLoss.toFixed(4)} in ${r.steps} steps, ` +
      `${r.tokensPerSecond.toFixed(0)} tok/s, memory estimate ${(r.memoryEstimate.estimateBytes / 2 ** 20).toFixed(1)} MiB, ` +
      `measured peak ${((r.memoryAfter.peakRssBytes - r.baselineRssBytes) / 2 ** 20).toFixed(1)} MiB above Node's ${(r.baselineRssBytes / 2 ** 20).toFixed(1)} MiB`);
    assert.ok(r.finalEvalLoss < r.initialEvalLoss * 0.7, `held-out loss ${r.initialEvalLoss} -> ${r.finalEvalLoss}`);
    assert.equal(progress.length, r.totalSteps);
    assert.deepEqual(progress.map((p) => p.step), Array.from({ length: r.totalSteps }, (_, i) => i + 1));
    for (const p of progress) assert.ok(Number.isFinite(p.loss) && p.tokensPerSecond > 0 && p.etaSeconds >= 0);

    // The adapter is a standard GGUF LoRA with our provenance.
    const f = readGguf(r.adapterPath!);
    assert.equal(f.metadata.get('general.type')?.value, 'adapter');
    assert.equal(f.metadata.get('adapter.type')?.value, 'lora');
    assert.deepEqual(f.metadata.get('adapter.lora.alpha'), { type: 'f32', value: 16 });
    assert.equal(f.metadata.get('general.architecture')?.value, arch);
    assert.equal(f.metadata.get('datanet.base_model_sha256')?.value, r.baseModelSha256);
    assert.equal(f.metadata.get('datanet.config_hash')?.value, r.configHash);
    assert.equal(f.metadata.get('datanet.snapshot_root')?.value, '0x' + 'ab'.repeat(32));
    const a = f.tensors.find((t) => t.name === 'blk.0.ffn_down.weight.lora_a');
    const b = f.tensors.find((t) => t.name === 'blk.0.ffn_down.weight.lora_b');
    assert.deepEqual(a?.ne.map(Number), [TINY.nFf, 8]);
    assert.deepEqual(b?.ne.map(Number), [8, TINY.nEmbd]);
    const info = await readAdapterInfo(r.adapterPath!);
    assert.equal(info.rank, 8);
    assert.equal(info.alpha, 16);
    assert.equal(info.targets.length, TINY.nLayer * 7);
    assert.equal(info.baseModelSha256, r.baseModelSha256);
    assert.equal(info.configHash, r.configHash);
    assert.deepEqual(info.provenance, { baseModelSha256: r.baseModelSha256, snapshotRoot: '0x' + 'ab'.repeat(32), configHash: r.configHash });
    assert.deepEqual((info.config as { targets: string[] }).targets, ['down', 'gate', 'k', 'o', 'q', 'up', 'v']);

    // node-llama-cpp, unchanged, loads the adapter and scores the held-out set as the trainer did.
    const before = await heldOutLossInLlamaCpp(modelPath);
    const after = await heldOutLossInLlamaCpp(modelPath, r.adapterPath!);
    assert.ok(Math.abs(before - r.initialEvalLoss) < 1e-3, `base: node-llama-cpp ${before} vs trainer ${r.initialEvalLoss}`);
    assert.ok(Math.abs(after - r.finalEvalLoss) < 1e-3, `with adapter: node-llama-cpp ${after} vs trainer ${r.finalEvalLoss}`);
  });
}

test('killing the training process mid-run and resuming from the last checkpoint reaches the same final loss (with dropout)', async () => {
  nativeTrainer();
  const modelPath = ensureModel({ ...TINY, arch: 'llama', baseType: 'Q8_0' });
  // With LoRA dropout on, so that the resumed run must also draw the same dropout masks.
  // Enough steps (48) that the kill lands well before the end even on a busy machine.
  const uninterrupted = await (await startTraining(options(modelPath, { checkpointPath: fresh('a.ckpt'), checkpointEvery: 4, dropout: 0.1, epochs: 6 }))).result;
  assert.equal(uninterrupted.status, 'finished');

  const checkpointPath = fresh('b.ckpt');
  const opts = options(modelPath, { checkpointPath, checkpointEvery: 4, dropout: 0.1, epochs: 6 });
  let killedAfter = 0;
  const first = await startTraining(opts, (p) => {
    if (p.step >= 5 && killedAfter === 0) {
      killedAfter = p.step;
      process.kill(first.pid, 'SIGKILL');
    }
  });
  await assert.rejects(first.result, /ended unexpectedly \(signal SIGKILL\)/);
  assert.ok(killedAfter >= 5 && killedAfter < uninterrupted.totalSteps, `killed after step ${killedAfter} of ${uninterrupted.totalSteps}`);

  // A damaged checkpoint is refused by the TypeScript reader before the native code sees it.
  const damaged = fresh('damaged.ckpt');
  const { copyFileSync, truncateSync, statSync } = await import('node:fs');
  copyFileSync(checkpointPath, damaged);
  truncateSync(damaged, statSync(damaged).size - 100);
  await assert.rejects(startTraining({ ...opts, checkpointPath: damaged, resume: true }), /Invalid GGUF file.*truncated/);

  const resumed = await (await startTraining({ ...opts, resume: true, adapterPath: fresh('resumed.gguf') })).result;
  assert.equal(resumed.status, 'finished');
  assert.ok(resumed.startStep >= 4 && resumed.startStep % 4 === 0 && resumed.startStep <= killedAfter, `resumed from step ${resumed.startStep}`);
  assert.equal(resumed.steps, uninterrupted.totalSteps);
  console.log(`resume: killed after step ${killedAfter}, resumed at ${resumed.startStep}; final held-out loss ${uninterrupted.finalEvalLoss} vs ${resumed.finalEvalLoss}`);
  assert.ok(Math.abs(resumed.finalEvalLoss! - uninterrupted.finalEvalLoss!) < 1e-4, `${resumed.finalEvalLoss} vs ${uninterrupted.finalEvalLoss}`);
  assert.ok(Math.abs(resumed.lastLoss! - uninterrupted.lastLoss!) < 1e-4);
});

test('cancelling stops the run within a step and writes no adapter', async () => {
  nativeTrainer();
  const modelPath = ensureModel({ ...TINY, arch: 'llama', baseType: 'F32' });
  const ac = new AbortController();
  const steps: number[] = [];
  const opts = options(modelPath, { epochs: 50 });
  const run = await startTraining(opts, (p) => {
    steps.push(p.step);
    if (p.step === 3) ac.abort();
  }, ac.signal);
  const r = await run.result;
  assert.equal(r.status, 'cancelled');
  assert.equal(r.adapterPath, null);
  assert.ok(r.cancelRequestedAtStep !== null && r.cancelRequestedAtStep >= 3);
  // The abort flag is read before every micro-batch: at most the step in flight completes.
  assert.ok(r.steps - r.cancelRequestedAtStep <= 1, `cancel arrived at step ${r.cancelRequestedAtStep}, stopped at ${r.steps}`);
  assert.ok(r.steps < r.totalSteps && r.totalSteps > 100);
  assert.equal(existsSync(opts.adapterPath), false, 'no adapter file from a cancelled run');
});

test('a cancel writes a checkpoint at the step reached: resume continues at the next step and ends where an uninterrupted run does', async () => {
  nativeTrainer();
  const modelPath = ensureModel({ ...TINY, arch: 'llama', baseType: 'Q8_0' });
  // The periodic checkpoint is far away (every 20 steps): only the cancel's own checkpoint can hold step k.
  const uninterrupted = await (await startTraining(options(modelPath, { checkpointPath: fresh('u.ckpt'), checkpointEvery: 20, dropout: 0.1, epochs: 6 }))).result;
  assert.equal(uninterrupted.status, 'finished');
  const checkpointPath = fresh('c.ckpt');
  const opts = options(modelPath, { checkpointPath, checkpointEvery: 20, dropout: 0.1, epochs: 6 });
  const ac = new AbortController();
  const first = await (await startTraining(opts, (p) => {
    if (p.step >= 5) ac.abort();
  }, ac.signal)).result;
  assert.equal(first.status, 'cancelled');
  assert.ok(first.steps >= 5 && first.steps < 20, `cancelled at step ${first.steps}, before the first periodic checkpoint`);
  assert.ok(existsSync(checkpointPath), 'the cancel wrote a checkpoint');

  const seen: number[] = [];
  const resumed = await (await startTraining({ ...opts, resume: true, adapterPath: fresh('c-resumed.gguf') }, (p) => seen.push(p.step))).result;
  assert.equal(resumed.status, 'finished');
  assert.equal(resumed.startStep, first.steps, `resumed from step ${resumed.startStep}, cancelled at ${first.steps}`);
  assert.equal(seen[0], first.steps + 1, 'the first step trained after the resume is the one after the cancel');
  assert.ok(Math.abs(resumed.finalEvalLoss! - uninterrupted.finalEvalLoss!) < 1e-4, `${resumed.finalEvalLoss} vs ${uninterrupted.finalEvalLoss}`);
  assert.ok(Math.abs(resumed.lastLoss! - uninterrupted.lastLoss!) < 1e-4);
});

test('a sequence length too short for any response is refused with what to change', async () => {
  nativeTrainer();
  const modelPath = ensureModel({ ...TINY, arch: 'llama', baseType: 'F32' });
  await assert.rejects(startTraining(options(modelPath, { seqLen: 8 })), /sequence length of 8 tokens \(raise it: --seq-len, or Sequence length in Train\)/);
});

test('training refuses a file that is not a valid GGUF before any native code opens it', async () => {
  const bad = fresh('bad.gguf');
  (await import('node:fs')).writeFileSync(bad, 'GGUF but not really');
  await assert.rejects(startTraining(options(bad)), /Invalid GGUF file/);
});

test('a run on CUDA where no NVIDIA GPU can be used stops before any step and says why', async (t) => {
  // A CUDA backend that cannot load (here a missing library, as on any machine without the NVIDIA
  // runtime). Where one can, the same run trains on the GPU: native/tools/gpu-check.cpp checks that
  // against the CPU (native/README.md).
  nativeTrainer();
  const before = process.env.DATANET_CUDA_BACKEND;
  process.env.DATANET_CUDA_BACKEND = join(dir, 'no-such-dir', 'libggml-cuda.so');
  t.after(() => {
    if (before === undefined) delete process.env.DATANET_CUDA_BACKEND;
    else process.env.DATANET_CUDA_BACKEND = before;
  });
  const modelPath = ensureModel({ ...TINY, arch: 'llama', baseType: 'F32' });
  const opts = options(modelPath, { device: 'cuda' });
  const progress: TrainingProgress[] = [];
  const run = await startTraining(opts, (p) => progress.push(p));
  await assert.rejects(run.result, (e: unknown) => e instanceof AppError && e.code === 'NOT_AVAILABLE' &&
    /CUDA is not usable on this machine: the GPU backend .*no-such-dir.* could not be loaded: .*No such file/.test(e.message));
  assert.equal(progress.length, 0);
  assert.equal(existsSync(opts.adapterPath), false);
});

test('a ggml abort() inside the trainer ends only the child process; the caller gets an error', async () => {
  nativeTrainer();
  // A structurally valid GGUF whose attn_q has the wrong shape: the TypeScript reader accepts the
  // file, and ggml's GGML_ASSERT in the graph build calls abort() in the training process.
  const good = readGguf(ensureModel({ ...TINY, arch: 'llama', baseType: 'F32' }));
  const tensors = good.tensors.map((t) => t.name === 'blk.0.attn_q.weight'
    ? { name: t.name, ne: [TINY.nEmbd, TINY.nEmbd + 32], type: 'F32' as const, data: new Uint8Array(TINY.nEmbd * (TINY.nEmbd + 32) * 4) }
    : { name: t.name, ne: t.ne.map(Number), type: t.type, data: readTensorData(good, t) });
  const badPath = fresh('inconsistent.gguf');
  writeGguf(badPath, good.metadata, tensors);
  const run = await startTraining(options(badPath));
  // ggml's own last words (its GGML_ASSERT line) say why.
  await assert.rejects(run.result, /ended unexpectedly \(signal SIGABRT\): .*GGML_ASSERT/);
  assert.ok(process.pid > 0, 'this process is still here');
});

test('a bundled runner (esbuild CJS, as the desktop host ships it) trains with DATANET_NATIVE_DIR set', async () => {
  nativeTrainer();
  const { build } = await import('esbuild');
  const runnerPath = fresh('training-runner.cjs');
  await build({
    entryPoints: ['electron/core/training/runner.ts'], outfile: runnerPath, bundle: true, platform: 'node', format: 'cjs',
    target: 'node20', logLevel: 'error', logOverride: { 'empty-import-meta': 'silent' },
  });
  const previous = process.env.DATANET_NATIVE_DIR;
  process.env.DATANET_NATIVE_DIR = join(process.cwd(), 'native');
  try {
    const modelPath = ensureModel({ ...TINY, arch: 'llama', baseType: 'Q8_0' });
    const r = await (await startTraining(options(modelPath, { epochs: 1 }), () => {}, undefined, { runnerPath })).result;
    assert.equal(r.status, 'finished');
    assert.ok(r.finalEvalLoss! < r.initialEvalLoss!);
  } finally {
    if (previous === undefined) delete process.env.DATANET_NATIVE_DIR;
    else process.env.DATANET_NATIVE_DIR = previous;
  }
});
