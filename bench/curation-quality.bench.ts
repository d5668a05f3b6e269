/**
 * Curation quality and speed: near-duplicate precision/recall/F1 (MinHash + LSH) on a generated set
 * with planted near-duplicates, and PII precision/recall per kind on a generated labelled set, each
 * with throughput printed next to a baseline measured in the same run on the same texts (sha256 of
 * each text for signatures; one trivial regex scan for PII). Writes test-output/bench/curation-quality.json.
 *
 * Issue 22 added, each beside the figures of the code before it, measured in the same run:
 * - the HIPAA Safe Harbor set (test/fixtures/curation/hipaa-set.ts): span- and record-level
 *   precision/recall per kind, over-redaction, for the current detector and the pre-issue one
 *   (bench/baseline/pii-v1); the older ten-kind set scored for both too;
 * - the templated-record set (test/fixtures/curation/templated-set.ts): near-duplicate false
 *   positives among distinct templated records and recall on edited copies, for the MinHash-only
 *   signature and the signature with its content sketch;
 * - throughput of both detectors and both signatures on the same records.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  bandsFor,
  exactJaccard,
  minhashSignature,
  NearDupIndex,
  nearDupSignature,
  type ShingleKind,
} from '../electron/core/datanets/dedupe';
import { detectPii, nameDetection, type PiiFinding } from '../electron/core/datanets/pii';
import { lexicon } from '../electron/core/datanets/pii/lexicon';
import { detectPii as detectPiiV1 } from './baseline/pii-v1/detect';
import { generateHipaaSet, HIPAA_KINDS, positionsPerKind } from '../test/fixtures/curation/hipaa-set';
import { scoreHipaa, type HipaaScore } from '../test/fixtures/curation/hipaa-score';
import { COPY_KINDS, generateTemplatedSet } from '../test/fixtures/curation/templated-set';
import { generateNearDupSet, pairKey, VARIANT_KINDS, type NearDupSet } from '../test/fixtures/curation/near-dup-set';
import { generatePiiSet, PLANTED_KINDS } from '../test/fixtures/curation/pii-set';
import { scorePii } from '../test/fixtures/curation/pii-score';

const NEAR_DUP_BASES = Number(process.env.BENCH_NEAR_DUP_BASES ?? 2000);
const HIPAA_RECORDS = Number(process.env.BENCH_HIPAA_RECORDS ?? 3000);
const TEMPLATED_PER_TEMPLATE = Number(process.env.BENCH_TEMPLATED_PER_TEMPLATE ?? 300);
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
for (const variant of ['word3', 'char5', 'char5+sketch'] as const) {
  const shingle: ShingleKind = variant === 'word3' ? 'word3' : 'char5';
  const signOne = (text: string) => (variant === 'char5+sketch' ? nearDupSignature(text) : minhashSignature(text, { shingle }));
  const signed = bestOf(3, () => new Map(nearDupSet.docs.map((d) => [d.id, signOne(d.text)])));
  const sigRate = rate(texts.length, signed.ms);
  const jaccardOf = (pairs: readonly (readonly [string, string])[]) => pairs.map(([a, b]) => exactJaccard(byId.get(a)!.text, byId.get(b)!.text, shingle));
  const plantedJ = jaccardOf(nearDupSet.pairs.map((p) => [p.a, p.b] as const));
  const templateJ = jaccardOf(sameTemplate);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
  console.log(
    `\n${variant}: ${sigRate.toFixed(0)} signatures/s (128 permutations) = ${fmt(sigRate / shaRate, 2)}x sha256; ` +
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
    shingle: variant,
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
// This older set labels ten kinds and plants dates and case numbers as non-PII; findings of the kinds
// added for issue 22 are left out of its score (they are scored on the HIPAA set below).
const oldKinds = new Set<string>(PLANTED_KINDS);
const piiScore = scorePii(piiSet, piiSet.map((s) => detectPii(s.text).filter((f) => oldKinds.has(f.kind))));
const piiScoreV1 = scorePii(piiSet, piiSet.map((s) => detectPiiV1(s.text) as PiiFinding[]));
console.log(`\nPII set (ten kinds): ${piiSet.length} records, ${piiSet.reduce((n, s) => n + s.labels.length, 0)} planted items; names: ${nameDetection.mode}; old = detector before issue 22`);
for (const [kind, s] of Object.entries(piiScore.perKind).sort()) {
  const o = piiScoreV1.perKind[kind];
  console.log(
    `  ${kind.padEnd(15)} precision ${fmt(s.precision)} recall ${fmt(s.recall)}  (${s.truePositives} TP, ${s.falsePositives} FP, ${s.falseNegatives} FN, ${s.exactSpans} exact spans)` +
      (o ? `   old: precision ${fmt(o.precision)} recall ${fmt(o.recall)}` : ''),
  );
}
console.log(`  ${'overall'.padEnd(15)} precision ${fmt(piiScore.overall.precision)} recall ${fmt(piiScore.overall.recall)}   old: precision ${fmt(piiScoreV1.overall.precision)} recall ${fmt(piiScoreV1.overall.recall)}`);

// ---------------------------------------------------------------- PII: HIPAA Safe Harbor set
const hipaaSet = generateHipaaSet({ records: HIPAA_RECORDS });
const hipaaNew = hipaaSet.map((s) => detectPii(s.text));
const hipaaOld = hipaaSet.map((s) => detectPiiV1(s.text) as PiiFinding[]);
const hNew = scoreHipaa(hipaaSet, hipaaNew);
const hOld = scoreHipaa(hipaaSet, hipaaOld);
console.log(
  `\nHIPAA set: ${hipaaSet.length} records (${hipaaSet.reduce((n, s) => n + s.labels.length, 0)} labelled spans, ${hNew.records.withoutPhi} records without PHI), ` +
    `${HIPAA_KINDS.length} kinds, positions per kind ${Math.min(...Object.values(positionsPerKind()))}-${Math.max(...Object.values(positionsPerKind()))}`,
);
console.log(`  ${'kind'.padEnd(15)} ${'new P'.padStart(7)} ${'new R'.padStart(7)} ${'old P'.padStart(7)} ${'old R'.padStart(7)}   (new TP/FP/FN)`);
for (const kind of [...HIPAA_KINDS].sort()) {
  const n = hNew.perKind[kind];
  const o = hOld.perKind[kind] ?? { precision: 1, recall: 0, truePositives: 0, falsePositives: 0, falseNegatives: 0 };
  if (!n) continue;
  console.log(`  ${kind.padEnd(15)} ${fmt(n.precision).padStart(7)} ${fmt(n.recall).padStart(7)} ${fmt(o.precision).padStart(7)} ${fmt(o.recall).padStart(7)}   (${n.truePositives}/${n.falsePositives}/${n.falseNegatives})`);
}
const line = (label: string, f: (h: HipaaScore) => number) => console.log(`  ${label.padEnd(46)} new ${fmt(f(hNew))}   old ${fmt(f(hOld))}`);
line('span level, all PHI: precision', (h) => h.overall.precision);
line('span level, all PHI: recall (same kind)', (h) => h.overall.recall);
line('span level: labels >= 90% masked, any kind', (h) => h.protectedRecall);
line('record level: records with every PHI span found', (h) => h.records.recordRecall);
line('record level: records with no false finding', (h) => h.records.recordPrecision);
line('PHI-free records with something masked', (h) => h.records.cleanFlagged / Math.max(1, h.records.withoutPhi));
line('over-redaction: non-PHI characters masked', (h) => h.overRedaction);
// Names the detector's census lists hold, and names they do not (the set's lists are its own).
const { first, last } = lexicon();
const nameRecall = (findings: PiiFinding[][], listed: boolean) => {
  let found = 0;
  let total = 0;
  hipaaSet.forEach((s, i) => {
    for (const l of s.labels) {
      if (l.kind !== 'person_name') continue;
      const words = s.text.slice(l.start, l.end).replace(/[,.]/g, ' ').split(/\s+/).filter((w) => w.length > 1);
      const inLists = words.every((w) => first.has(w[0] + w.slice(1).toLowerCase()) || last.has(w[0] + w.slice(1).toLowerCase()));
      if (inLists !== listed) continue;
      total++;
      if (findings[i]!.some((f) => f.kind === 'person_name' && Math.min(f.end, l.end) - Math.max(f.start, l.start) >= 0.5 * (l.end - l.start))) found++;
    }
  });
  return { found, total, recall: total ? found / total : 1 };
};
const listedNames = nameRecall(hipaaNew, true);
const unlistedNames = nameRecall(hipaaNew, false);
console.log(`  person_name recall, every word in the census lists: ${fmt(listedNames.recall)} (${listedNames.found}/${listedNames.total}); some word not in them: ${fmt(unlistedNames.recall)} (${unlistedNames.found}/${unlistedNames.total})`);
const weakPositions = Object.entries(hNew.perPosition).filter(([, v]) => v.found < v.planted).map(([k, v]) => `${k} ${v.found}/${v.planted}`);
console.log(`  positions with misses (kind:template index): ${weakPositions.join(', ') || 'none'}`);

// ---------------------------------------------------------------- near-duplicates on templated records
const templated = generateTemplatedSet({ perTemplate: TEMPLATED_PER_TEMPLATE });
const templatedResults: Record<string, unknown>[] = [];
console.log(`\ntemplated set: ${templated.records.length} distinct records from 3 templates, ${templated.copies.length} edited copies (${COPY_KINDS.join(', ')})`);
for (const [label, sign] of [['MinHash only (before issue 22)', (t: string) => minhashSignature(t)], ['MinHash + content sketch', (t: string) => nearDupSignature(t)]] as const) {
  for (const threshold of THRESHOLDS) {
    const index = new NearDupIndex({ threshold });
    let flagged = 0;
    for (const r of templated.records) {
      const sig = sign(r.text);
      if (index.query(sig).length > 0) flagged++;
      index.add(r.id, sig);
    }
    const byKind: Record<string, { found: number; copies: number }> = {};
    for (const c of templated.copies) {
      const k = (byKind[c.kind] ??= { found: 0, copies: 0 });
      k.copies++;
      if (index.query(sign(c.text)).some((h) => h.id === c.of)) k.found++;
    }
    const found = Object.values(byKind).reduce((n, k) => n + k.found, 0);
    const fpRate = flagged / templated.records.length;
    const recall = found / templated.copies.length;
    console.log(
      `  ${label.padEnd(31)} threshold ${threshold}: distinct records flagged ${flagged}/${templated.records.length} = ${fmt(fpRate)}; edited copies found ${fmt(recall)} ` +
        `(${Object.entries(byKind).map(([k, v]) => `${k} ${v.found}/${v.copies}`).join(', ')})`,
    );
    templatedResults.push({ signature: label, threshold, falsePositiveRate: fpRate, copiesRecall: recall, byKind });
  }
}

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
const scanV1 = bestOf(3, () => {
  let n = 0;
  for (const t of long) n += detectPiiV1(t).length;
  return n;
});
const piiRateV1 = rate(long.length, scanV1.ms);
const piiRate = rate(long.length, scan.ms);
const baselineRate = rate(long.length, baseline.ms);
console.log(
  `  throughput: ${piiRate.toFixed(0)} records/s (${long.length} records, avg ${avgChars.toFixed(0)} chars, one core) ` +
    `vs ${baselineRate.toFixed(0)} records/s for a single /\\d+/g scan of the same texts (${fmt(baselineRate / piiRate, 1)}x faster baseline)`,
);

console.log(`  throughput of the detector before issue 22 on the same records: ${piiRateV1.toFixed(0)} records/s (the current one takes ${fmt(scan.ms / scanV1.ms, 2)}x its time)`);

// What an import pays per record for both checks, on the same ~600-character records.
const signedLong = bestOf(3, () => {
  for (const t of long) minhashSignature(t);
});
const signedLongV2 = bestOf(3, () => {
  for (const t of long) nearDupSignature(t);
});
const longSigRate = rate(long.length, signedLong.ms);
const longSigRateV2 = rate(long.length, signedLongV2.ms);
console.log(`  near-dup signatures (char5, 128 permutations) on the same records: ${longSigRate.toFixed(0)} records/s; with the content sketch: ${longSigRateV2.toFixed(0)} records/s`);
console.log(
  `  PII scan + signature together: ${(1000 / (scan.ms / long.length + signedLongV2.ms / long.length)).toFixed(0)} records/s now, ` +
    `${(1000 / (scanV1.ms / long.length + signedLong.ms / long.length)).toFixed(0)} records/s before issue 22`,
);

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
    oldDetector: { perKind: piiScoreV1.perKind, overall: piiScoreV1.overall },
    throughput: {
      records: long.length,
      averageChars: avgChars,
      recordsPerSecond: piiRate,
      oldDetectorRecordsPerSecond: piiRateV1,
      baselineTrivialRegexRecordsPerSecond: baselineRate,
      findings: scan.value,
    },
    signaturesOnSameRecordsPerSecond: longSigRate,
    signaturesWithSketchOnSameRecordsPerSecond: longSigRateV2,
    hipaa: {
      records: hipaaSet.length,
      positionsPerKind: positionsPerKind(),
      current: { ...hNew, perPosition: undefined },
      beforeIssue22: { ...hOld, perPosition: undefined },
      personNameRecallListed: listedNames,
      personNameRecallUnlisted: unlistedNames,
    },
  },
  templated: {
    records: templated.records.length,
    copies: templated.copies.length,
    results: templatedResults,
  },
};
mkdirSync(join('test-output', 'bench'), { recursive: true });
writeFileSync(join('test-output', 'bench', 'curation-quality.json'), `${JSON.stringify(out, null, 2)}\n`);
console.log('\nwrote test-output/bench/curation-quality.json');
