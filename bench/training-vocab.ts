/**
 * The vocabulary part of bench/training.bench.ts: the SmolLM2-135M body cut to 2 layers (F32), at the
 * test vocabulary and padded to 49,152 and 151,936 tokens (test/native/helpers/vocab.ts; the padding
 * pieces never occur in the text, so every model sees the same token rows). Each run is its own child
 * process (peak RSS is a high-water mark), driving the addon as the training runner does; the
 * repeats interleave the vocabularies so that load on the shared machine hits them alike. One run of
 * ggml's dense loss per vocabulary (lossChunk -1, what the trainer did before), right after the
 * first repeat's chunked run at that vocabulary, is the "before".
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAddon, type NativeAddon, type NativeMemory, type NativeProgress } from '../electron/core/training/addon.js';
import { ensureModel, PRESETS } from '../test/fixtures/models/generate.js';
import { buildVocabulary } from '../test/fixtures/models/tokenizer.js';
import { loadModel } from '../test/native/helpers/llama.js';
import { lmRow } from '../test/native/helpers/native.js';
import { vocabularyPadding } from '../test/native/helpers/vocab.js';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const STEPS = Number(process.env.BENCH_VOCAB_STEPS ?? 4);
const SIZES = [buildVocabulary().tokens.length, 49152, 151936];

interface WorkerJob { modelPath: string; lossChunk: number; threads: number; rank: number; rows: number[][] }
interface WorkerResult {
  progress: NativeProgress[]; estimate: NativeMemory; peakAboveBaselineBytes: number; baselineRssBytes: number;
  /** Process CPU seconds (all threads) of the steps after the first: less sensitive than wall time to other work on the machine. */
  steadyCpuSeconds: number;
}

/** Runs in the child: one training run, result as one JSON line on stdout. */
export async function vocabularyWorker(jobPath: string): Promise<void> {
  const job = JSON.parse(readFileSync(jobPath, 'utf8')) as WorkerJob;
  // As runner.ts measures it: before the addon and the model are loaded.
  const baselineRssBytes = process.memoryUsage().rss;
  const { addon, backendsDir } = loadAddon();
  const t = new addon.Trainer(job.modelPath, {
    threads: job.threads, rank: job.rank, alpha: 2 * job.rank, targets: 0x7f, learningRate: 1e-4, epochs: 1, gradAccum: 1, lossChunk: job.lossChunk,
  }, backendsDir);
  for (const r of job.rows) {
    const row = lmRow(r);
    t.addRow(0, row.tokens, row.labels, row.segments);
  }
  const estimate = t.memory();
  const progress: NativeProgress[] = [];
  let cpuAtFirst: NodeJS.CpuUsage | undefined;
  await t.train((p) => { progress.push(p); cpuAtFirst ??= process.cpuUsage(); });
  const cpu = process.cpuUsage(cpuAtFirst);
  const after = t.memory();
  t.free();
  const result: WorkerResult = {
    progress, estimate, peakAboveBaselineBytes: after.peakRssBytes - baselineRssBytes, baselineRssBytes, steadyCpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
  console.log(`RESULT ${JSON.stringify(result)}`);
}

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

const median = (xs: number[]) => { const v = [...xs].sort((a, b) => a - b); const m = v.length >> 1; return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2; };
const stats = (xs: number[]) => ({ min: Math.min(...xs), median: median(xs), max: Math.max(...xs), all: xs });
const MiB = (b: number) => b / 2 ** 20;

/** Steady-state tokens/s: the first step (allocation, cold caches) left out. */
function tokensPerSecond(p: NativeProgress[]): number {
  const first = p[0]!, last = p[p.length - 1]!;
  return p.length > 1 ? (last.tokensSeen - first.tokensSeen) / (last.elapsedS - first.elapsedS) : last.tokensSeen / last.elapsedS;
}

export async function vocabularyBench(o: { threads: number; seq: number; rank: number; addon: NativeAddon; backendsDir: string; selfPath: string }): Promise<void> {
  const body = { ...PRESETS['smollm2-135m'], nLayer: 2, baseType: 'F32' as const };
  const t0 = Date.now();
  const paths = SIZES.map((v, i) => ensureModel({ ...body, ...(i === 0 ? {} : { extraWords: vocabularyPadding(v) }) }));
  console.log(`vocab: models ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const model = await loadModel(paths[0]!);
  const rows = Array.from({ length: STEPS }, (_, i) => [model.tokens.bos!, ...model.tokenize(text(i + 1))].slice(0, o.seq));
  const nSup = rows[0]!.length - 1;
  const dir = mkdtempSync(join(tmpdir(), 'datanet-bench-vocab-'));

  const run = (size: number, lossChunk: number): WorkerResult => {
    const jobPath = join(dir, `job-${size}-${lossChunk}.json`);
    writeFileSync(jobPath, JSON.stringify({ modelPath: paths[SIZES.indexOf(size)]!, lossChunk, threads: o.threads, rank: o.rank, rows } satisfies WorkerJob));
    const r = spawnSync(process.execPath, ['--import', 'tsx', o.selfPath, '--vocab-worker', jobPath], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (r.status !== 0 || !line) throw new Error(`vocab worker (${size}, lossChunk ${lossChunk}) failed: ${r.stderr.slice(-2000)}`);
    return JSON.parse(line.slice(7)) as WorkerResult;
  };

  // Matmul FLOPs per token: frozen projections forward and input-gradient (4 per weight), attention,
  // and the output projection at the labelled positions, forward and input gradient (4 · V · E).
  const hd = body.nEmbd / body.nHead;
  const projParams = body.nLayer * (body.nEmbd * body.nEmbd * 2 + body.nEmbd * hd * body.nHeadKv * 2 + body.nEmbd * body.nFf * 3);
  const flopsPerToken = (v: number) => 4 * projParams + 3 * body.nLayer * 2 * 2 * o.seq * body.nEmbd + 4 * v * body.nEmbd * (nSup / o.seq);

  const baselineBefore = o.addon.matmulGflops(1024, 5, o.threads, o.backendsDir);
  const chunked: Record<number, WorkerResult[]> = Object.fromEntries(SIZES.map((v) => [v, []]));
  const dense: Record<number, WorkerResult> = {};
  for (let rep = 0; rep < REPEATS; rep++) {
    for (const v of SIZES) {
      chunked[v]!.push(run(v, 0));
      // The dense loss right after the chunked run at the same vocabulary, in the first repeat only.
      if (rep === 0) dense[v] = run(v, -1);
    }
    console.log(`vocab: repeat ${rep + 1}/${REPEATS}: ${SIZES.map((v) => `${v}: ${tokensPerSecond(chunked[v]![rep]!.progress).toFixed(0)} tok/s`).join(', ')}`);
  }
  const baselineAfter = o.addon.matmulGflops(1024, 5, o.threads, o.backendsDir);

  const small = SIZES[0]!;
  const results = SIZES.map((v) => {
    const runs = chunked[v]!;
    const tps = runs.map((r) => tokensPerSecond(r.progress));
    const ratio = runs.map((r, i) => tokensPerSecond(r.progress) / tokensPerSecond(chunked[small]![i]!.progress));
    const cpuRatio = runs.map((r, i) => chunked[small]![i]!.steadyCpuSeconds / r.steadyCpuSeconds);
    const predicted = flopsPerToken(small) / flopsPerToken(v);
    const peak = runs.map((r) => r.peakAboveBaselineBytes);
    const weights = runs[0]!.estimate.weightsBytes;
    const overWeights = runs.map((r) => r.peakAboveBaselineBytes - r.estimate.weightsBytes);
    const smallRuns = chunked[small]!;
    const d = dense[v]!;
    return {
      vocabulary: v, flopsPerToken: flopsPerToken(v),
      tokensPerSecond: stats(tps), ratioToSmall: stats(ratio), predictedRatio: predicted,
      ofPrediction: stats(ratio.map((x) => x / predicted)),
      cpuTimeRatioToSmall: stats(cpuRatio), cpuTimeOfPrediction: stats(cpuRatio.map((x) => x / predicted)),
      peakMiB: stats(peak.map(MiB)), peakRatioToSmall: stats(peak.map((p, i) => p / smallRuns[i]!.peakAboveBaselineBytes)),
      weightsMiB: MiB(weights), peakOverWeightsMiB: stats(overWeights.map(MiB)),
      peakOverWeightsRatioToSmall: stats(overWeights.map((p, i) => p / (smallRuns[i]!.peakAboveBaselineBytes - smallRuns[i]!.estimate.weightsBytes))),
      computeMiB: MiB(runs[0]!.estimate.computeBytes), estimateMiB: MiB(runs[0]!.estimate.estimateBytes),
      estimateError: stats(runs.map((r) => r.estimate.estimateBytes / r.peakAboveBaselineBytes - 1)),
      dense: {
        tokensPerSecond: tokensPerSecond(d.progress), peakMiB: MiB(d.peakAboveBaselineBytes), computeMiB: MiB(d.estimate.computeBytes),
        // Chunked over dense throughput, the chunked run of the same repeat just before it.
        chunkedOverDense: { wall: tokensPerSecond(runs[0]!.progress) / tokensPerSecond(d.progress), cpuTime: d.steadyCpuSeconds / runs[0]!.steadyCpuSeconds },
        estimateError: d.estimate.estimateBytes / d.peakAboveBaselineBytes - 1,
      },
    };
  });
  console.log(`vocab: ${body.nLayer}-layer SmolLM2-135M body, seq ${o.seq}, ${nSup} labelled, rank ${o.rank}, all seven targets, ${o.threads} threads, ` +
    `${REPEATS} repeats x ${STEPS} steps; matmul 1024³ ${baselineBefore.toFixed(1)} → ${baselineAfter.toFixed(1)} GFLOP/s`);
  const f = (s: { min: number; median: number }, d = 2) => `${s.min.toFixed(d)}/${s.median.toFixed(d)}`;
  for (const r of results) {
    console.log(`  V=${String(r.vocabulary).padStart(6)}: ${f(r.tokensPerSecond, 0)} tok/s (min/median), ${f(r.ratioToSmall)}x small, predicted ${r.predictedRatio.toFixed(3)}x → ${f(r.ofPrediction)} of prediction ` +
      `(by CPU time ${f(r.cpuTimeRatioToSmall, 3)}x → ${f(r.cpuTimeOfPrediction)}); ` +
      `peak ${f(r.peakMiB, 0)} MiB (${f(r.peakRatioToSmall)}x small), weights ${r.weightsMiB.toFixed(0)} MiB, above weights ${f(r.peakOverWeightsMiB, 0)} MiB (${f(r.peakOverWeightsRatioToSmall)}x small); ` +
      `compute ${r.computeMiB.toFixed(0)} MiB, estimate ${r.estimateMiB.toFixed(0)} MiB, error ${(r.estimateError.min * 100).toFixed(1)}…${(r.estimateError.max * 100).toFixed(1)} %; ` +
      `dense loss (before, run right after repeat 1's): ${r.dense.tokensPerSecond.toFixed(0)} tok/s (chunked/dense ${r.dense.chunkedOverDense.wall.toFixed(2)}, by CPU time ${r.dense.chunkedOverDense.cpuTime.toFixed(2)}), peak ${r.dense.peakMiB.toFixed(0)} MiB, compute ${r.dense.computeMiB.toFixed(0)} MiB, estimate error ${(r.dense.estimateError * 100).toFixed(1)} %`);
  }
  const out = join('test-output', 'bench', 'training-vocab.json');
  writeFileSync(out, JSON.stringify({
    config: { body: { ...body }, seq: o.seq, labelled: nSup, threads: o.threads, rank: o.rank, repeats: REPEATS, steps: STEPS },
    baseline: { matmulGflopsBefore: baselineBefore, matmulGflopsAfter: baselineAfter }, results,
  }, null, 2));
  console.log(`written ${out}`);
}
