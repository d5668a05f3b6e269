/**
 * Training throughput and memory, two parts (BENCH_PART=shapes or vocab to run one):
 * - shapes: a 135M-class configuration (SmolLM2-135M shapes, small vocabulary), seq 512: LoRA on an
 *   F32 base, QLoRA on Q4_K and Q4_0 bases. Each figure is printed next to a plain ggml F32 matrix
 *   multiply measured in the same run on the same backend and threads, so the fraction of the
 *   machine's attainable peak is visible. A few steps only.
 * - vocab: the same body cut to 2 layers at the small vocabulary, 49,152 (SmolLM2) and 151,936
 *   (Qwen2.5) tokens (training-vocab.ts): tokens/s and trainer memory beside the small-vocabulary
 *   run of the same repeat, against what the added output-projection FLOPs alone predict.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAddon } from '../electron/core/training/addon.js';
import { startTraining, type TrainingProgress } from '../electron/core/training/index.js';
import { ensureModel, PRESETS } from '../test/fixtures/models/generate.js';
import type { QuantizableType } from '../electron/core/models/gguf/quant.js';
import { spawnSync } from 'node:child_process';
import { vocabularyBench, vocabularyWorker } from './training-vocab.js';

const THREADS = Number(process.env.BENCH_THREADS ?? 2);
const SEQ = 512;
const STEPS = Number(process.env.BENCH_STEPS ?? 3);
const RANK = 16;
const TARGETS = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const;

if (process.argv[2] === '--vocab-worker') {
  await vocabularyWorker(process.argv[3]!);
  process.exit(0);
}
const PART = process.env.BENCH_PART ?? 'all';
if (spawnSync(process.execPath, ['native/build.mjs'], { stdio: 'inherit' }).status !== 0) process.exit(1);
const { addon, backendsDir } = loadAddon();
const cfg = PRESETS['smollm2-135m'];
const dir = mkdtempSync(join(tmpdir(), 'datanet-bench-'));
mkdirSync(join('test-output', 'bench'), { recursive: true });
if (PART === 'all' || PART === 'vocab') await vocabularyBench({ threads: THREADS, seq: SEQ, rank: RANK, addon, backendsDir, selfPath: process.argv[1]! });
if (PART !== 'all' && PART !== 'shapes') process.exit(0);

// Matmul FLOPs per token of the frozen projections: forward W·x, and backward Wᵀ·dy (the input
// gradient LoRA needs; no weight gradient). Attention adds QKᵀ and AV forward, twice that backward.
const hd = cfg.nEmbd / cfg.nHead;
const projParams = cfg.nLayer * (cfg.nEmbd * cfg.nEmbd * 2 + cfg.nEmbd * hd * cfg.nHeadKv * 2 + cfg.nEmbd * cfg.nFf * 3);
const flopsPerToken = 4 * projParams + 3 * cfg.nLayer * 2 * 2 * SEQ * cfg.nEmbd;

const words = 'the of and to in is was for on that with as by at from his he it an were are which this be or has had first new one'.split(' ');
function text(seed: number): string {
  let s = seed;
  const out: string[] = [];
  for (let i = 0; i < 700; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(words[s % words.length]!);
  }
  return out.join(' ');
}

const results: Record<string, unknown>[] = [];
const baselineBefore = addon.matmulGflops(1024, 5, THREADS, backendsDir);
console.log(`baseline: ggml F32 matmul 1024³ on ${THREADS} threads: ${baselineBefore.toFixed(1)} GFLOP/s`);

for (const baseType of ['F32', 'Q4_K', 'Q4_0'] as QuantizableType[]) {
  const t0 = Date.now();
  const modelPath = ensureModel({ ...cfg, baseType });
  const genS = (Date.now() - t0) / 1000;
  const progress: TrainingProgress[] = [];
  const run = await startTraining({
    modelPath, examples: Array.from({ length: STEPS }, (_, i) => ({ kind: 'text' as const, text: text(i + 1) })), evalFraction: 0,
    rank: RANK, alpha: 32, targets: [...TARGETS], learningRate: 1e-4, epochs: 1, gradAccum: 1, seqLen: SEQ, pack: false, threads: THREADS,
    adapterPath: join(dir, `${baseType}.gguf`),
  }, (p) => progress.push(p));
  const r = await run.result;
  // Steady state: leave out the first step (graph allocation, cold caches).
  const first = progress[0]!;
  const last = progress[progress.length - 1]!;
  const tokens = (last.tokensPerSecond * last.elapsedSeconds) - (first.tokensPerSecond * first.elapsedSeconds);
  const seconds = last.elapsedSeconds - first.elapsedSeconds;
  const tokPerS = progress.length > 1 ? tokens / seconds : last.tokensPerSecond;
  const gflops = (tokPerS * flopsPerToken) / 1e9;
  const row = {
    base: baseType, method: baseType === 'F32' ? 'LoRA' : 'QLoRA', seq: SEQ, rank: RANK, steps: progress.length,
    secondsPerStep: seconds / Math.max(1, progress.length - 1), tokensPerSecond: tokPerS, effectiveGflops: gflops,
    fractionOfMatmul: gflops / baselineBefore,
    memoryEstimateMiB: r.memoryEstimate.estimateBytes / 2 ** 20, peakRssMiB: r.memoryAfter.peakRssBytes / 2 ** 20,
    nodeBaselineRssMiB: r.baselineRssBytes / 2 ** 20,
    // The estimate covers the trainer only; compare it with the peak above Node's own footprint.
    estimateOverPeak: r.memoryEstimate.estimateBytes / (r.memoryAfter.peakRssBytes - r.baselineRssBytes),
    weightsMiB: r.memoryEstimate.weightsBytes / 2 ** 20, computeMiB: r.memoryEstimate.computeBytes / 2 ** 20, loraMiB: r.memoryEstimate.loraBytes / 2 ** 20,
    modelGenerationSeconds: genS,
  };
  results.push(row);
  console.log(`${row.method.padEnd(5)} ${baseType.padEnd(4)} seq ${SEQ}: ${row.secondsPerStep.toFixed(2)} s/step, ${tokPerS.toFixed(0)} tok/s, ` +
    `${gflops.toFixed(1)} GFLOP/s = ${(row.fractionOfMatmul * 100).toFixed(0)}% of matmul baseline; memory estimate ${row.memoryEstimateMiB.toFixed(0)} MiB ` +
    `vs measured peak ${(row.peakRssMiB - row.nodeBaselineRssMiB).toFixed(0)} MiB above Node's ${row.nodeBaselineRssMiB.toFixed(0)} MiB (estimate/peak ${row.estimateOverPeak.toFixed(2)})`);
}
const baselineAfter = addon.matmulGflops(1024, 5, THREADS, backendsDir);
console.log(`baseline again after the runs: ${baselineAfter.toFixed(1)} GFLOP/s (load drift check)`);

const out = join('test-output', 'bench', 'training.json');
writeFileSync(out, JSON.stringify({
  config: { preset: 'smollm2-135m', ...cfg, seq: SEQ, threads: THREADS, rank: RANK, targets: TARGETS, flopsPerToken },
  baseline: { matmulGflopsBefore: baselineBefore, matmulGflopsAfter: baselineAfter }, results,
}, null, 2));
console.log(`written ${out}`);
