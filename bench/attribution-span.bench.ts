// Span attribution index on a 10M-token synthetic snapshot: build time and tokens/s, bytes per token on
// disk, peak resident memory while building (one 2^24-position shard, and 2^22-position shards), and
// findSpans / count latency (p50, p99) over 1,200 answers, next to baselines from the same run: a
// linear scan of the corpus for one n-gram (a naive span search needs one per answer position) and
// reading the token file.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanIndex, SpanIndexWriter } from '../electron/core/attribution/span-index/index.js';
import { mulberry32 } from '../electron/core/common/prng.js';

const TARGET_TOKENS = 10_000_000;
const VOCAB = 32_000;
const QUERIES = 1200;
const next = mulberry32(20261122);
const uniform = () => next() / 2 ** 32;
const between = (lo: number, hi: number) => lo + Math.floor(uniform() * (hi - lo + 1));
const rssMiB = () => process.memoryUsage().rss / 2 ** 20;

// Zipf-like unigram distribution (rank^-1.1), sampled through a quantised inverse CDF.
const ZIPF_TABLE = (() => {
  const weights = Float64Array.from({ length: VOCAB }, (_, r) => 1 / (r + 2.7) ** 1.1);
  const sum = weights.reduce((a, b) => a + b, 0);
  const table = new Uint32Array(1 << 20);
  let cdf = 0;
  let token = 0;
  for (let k = 0; k < table.length; k++) {
    const u = (k + 0.5) / table.length;
    while (token < VOCAB - 1 && cdf + weights[token]! / sum < u) cdf += weights[token++]! / sum;
    table[k] = token;
  }
  return table;
})();
const zipfToken = () => ZIPF_TABLE[next() >>> 12]!;
const zipfRun = (n: number) => Uint32Array.from({ length: n }, zipfToken);

// Stock phrases (boilerplate, quotes, code idioms) recur across records, so long spans exist.
const phrases = Array.from({ length: 3000 }, () => zipfRun(between(8, 40)));
const pickPhrase = () => phrases[Math.floor(phrases.length * uniform() ** 2)]!;

const corpus = new Uint32Array(TARGET_TOKENS + 600);
const recordStarts: number[] = [];
let corpusLength = 0;
while (corpusLength < TARGET_TOKENS) {
  const length = between(200, 500);
  recordStarts.push(corpusLength);
  const end = corpusLength + length;
  while (corpusLength < end) {
    const piece = uniform() < 0.2 ? pickPhrase() : zipfRun(between(5, 30));
    const take = Math.min(piece.length, end - corpusLength);
    corpus.set(piece.subarray(0, take), corpusLength);
    corpusLength += take;
  }
}
recordStarts.push(corpusLength);
const recordCount = recordStarts.length - 1;
const record = (r: number) => corpus.subarray(recordStarts[r]!, recordStarts[r + 1]!);

const dir = mkdtempSync(join(tmpdir(), 'dstudio-bench-span-'));

async function build(name: string, shardTokens: number) {
  const w = await SpanIndexWriter.create({ dir: join(dir, name), shardTokens });
  const t0 = performance.now();
  for (let r = 0; r < recordCount; r++) w.addDocument({ recordIndex: r, tokens: record(r) });
  const streamSeconds = (performance.now() - t0) / 1000;
  global.gc?.();
  const baseline = rssMiB();
  let peak = baseline;
  const sampler = setInterval(() => { peak = Math.max(peak, rssMiB()); }, 20);
  const t1 = performance.now();
  const cpu = process.cpuUsage();
  const info = await w.finish();
  const sortSeconds = (performance.now() - t1) / 1000;
  // The machine may be shared: CPU time (worker included) is the steadier figure.
  const sortCpuSeconds = process.cpuUsage(cpu).user / 1e6;
  clearInterval(sampler);
  peak = Math.max(peak, rssMiB());
  return { info, streamSeconds, sortSeconds, sortCpuSeconds, peakExtraMiB: peak - baseline };
}

const single = await build('single', 1 << 24);
const sharded = await build('sharded', 1 << 22);

// Answers: 60% copy 1–4 stretches of 10–80 tokens from random records between novel text, 40% novel.
const answers: Uint32Array[] = [];
for (let i = 0; i < QUERIES; i++) {
  const target = between(64, 200);
  const parts: Uint32Array[] = [];
  let length = 0;
  const copying = i % 5 < 3;
  while (length < target) {
    let piece: Uint32Array;
    if (copying && uniform() < 0.5) {
      const src = record(between(0, recordCount - 1));
      const from = between(0, src.length - 10);
      piece = src.subarray(from, from + between(10, 80));
    } else {
      piece = zipfRun(between(5, 25));
    }
    piece = piece.subarray(0, target - length);
    parts.push(piece);
    length += piece.length;
  }
  const answer = new Uint32Array(length);
  let at = 0;
  for (const p of parts) {
    answer.set(p, at);
    at += p.length;
  }
  answers.push(answer);
}

global.gc?.();
const beforeOpen = rssMiB();
let t = performance.now();
const idx = await SpanIndex.open(single.info.dir);
const openMs = performance.now() - t;
const residentMiB = rssMiB() - beforeOpen;
const shardedIdx = await SpanIndex.open(sharded.info.dir);

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
function timeQueries(index: SpanIndex) {
  const ms: number[] = [];
  let spans = 0;
  let spansInCopies = 0;
  answers.forEach((tokens, i) => {
    const t0 = performance.now();
    const r = index.findSpans({ tokens, minLength: 8, maxRecordsPerSpan: 20 });
    ms.push(performance.now() - t0);
    spans += r.spans.length;
    if (i % 5 < 3) spansInCopies += r.spans.length;
  });
  return { ms, spans, spansInCopies };
}
// Warm-up (JIT) on a few answers, then the measured pass.
for (const a of answers.slice(0, 50)) idx.findSpans({ tokens: a });
const q1 = timeQueries(idx);
const q2 = timeQueries(shardedIdx);
const identical = answers.every((tokens) => JSON.stringify(idx.findSpans({ tokens })) === JSON.stringify(shardedIdx.findSpans({ tokens })));
const countMs = answers.map((a) => {
  const t0 = performance.now();
  idx.count(a.subarray(0, 8));
  return performance.now() - t0;
});

// Baseline 1: a linear scan of the in-memory corpus for one 8-gram (what a search without an
// index costs per answer position).
const scanMs = answers.slice(0, 9).map((a) => {
  const gram = a.subarray(0, 8);
  const t0 = performance.now();
  let hits = 0;
  const first = gram[0]!;
  for (let p = corpus.indexOf(first); p !== -1 && p < corpusLength; p = corpus.indexOf(first, p + 1)) {
    let j = 1;
    while (j < 8 && corpus[p + j] === gram[j]) j++;
    if (j === 8) hits++;
  }
  const took = performance.now() - t0;
  if (hits !== idx.count(gram)) throw new Error(`scan found ${hits} occurrences, the index ${idx.count(gram)}`);
  return took;
});
// Baseline 2: reading the token file once (page cache warm).
t = performance.now();
readFileSync(join(single.info.dir, 'tokens.u32'));
const readTokensMs = performance.now() - t;

const p50 = quantile(q1.ms, 0.5);
const r3 = (x: number) => Number(x.toFixed(3));
const figures = {
  corpus: { tokens: single.info.tokenCount, records: recordCount, vocab: VOCAB, recordTokens: '200-500', phrases: phrases.length },
  build: {
    singleShard: {
      shards: single.info.shardCount, streamSeconds: r3(single.streamSeconds), sortSeconds: r3(single.sortSeconds), sortCpuSeconds: r3(single.sortCpuSeconds),
      tokensPerSecond: Math.round(single.info.tokenCount / single.sortSeconds), tokensPerCpuSecond: Math.round(single.info.tokenCount / single.sortCpuSeconds), peakExtraRssMiB: Math.round(single.peakExtraMiB),
      peakBytesPerPosition: r3((single.peakExtraMiB * 2 ** 20) / (single.info.tokenCount + single.info.documentCount)),
    },
    shards4M: {
      shards: sharded.info.shardCount, sortSeconds: r3(sharded.sortSeconds), sortCpuSeconds: r3(sharded.sortCpuSeconds), tokensPerSecond: Math.round(sharded.info.tokenCount / sharded.sortSeconds),
      peakExtraRssMiB: Math.round(sharded.peakExtraMiB),
    },
  },
  disk: { bytes: single.info.bytesOnDisk, bytesPerToken: r3(single.info.bytesPerToken) },
  open: { ms: r3(openMs), residentMiB: Math.round(residentMiB) },
  findSpans: {
    queries: answers.length, minLength: 8, answerTokens: '64-200',
    p50Ms: r3(p50), p99Ms: r3(quantile(q1.ms, 0.99)), meanMs: r3(q1.ms.reduce((a, b) => a + b, 0) / q1.ms.length),
    spansPerCopyingAnswer: r3(q1.spansInCopies / (answers.length * 0.6)), spansPerNovelAnswer: r3((q1.spans - q1.spansInCopies) / (answers.length * 0.4)),
    shards4M: { p50Ms: r3(quantile(q2.ms, 0.5)), p99Ms: r3(quantile(q2.ms, 0.99)), identicalResults: identical },
  },
  count8gram: { p50Ms: r3(quantile(countMs, 0.5)), p99Ms: r3(quantile(countMs, 0.99)) },
  baselines: {
    linearScanOne8gramMs: r3(quantile(scanMs, 0.5)),
    linearScanOne8gramOverFindSpansP50: r3(quantile(scanMs, 0.5) / p50),
    readTokenFileMs: r3(readTokensMs),
    readTokenFileOverFindSpansP50: r3(readTokensMs / p50),
  },
};
console.log(`Span index on ${figures.corpus.tokens} tokens (${recordCount} records, Zipf vocab ${VOCAB}):`);
console.log(`  build      sort ${figures.build.singleShard.sortSeconds} s wall, ${figures.build.singleShard.sortCpuSeconds} s CPU (${figures.build.singleShard.tokensPerCpuSecond} tokens per CPU second) + streaming ${figures.build.singleShard.streamSeconds} s; peak +${figures.build.singleShard.peakExtraRssMiB} MiB (${figures.build.singleShard.peakBytesPerPosition} B/position)`);
console.log(`             ${sharded.info.shardCount} shards of 2^22: sort ${figures.build.shards4M.sortSeconds} s wall, ${figures.build.shards4M.sortCpuSeconds} s CPU, peak +${figures.build.shards4M.peakExtraRssMiB} MiB`);
console.log(`  disk       ${figures.disk.bytes} bytes = ${figures.disk.bytesPerToken} bytes/token; open ${figures.open.ms} ms, +${figures.open.residentMiB} MiB resident`);
console.log(`  findSpans  p50 ${figures.findSpans.p50Ms} ms, p99 ${figures.findSpans.p99Ms} ms over ${answers.length} answers; spans per copying / novel answer ${figures.findSpans.spansPerCopyingAnswer} / ${figures.findSpans.spansPerNovelAnswer}`);
console.log(`             ${sharded.info.shardCount} shards: p50 ${figures.findSpans.shards4M.p50Ms} ms, p99 ${figures.findSpans.shards4M.p99Ms} ms (results identical to one shard: ${figures.findSpans.shards4M.identicalResults})`);
console.log(`  count      8-gram p50 ${figures.count8gram.p50Ms} ms, p99 ${figures.count8gram.p99Ms} ms`);
console.log(`  baselines  linear scan for one 8-gram ${figures.baselines.linearScanOne8gramMs} ms = ${figures.baselines.linearScanOne8gramOverFindSpansP50}x a whole findSpans p50; reading tokens.u32 ${figures.baselines.readTokenFileMs} ms = ${figures.baselines.readTokenFileOverFindSpansP50}x`);
mkdirSync('test-output/bench', { recursive: true });
writeFileSync('test-output/bench/attribution-span.json', JSON.stringify(figures, null, 2));
rmSync(dir, { recursive: true, force: true });
