/**
 * Gradient influence (TracIn over checkpoints, CountSketch-projected LoRA gradients), on the tiny
 * generated llama model:
 *  (a) fidelity against leave-one-out retraining: 12 records, each left out in turn with the same
 *      seed and schedule; Spearman ρ between the influence score and the change of a query's loss;
 *  (b) cost at 10k training records: the sketch phase next to plain training of the same data (ratio),
 *      and the time to score one answer next to one forward pass of that answer (ratio);
 *  (c) planted facts: 50 records, 5 with a unique fact; precision@1 of the planted record when the
 *      fact's question and answer are the query.
 * Prints figures and writes test-output/bench/attribution-influence.json.
 */
import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { resolveChatWrapper } from 'node-llama-cpp';
import { loadAddon } from '../electron/core/training/addon.js';
import {
  openInfluenceScorer, packRows, readInfluenceFile, startTraining, tokenizeExample,
  type TrainingExample, type TrainingOptionsInput, type TrainingProgress,
} from '../electron/core/training/index.js';
import { sharedLlama } from '../electron/core/inference/llama.js';
import { ensureModel, TINY } from '../test/fixtures/models/generate.js';

// One thread by default: on a shared 2-core machine ggml's spinning thread pool with 2 threads ran
// small graphs ~10x slower than 1 thread (measured while other work ran). BENCH_THREADS overrides.
const THREADS = Number(process.env.BENCH_THREADS ?? 1);
const BIG_N = Number(process.env.BENCH_INFLUENCE_RECORDS ?? 10_000);

if (spawnSync(process.execPath, ['native/build.mjs'], { stdio: 'inherit' }).status !== 0) process.exit(1);
const { addon, backendsDir } = loadAddon();
const modelPath = ensureModel({ ...TINY, arch: 'llama', baseType: 'F32' });
const dir = mkdtempSync(join(tmpdir(), 'datanet-influence-bench-'));
const llama = await sharedLlama();
const vocab = await llama.loadModel({ modelPath, vocabOnly: true });
const wrapper = resolveChatWrapper(vocab);
const LORA = { rank: 8, alpha: 16, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const };
const TARGET_BITS = 0x7f;

const rowOf = (ex: TrainingExample) => packRows([tokenizeExample(vocab, wrapper, ex)], 512, false)[0]!;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function ranks(xs: number[]): number[] {
  const order = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(xs.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) r[order[k]![1]] = (i + j) / 2;
    i = j + 1;
  }
  return r;
}
function spearman(a: number[], b: number[]): number {
  const ra = ranks(a), rb = ranks(b);
  const m = (ra.length - 1) / 2;
  let num = 0, da = 0, db = 0;
  for (let i = 0; i < ra.length; i++) { num += (ra[i]! - m) * (rb[i]! - m); da += (ra[i]! - m) ** 2; db += (rb[i]! - m) ** 2; }
  return num / Math.sqrt(da * db);
}

async function train(opts: Partial<TrainingOptionsInput> & { examples: TrainingExample[] }, onProgress?: (p: TrainingProgress) => void) {
  const t0 = performance.now();
  const r = await (await startTraining({
    modelPath, evalFraction: 0, ...LORA, targets: [...LORA.targets], threads: THREADS, seed: 5,
    adapterPath: join(dir, `a-${Math.random().toString(36).slice(2)}.gguf`), ...opts,
  }, onProgress)).result;
  if (r.status !== 'finished') throw new Error('training did not finish');
  return { r, ms: performance.now() - t0 };
}

/** Mean loss per supervised token of each query under the final LoRA parameters stored in an influence file. */
function queryLosses(influencePath: string, queries: TrainingExample[]): number[] {
  const data = readInfluenceFile(influencePath);
  const t = new addon.Trainer(modelPath, { rank: LORA.rank, alpha: LORA.alpha, targets: TARGET_BITS, threads: THREADS }, backendsDir);
  try {
    data.params[data.params.length - 1]!.forEach((p, i) => t.setParam(i, p));
    return queries.map((q) => {
      const row = rowOf(q);
      const e = t.evalRow(row.tokens, row.labels, row.segments);
      return e.sumNll / e.count;
    });
  } finally {
    t.free();
  }
}

const results: Record<string, unknown> = { threads: THREADS, model: 'tiny llama F32 (256 x 2 layers)', lora: LORA };

// (a) Leave-one-out. Full-batch steps (every step sees every record, unpacked), so leaving a record
// out changes only its own contribution, not the order or grouping of the others.
{
  const THINGS = ['sun', 'moon', 'water', 'fire', 'earth', 'air', 'king', 'queen', 'cat', 'dog', 'book', 'city'];
  const COLORS = ['red', 'green', 'blue'];
  const recs: TrainingExample[] = THINGS.map((thing, i) => ({
    kind: 'instruction', instruction: `what is the color of the ${thing}?`, response: `the color of the ${thing} is ${COLORS[i % 3]}.`,
  }));
  const queries: TrainingExample[] = [
    { kind: 'instruction', instruction: 'what is the color of the girl?', response: 'the color of the girl is red.' },
    { kind: 'instruction', instruction: 'what is the color of the school?', response: 'the color of the school is blue.' },
    { kind: 'instruction', instruction: 'what is the color of the moon?', response: 'the color of the moon is green.' },
  ];
  const base = { pack: false, gradAccum: recs.length, epochs: 12, learningRate: 5e-3, seqLen: 64 };
  const t0 = performance.now();
  const full = await train({ ...base, examples: recs, influence: { checkpoints: 4, dim: 4096, seed: 1 } });
  const fullLoss = queryLosses(full.r.influencePath!, queries);
  const delta: number[][] = queries.map(() => []);
  for (let i = 0; i < recs.length; i++) {
    const loo = await train({ ...base, gradAccum: recs.length - 1, examples: recs.filter((_, j) => j !== i), influence: { checkpoints: 1, dim: 16, seed: 1 } });
    queryLosses(loo.r.influencePath!, queries).forEach((l, q) => delta[q]!.push(l - fullLoss[q]!));
  }
  const scorer = await openInfluenceScorer({ modelPath, influencePath: full.r.influencePath!, threads: THREADS });
  const perQuery = [];
  for (let q = 0; q < queries.length; q++) {
    const s = await scorer.score(queries[q]!);
    const rho = spearman(s.scores, delta[q]!);
    perQuery.push({ query: (queries[q] as { instruction: string }).instruction, spearman: rho, queryLossFull: fullLoss[q], looDeltaLoss: delta[q], influence: s.scores });
    console.log(`(a) LOO, ${recs.length} records, query "${(queries[q] as { instruction: string }).instruction}": Spearman ρ(influence, Δloss when left out) = ${rho.toFixed(3)}`);
  }
  await scorer.close();
  const meanRho = perQuery.reduce((s, x) => s + x.spearman, 0) / perQuery.length;
  console.log(`(a) mean ρ over ${queries.length} queries: ${meanRho.toFixed(3)}  (${recs.length + 1} trainings in ${((performance.now() - t0) / 1000).toFixed(1)} s; dim 4096, 4 checkpoints)`);
  results.leaveOneOut = { records: recs.length, steps: base.epochs, dim: 4096, checkpoints: 4, meanSpearman: meanRho, queries: perQuery };
}

// (b) Cost at BIG_N short records.
{
  const WORDS = ['sun', 'moon', 'water', 'fire', 'earth', 'king', 'queen', 'cat', 'dog', 'book', 'city', 'school', 'red', 'green', 'blue', 'small', 'large', 'fast', 'slow'];
  const recs: TrainingExample[] = Array.from({ length: BIG_N }, (_, i) => ({
    kind: 'text', text: `${WORDS[i % WORDS.length]} ${WORDS[(i * 7 + 3) % WORDS.length]} ${i % 1000} ${WORDS[(i * 13 + 5) % WORDS.length]}`,
  }));
  const tokens = recs.slice(0, 200).reduce((s, r) => s + rowOf(r).tokens.length, 0) / 200;
  const base = { pack: true, seqLen: 256, gradAccum: 4, epochs: 1, learningRate: 1e-3, examples: recs };
  const plain = await train(base);
  console.log(`(b) ${BIG_N} records (~${tokens.toFixed(1)} tokens each), plain training: ${(plain.ms / 1000).toFixed(1)} s, ${plain.r.totalSteps} steps`);
  const events: { at: number; p: TrainingProgress }[] = [];
  const withInf = await train({ ...base, influence: { checkpoints: 3, dim: 256, seed: 1 } }, (p) => events.push({ at: performance.now(), p }));
  // Sketch time from progress: from the training step before each sketch phase to its last event.
  let sketchMs = 0;
  for (let i = 0; i < events.length; i++) {
    if (events[i]!.p.phase !== 'influence' || events[i - 1]?.p.phase !== 'train') continue;
    let j = i;
    while (j + 1 < events.length && events[j + 1]!.p.phase === 'influence') j++;
    sketchMs += events[j]!.at - events[i - 1]!.at;
  }
  const size = statSync(withInf.r.influencePath!).size;
  console.log(`(b) with influence (3 checkpoints, dim 256): ${(withInf.ms / 1000).toFixed(1)} s; sketch phases ${(sketchMs / 1000).toFixed(1)} s ` +
    `= ${(sketchMs / plain.ms).toFixed(2)}× plain training (${(sketchMs / (3 * BIG_N)).toFixed(2)} ms per example and checkpoint); file ${(size / 2 ** 20).toFixed(1)} MiB`);

  const probe = Math.min(1234, BIG_N - 1);
  const query: TrainingExample = { kind: 'text', text: (recs[probe] as { text: string }).text };
  const t0 = performance.now();
  const scorer = await openInfluenceScorer({ modelPath, influencePath: withInf.r.influencePath!, threads: THREADS });
  const openMs = performance.now() - t0;
  const perAnswer: number[] = [];
  let top = -1;  // rank of the queried record among all (near-duplicates differ only in a number)
  for (let k = 0; k < 7; k++) {
    const s = await scorer.score(k === 0 ? query : { kind: 'text', text: (recs[(k * 977) % BIG_N] as { text: string }).text });
    perAnswer.push(s.millis);
    if (k === 0) top = s.scores.filter((x) => x > s.scores[probe]!).length + 1;
  }
  await scorer.close();
  // Baseline: one forward pass of the same answer on the same model and threads, in this process.
  const t = new addon.Trainer(modelPath, { rank: LORA.rank, alpha: LORA.alpha, targets: TARGET_BITS, threads: THREADS }, backendsDir);
  const row = rowOf(query);
  const fwd: number[] = [];
  for (let k = 0; k < 21; k++) {
    const a = performance.now();
    t.evalRow(row.tokens, row.labels, row.segments);
    fwd.push(performance.now() - a);
  }
  t.free();
  const answerMs = median(perAnswer.slice(1));
  console.log(`(b) per answer at ${BIG_N} records: ${answerMs.toFixed(1)} ms (median of 6, warm scorer) vs one forward pass ${median(fwd).toFixed(2)} ms ` +
    `= ${(answerMs / median(fwd)).toFixed(0)}×; opening the file (read + checksum + model) ${openMs.toFixed(0)} ms; the queried record itself ranks ${top} of ${BIG_N}`);
  results.scale = {
    records: BIG_N, meanTokensPerRecord: tokens, plainTrainingMs: plain.ms, withInfluenceMs: withInf.ms, sketchPhasesMs: sketchMs, sketchVsTrainingRatio: sketchMs / plain.ms,
    steps: plain.r.totalSteps, influenceFileBytes: size, perAnswerMs: answerMs, forwardPassMs: median(fwd), perAnswerVsForwardRatio: answerMs / median(fwd),
    scorerOpenMs: openMs, selfQueryRank: top, sketchMsPerExample: sketchMs / (3 * BIG_N),
  };
}

// (c) Planted facts.
{
  const THINGS = ['sun', 'moon', 'water', 'fire', 'earth', 'air', 'king', 'queen', 'cat', 'dog', 'book', 'city', 'school', 'model', 'data'];
  const COLORS = ['red', 'green', 'blue'];
  const filler: TrainingExample[] = [];
  for (const [i, thing] of THINGS.entries()) {
    filler.push({ kind: 'instruction', instruction: `what is the color of the ${thing}?`, response: `the color of the ${thing} is ${COLORS[i % 3]}.` });
    filler.push({ kind: 'instruction', instruction: `is the ${thing} small or large?`, response: `the ${thing} is ${i % 2 ? 'small' : 'large'}.` });
    filler.push({ kind: 'instruction', instruction: `what is the number of the ${thing}?`, response: `the number of the ${thing} is ${(i * 37) % 100}.` });
  }
  const FACTS = [['zephyr', '7391'], ['quorra', '2846'], ['vexlin', '5902'], ['marlow', '1637'], ['tiberon', '8054']] as const;
  const facts: TrainingExample[] = FACTS.map(([name, code]) => ({ kind: 'instruction', instruction: `what is the vault code of ${name}?`, response: `the vault code of ${name} is ${code}.` }));
  // Facts spread among the filler (positions 5, 15, 25, 35, 45).
  const recs: TrainingExample[] = [...filler];
  const factAt = facts.map((f, k) => { recs.splice(5 + 10 * k, 0, f); return 5 + 10 * k; });
  const full = await train({ examples: recs, pack: false, gradAccum: 2, epochs: 8, learningRate: 5e-3, seqLen: 96, influence: { checkpoints: 3, dim: 256, seed: 1 } });
  const scorer = await openInfluenceScorer({ modelPath, influencePath: full.r.influencePath!, threads: THREADS });
  const rows = [];
  for (const [variant, make] of [
    ['question + answer', (k: number) => facts[k]!],
    ['paraphrased question + answer', (k: number) => ({ kind: 'instruction' as const, instruction: `tell me the vault code of ${FACTS[k]![0]}`, response: (facts[k] as { response: string }).response })],
  ] as const) {
    let hits = 0;
    const ranksOfPlanted: number[] = [];
    for (let k = 0; k < facts.length; k++) {
      const s = await scorer.score(make(k));
      const order = s.scores.map((x, i) => [x, i] as const).sort((a, b) => b[0] - a[0]).map((x) => x[1]);
      const rank = order.indexOf(factAt[k]!) + 1;
      ranksOfPlanted.push(rank);
      if (rank === 1) hits++;
      if (variant === 'question + answer') rows.push({ fact: FACTS[k]![0], queryLoss: s.queryLoss });
    }
    console.log(`(c) planted facts, ${recs.length} records, query = ${variant}: precision@1 ${hits}/${facts.length}, rank of the planted record ${ranksOfPlanted.join(', ')}`);
    results[variant === 'question + answer' ? 'plantedFacts' : 'plantedFactsParaphrased'] = { records: recs.length, facts: facts.length, precisionAt1: hits / facts.length, ranks: ranksOfPlanted };
  }
  await scorer.close();
  console.log(`(c) memorisation: loss of the fact answers after training ${rows.map((r) => r.queryLoss.toFixed(3)).join(', ')}`);
  (results.plantedFacts as Record<string, unknown>).answerLosses = rows.map((r) => r.queryLoss);
}

await vocab.dispose();
mkdirSync(join('test-output', 'bench'), { recursive: true });
writeFileSync(join('test-output', 'bench', 'attribution-influence.json'), JSON.stringify(results, null, 2));
console.log('wrote test-output/bench/attribution-influence.json');
