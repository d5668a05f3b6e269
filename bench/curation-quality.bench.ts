/**
 * Curation quality and speed: near-duplicate precision/recall/F1 (MinHash + LSH) on a generated set
 * with planted near-duplicates, and PII precision/recall per kind on a generated labelled set, each
 * with throughput printed next to a baseline measured in the same run on the same texts (sha256 of
 * each text for signatures; one trivial regex scan for PII). Writes test-output/bench/curation-quality.json.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  bandsFor,
  exactJaccard,
  minhashSignature,
  NearDupIndex,
  type ShingleKind,
} from '../electron/core/datanets/dedupe';
import { detectPii, nameDetection } from '../electron/core/datanets/pii';
import { generateNearDupSet, pairKey, VARIANT_KINDS, type NearDupSet } from '../test/fixtures/curation/near-dup-set';
import { generatePiiSet } from '../test/fixtures/curation/pii-set';
import { scorePii } from '../test/fixtures/curation/pii-score';

const NEAR_DUP_BASES = Number(process.env.BENCH_NEAR_DUP_BASES ?? 2000);
const PII_RECORDS = Number(process.env.BENCH_PII_RECORDS ?? 3000);
const PII_THROUGHPUT_RECORDS = Number(process.env.BENCH_PII_THROUGHPUT_RECORDS ?? 10000);
const THRESHOLDS = [0.7, 0.8, 0.9];

const fmt = (x: number, d = 3) => x.toFixed(d);
const rate = (n: number, ms: number) => (n / ms) * 1000;

/** Times fn over several rounds and keeps the best (least disturbed by the other work on the machine). */
function bestOf<T>(rounds: number, fn: () => T): { ms: number; value: T } {
  let best = Infinity;
  let value!: T;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    value = fn();
    best = Math.min(best, performance.now() - t0);
  }
  return { ms: best, value };
}

// ---------------------------------------------------------------- near-duplicates
function evaluateNearDup(set: NearDupSet, sigs: Map<string, Uint32Array>, threshold: number) {
  const planted = new Map(set.pairs.map((p) => [pairKey(p.a, p.b), p.kind]));
  const template = new Map(set.docs.map((d) => [d.id, d.template]));
  const index = new NearDupIndex({ threshold });
  const predicted = new Set<string>();
  // As an import would: each record is checked against those before it, then added.
  const t0 = performance.now();
  for (const d of set.docs) {
    const sig = sigs.get(d.id)!;
    for (const c of index.query(sig)) predicted.add(pairKey(d.id, c.id));
    index.add(d.id, sig);
  }
  const indexMs = performance.now() - t0;
  let tp = 0;
  let fp = 0;
  let fpSameTemplate = 0;
  for (const key of predicted) {
    if (planted.has(key)) tp++;
    else {
      fp++;
      const [a, b] = key.split('|') as [string, string];
      if (template.get(a) === template.get(b) && template.get(a) !== 'free') fpSameTemplate++;
    }
  }
  const recallByKind: Record<string, { found: number; planted: number; recall: number }> = {};
  for (const kind of VARIANT_KINDS) {
    const of = set.pairs.filter((p) => p.kind === kind);
    const hit = of.filter((p) => predicted.has(pairKey(p.a, p.b))).length;
    recallByKind[kind] = { found: hit, planted: of.length, recall: of.length ? hit / of.length : 1 };
  }
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = set.pairs.length === 0 ? 1 : tp / set.pairs.length;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { threshold, banding: index.banding, truePositives: tp, falsePositives: fp, falsePositivesSameTemplate: fpSameTemplate, precision, recall, f1, recallByKind, indexRecordsPerSecond: rate(set.docs.length, indexMs) };
}

const nearDupSet = generateNearDupSet({ bases: NEAR_DUP_BASES });
const texts = nearDupSet.docs.map((d) => d.text);
const avgWords = texts.reduce((n, t) => n + t.split(/\s+/).length, 0) / texts.length;
console.log(`near-dup set: ${nearDupSet.docs.length} documents (avg ${avgWords.toFixed(0)} words), ${nearDupSet.pairs.length} planted near-duplicate pairs`);

// How similar are the planted pairs, and the hardest non-duplicates (same template), really?
const byId = new Map(nearDupSet.docs.map((d) => [d.id, d]));
const sameTemplate: [string, string][] = [];
const bases = nearDupSet.docs.filter((d) => !d.id.endsWith('v') && d.template !== 'free');
for (let i = 0; i + 1 < bases.length && sameTemplate.length < 2000; i++) {
  for (let j = i + 1; j < bases.length && j < i + 20; j++) if (bases[i]!.template === bases[j]!.template) sameTemplate.push([bases[i]!.id, bases[j]!.id]);
}

const sha = bestOf(3, () => {
  for (const t of texts) createHash('sha256').update(t).digest();
});
const shaRate = rate(texts.length, sha.ms);
console.log(`baseline: sha256 of the same texts: ${shaRate.toFixed(0)} texts/s`);

const nearDupResults: Record<string, unknown>[] = [];
for (const shingle of ['word3', 'char5'] as ShingleKind[]) {
  const signed = bestOf(3, () => new Map(nearDupSet.docs.map((d) => [d.id, minhashSignature(d.text, { shingle })])));
  const sigRate = rate(texts.length, signed.ms);
  const jaccardOf = (pairs: readonly (readonly [string, string])[]) => pairs.map(([a, b]) => exactJaccard(byId.get(a)!.text, byId.get(b)!.text, shingle));
  const plantedJ = jaccardOf(nearDupSet.pairs.map((p) => [p.a, p.b] as const));
  const templateJ = jaccardOf(sameTemplate);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
  console.log(
    `\n${shingle}: ${sigRate.toFixed(0)} signatures/s (128 permutations) = ${fmt(sigRate / shaRate, 2)}x sha256; ` +
      `exact Jaccard of planted pairs mean ${fmt(mean(plantedJ), 2)}, of same-template non-duplicates mean ${fmt(mean(templateJ), 2)} max ${fmt(Math.max(...templateJ), 2)}`,
  );
  const perThreshold = THRESHOLDS.map((t) => evaluateNearDup(nearDupSet, signed.value, t));
  for (const r of perThreshold) {
    console.log(
      `  threshold ${r.threshold} (${r.banding.bands} bands x ${r.banding.rows} rows): precision ${fmt(r.precision)} recall ${fmt(r.recall)} F1 ${fmt(r.f1)} ` +
        `(${r.truePositives} TP, ${r.falsePositives} FP of which ${r.falsePositivesSameTemplate} same-template); index+query ${r.indexRecordsPerSecond.toFixed(0)} records/s`,
    );
    console.log(`    recall by variant: ${Object.entries(r.recallByKind).map(([k, v]) => `${k} ${fmt(v.recall, 2)}`).join(', ')}`);
  }
  nearDupResults.push({
    shingle,
    signaturesPerSecond: sigRate,
    sha256TextsPerSecond: shaRate,
    signatureCostVsSha256: shaRate / sigRate,
    meanExactJaccardPlanted: mean(plantedJ),
    meanExactJaccardSameTemplate: mean(templateJ),
    maxExactJaccardSameTemplate: Math.max(...templateJ),
    thresholds: perThreshold,
  });
}

// ---------------------------------------------------------------- PII
const piiSet = generatePiiSet({ records: PII_RECORDS });
const piiScore = scorePii(piiSet, piiSet.map((s) => detectPii(s.text)));
console.log(`\nPII set: ${piiSet.length} records, ${piiSet.reduce((n, s) => n + s.labels.length, 0)} planted items; names: ${nameDetection.mode}`);
for (const [kind, s] of Object.entries(piiScore.perKind).sort()) {
  console.log(`  ${kind.padEnd(15)} precision ${fmt(s.precision)} recall ${fmt(s.recall)}  (${s.truePositives} TP, ${s.falsePositives} FP, ${s.falseNegatives} FN, ${s.exactSpans} exact spans)`);
}
console.log(`  ${'overall'.padEnd(15)} precision ${fmt(piiScore.overall.precision)} recall ${fmt(piiScore.overall.recall)}`);

// Throughput on ~500-character records: consecutive generated records joined until long enough.
const long: string[] = [];
const source = generatePiiSet({ seed: 77, records: PII_THROUGHPUT_RECORDS * 3 });
for (let i = 0, cur = ''; i < source.length && long.length < PII_THROUGHPUT_RECORDS; i++) {
  cur = cur ? `${cur} ${source[i]!.text}` : source[i]!.text;
  if (cur.length >= 500) {
    long.push(cur);
    cur = '';
  }
}
const avgChars = long.reduce((n, t) => n + t.length, 0) / long.length;
const trivial = /\d+/g;
const baseline = bestOf(3, () => {
  let n = 0;
  for (const t of long) for (const _ of t.matchAll(trivial)) n++;
  return n;
});
const scan = bestOf(3, () => {
  let n = 0;
  for (const t of long) n += detectPii(t).length;
  return n;
});
const piiRate = rate(long.length, scan.ms);
const baselineRate = rate(long.length, baseline.ms);
console.log(
  `  throughput: ${piiRate.toFixed(0)} records/s (${long.length} records, avg ${avgChars.toFixed(0)} chars, one core) ` +
    `vs ${baselineRate.toFixed(0)} records/s for a single /\\d+/g scan of the same texts (${fmt(baselineRate / piiRate, 1)}x faster baseline)`,
);

// What an import pays per record for both checks, on the same ~600-character records.
const signedLong = bestOf(3, () => {
  for (const t of long) minhashSignature(t);
});
const longSigRate = rate(long.length, signedLong.ms);
console.log(`  near-dup signatures (char5, 128 permutations) on the same records: ${longSigRate.toFixed(0)} records/s; PII scan + signature together: ${(1000 / (scan.ms / long.length + signedLong.ms / long.length)).toFixed(0)} records/s`);

const out = {
  generatedAt: new Date().toISOString(),
  node: process.version,
  nearDup: {
    documents: nearDupSet.docs.length,
    plantedPairs: nearDupSet.pairs.length,
    averageWords: avgWords,
    numPerm: 128,
    defaultThreshold: 0.8,
    defaultBanding: bandsFor(0.8, 128),
    results: nearDupResults,
  },
  pii: {
    records: piiSet.length,
    nameDetection,
    perKind: piiScore.perKind,
    overall: piiScore.overall,
    throughput: { records: long.length, averageChars: avgChars, recordsPerSecond: piiRate, baselineTrivialRegexRecordsPerSecond: baselineRate, findings: scan.value },
    signaturesOnSameRecordsPerSecond: longSigRate,
  },
};
mkdirSync(join('test-output', 'bench'), { recursive: true });
writeFileSync(join('test-output', 'bench', 'curation-quality.json'), `${JSON.stringify(out, null, 2)}\n`);
console.log('\nwrote test-output/bench/curation-quality.json');
