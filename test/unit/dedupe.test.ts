import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  bandsFor,
  bufferToSignature,
  candidateProbability,
  estimateJaccard,
  exactJaccard,
  lshBandKeys,
  lshBandNumbers,
  minhashSignature,
  NearDupIndex,
  normalizeForDedupe,
  shingleHashes,
  signatureToBuffer,
} from '../../electron/core/datanets/dedupe';
import { generateNearDupSet } from '../fixtures/curation/near-dup-set';

const NOTE =
  'The patient is a 64-year-old woman presenting with chest pain of three days duration. Past history includes hypertension and ' +
  'type 2 diabetes, managed with metformin 500 mg twice daily. The ECG was unremarkable and the troponin was within normal limits. ' +
  'Plan: review in four weeks and repeat bloods in three months, with safety-netting advice given about shortness of breath.';

const UNRELATED =
  'The Supplier shall deliver the goods within thirty days of the purchase order. Any dispute about limitation of liability shall be ' +
  'referred to the High Court sitting in London. This agreement remains in force for five years unless terminated earlier in writing.';

test('normalisation folds case, Unicode forms, punctuation and whitespace', () => {
  assert.equal(normalizeForDedupe('  Ｈｅｌｌｏ,\tWORLD!!  ﬁne…\n'), 'hello world fine');
  assert.equal(normalizeForDedupe('end.Start'), 'end start');
});

test('identical texts have similarity 1; a text is deterministic under a seed', () => {
  const a = minhashSignature(NOTE, { seed: 7 });
  const b = minhashSignature(NOTE, { seed: 7 });
  assert.deepEqual(a, b);
  assert.equal(estimateJaccard(a, b), 1);
  assert.notDeepEqual(minhashSignature(NOTE, { seed: 8 }), a, 'another seed gives another signature');
  assert.equal(a.length, 128);
  assert.equal(minhashSignature(NOTE, { numPerm: 64 }).length, 64);
});

test('whitespace, case and punctuation variants are exact duplicates after normalisation', () => {
  const variant = NOTE.toUpperCase().replace(/ /g, '  \n').replace(/[.,:]/g, ' ;');
  assert.equal(estimateJaccard(minhashSignature(NOTE), minhashSignature(variant)), 1);
});

test('a reordered document is found as a near-duplicate; an unrelated one is not', () => {
  const sentences = NOTE.split(/(?<=\.) /);
  const reordered = [sentences[2], sentences[0], sentences[3], sentences[1]].join(' ');
  const index = new NearDupIndex({ threshold: 0.6 });
  index.add('note', minhashSignature(NOTE));
  index.add('contract', minhashSignature(UNRELATED));
  const hits = index.query(minhashSignature(reordered));
  assert.equal(hits.length, 1);
  assert.equal(hits[0]!.id, 'note');
  assert.ok(hits[0]!.similarity >= 0.6 && hits[0]!.similarity < 1, `similarity ${hits[0]!.similarity}`);
  assert.ok(estimateJaccard(minhashSignature(NOTE), minhashSignature(UNRELATED)) < 0.1);
});

test('the estimate tracks the exact Jaccard similarity of the shingle sets', () => {
  const edited = NOTE.replace('three days', 'four days').replace('metformin', 'insulin');
  const exact = exactJaccard(NOTE, edited);
  const estimate = estimateJaccard(minhashSignature(NOTE, { numPerm: 512 }), minhashSignature(edited, { numPerm: 512 }));
  assert.ok(exact > 0.6 && exact < 0.95, `exact ${exact}`);
  // 512 permutations: standard error about 0.02; 0.08 is four of them.
  assert.ok(Math.abs(estimate - exact) < 0.08, `estimate ${estimate} vs exact ${exact}`);
});

test('character 5-grams (the default) tolerate a word edit better than word 3-grams', () => {
  const edited = NOTE.replace('chest pain', 'chest discomfort').replace('twice daily', 'once daily');
  const char5 = exactJaccard(NOTE, edited, 'char5');
  const word3 = exactJaccard(NOTE, edited, 'word3');
  assert.ok(char5 > word3 + 0.05, `char5 ${char5} vs word3 ${word3}`);
  assert.equal(exactJaccard(NOTE, edited), char5, 'char5 is the default');
});

test('short and empty texts still get signatures', () => {
  assert.equal(shingleHashes('').length, 0);
  assert.equal(shingleHashes('two words', 'word3').length, 1);
  assert.equal(shingleHashes('ok', 'char5').length, 1);
  assert.equal(estimateJaccard(minhashSignature('ok'), minhashSignature('OK.')), 1);
  assert.equal(estimateJaccard(minhashSignature('two words', { shingle: 'word3' }), minhashSignature('Two  words.', { shingle: 'word3' })), 1);
  assert.ok(estimateJaccard(minhashSignature('two words'), minhashSignature('something else entirely')) < 0.2);
});

test('signatures round-trip through a buffer, little-endian', () => {
  const sig = minhashSignature(NOTE);
  const buf = signatureToBuffer(sig);
  assert.equal(buf.length, 512);
  assert.equal(buf.readUInt32LE(4), sig[1]);
  assert.deepEqual(bufferToSignature(buf), sig);
  // A view into a larger, unaligned buffer (as a SQLite driver may hand back) also works.
  const padded = Buffer.concat([Buffer.from([9]), buf]);
  assert.deepEqual(bufferToSignature(padded.subarray(1)), sig);
  assert.throws(() => bufferToSignature(Buffer.alloc(7)), /multiple of 4/);
});

test('band keys: one per band, equal exactly when the band values are equal, tagged with the banding', () => {
  const sig = minhashSignature(NOTE);
  const keys = lshBandKeys(sig, { bands: 16, rows: 8 });
  assert.equal(keys.length, 16);
  assert.equal(new Set(keys).size, 16);
  assert.match(keys[3]!, /^16x8:3:[0-9a-f]{16}$/);
  const changed = sig.slice();
  changed[8 * 5 + 2] = (changed[8 * 5 + 2]! + 1) >>> 0;
  const keys2 = lshBandKeys(changed, { bands: 16, rows: 8 });
  assert.deepEqual(keys2.map((k, i) => k === keys[i]), keys.map((_, i) => i !== 5));
  // The numeric form used in memory agrees band by band with the string form.
  const nums = lshBandNumbers(sig, { bands: 16, rows: 8 });
  const nums2 = lshBandNumbers(changed, { bands: 16, rows: 8 });
  assert.equal(new Set(nums).size, 16);
  assert.ok(nums.every((n) => Number.isSafeInteger(n) && n >= 0));
  assert.deepEqual(nums2.map((n, i) => n === nums[i]), keys.map((_, i) => i !== 5));
  assert.throws(() => lshBandKeys(sig, { bands: 20, rows: 8 }), /at least 160/);
});

test('bandsFor: higher thresholds get more selective bands, and a pair at the threshold is likely a candidate', () => {
  let lastRows = 0;
  for (const t of [0.5, 0.7, 0.8, 0.9]) {
    const b = bandsFor(t, 128);
    assert.ok(b.bands * b.rows <= 128);
    assert.ok(b.rows >= lastRows, `rows grow with the threshold (${t}: ${b.rows})`);
    lastRows = b.rows;
    assert.ok(candidateProbability(t, b) >= 0.98);
    assert.ok(candidateProbability(t - 0.4, b) < 0.5, `a pair far below ${t} is rarely a candidate`);
  }
  assert.throws(() => bandsFor(1.2), /between 0 and 1/);
});

test('threshold behaviour: a candidate is returned only at or above the threshold, best first', () => {
  const base = NOTE;
  const light = base.replace('three days', 'two days');
  const heavy = base.replace('chest pain', 'a cough').replace('hypertension', 'asthma').replace('four weeks', 'two weeks').replace('ECG', 'X-ray');
  const sLight = estimateJaccard(minhashSignature(base), minhashSignature(light));
  const sHeavy = estimateJaccard(minhashSignature(base), minhashSignature(heavy));
  assert.ok(sLight > sHeavy, `${sLight} > ${sHeavy}`);
  const between = (sLight + sHeavy) / 2;
  const index = new NearDupIndex({ threshold: between, banding: { bands: 128, rows: 1 } });
  index.add('light', minhashSignature(light));
  index.add('heavy', minhashSignature(heavy));
  assert.deepEqual(index.query(minhashSignature(base)).map((c) => c.id), ['light']);
  const loose = new NearDupIndex({ threshold: Math.max(0.05, sHeavy - 0.05), banding: { bands: 128, rows: 1 } });
  loose.add('heavy', minhashSignature(heavy));
  loose.add('light', minhashSignature(light));
  assert.deepEqual(loose.query(minhashSignature(base)).map((c) => c.id), ['light', 'heavy']);
  assert.throws(() => loose.add('light', minhashSignature(light)), /already/);
  assert.throws(() => loose.query(new Uint32Array(64)), /128-value/);
});

test('on a generated set, planted light edits are found and different documents are not flagged', () => {
  const set = generateNearDupSet({ seed: 11, bases: 150 });
  const sigs = new Map(set.docs.map((d) => [d.id, minhashSignature(d.text)]));
  const index = new NearDupIndex();
  for (const d of set.docs) index.add(d.id, sigs.get(d.id)!);
  const planted = new Set(set.pairs.map((p) => `${p.a}|${p.b}`));
  let falsePositives = 0;
  for (const d of set.docs) {
    for (const c of index.query(sigs.get(d.id)!)) {
      if (c.id === d.id) continue;
      if (!planted.has(`${d.id}|${c.id}`) && !planted.has(`${c.id}|${d.id}`)) falsePositives++;
    }
  }
  const easy = set.pairs.filter((p) => p.kind === 'format' || p.kind === 'edit-2%');
  assert.ok(easy.length >= 5, 'the set plants easy variants');
  for (const p of easy) {
    assert.ok(index.query(sigs.get(p.a)!).some((c) => c.id === p.b), `${p.kind} variant ${p.b} of ${p.a} found`);
  }
  assert.ok(falsePositives <= 4, `${falsePositives} false positive hits`);
});

test('the generated set is deterministic under its seed', () => {
  const a = generateNearDupSet({ seed: 3, bases: 20 });
  const b = generateNearDupSet({ seed: 3, bases: 20 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(generateNearDupSet({ seed: 4, bases: 20 }).docs, a.docs);
});

test('query work is bounded by maxCandidates when many records share buckets (templated data)', async () => {
  const { NearDupIndex: Index, minhashSignature: sign } = await import('../../electron/core/datanets/dedupe');
  const index = new Index({ threshold: 0.8 });
  const template = (i: number) => `Form ${i}: the patient reports no change in symptoms since the last visit and will return in two weeks.`;
  for (let i = 0; i < 500; i++) index.add(`r${i}`, sign(template(i)));
  const probe = sign(template(999));
  const all = index.query(probe);
  const bounded = index.query(probe, Infinity, 10);
  assert.ok(all.length > 100, `the template collides widely (${all.length} matches)`);
  assert.ok(bounded.length > 0 && bounded.length <= 10);
  const allIds = new Set(all.map((c) => c.id));
  for (const c of bounded) assert.ok(allIds.has(c.id), 'a bounded query returns real matches only');
});
