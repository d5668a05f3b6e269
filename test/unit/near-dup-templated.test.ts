/**
 * Near-duplicates on templated text (issue 22): records from one template that differ in a drug,
 * dose, condition, amount or the clause's subject are different examples; copies with typos,
 * spacing, punctuation, reordered sentences or a swapped name or date are near-duplicates.
 * Uses the signature the record writer stores (checks.ts contentSignature).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contentSignature } from '../../electron/core/datanets/checks';
import { bufferToSignature, DEFAULT_THRESHOLD, minhashSignature, NearDupIndex, signatureToBuffer, SKETCH_LENGTH } from '../../electron/core/datanets/dedupe';
import { generateTemplatedSet } from '../fixtures/curation/templated-set';

const sig = (text: string) => contentSignature({ kind: 'text', text });

test('the issue 22 pair: the same discharge template with another drug is not a near-duplicate', () => {
  const a = 'After discharge for heart failure, take furosemide 40 mg every morning. Weigh yourself daily and call the clinic if you gain more than 2 kg.';
  const b = 'After discharge for heart failure, take metoprolol 40 mg every morning. Weigh yourself daily and call the clinic if you gain more than 2 kg.';
  const typo = 'After discharge for heart failure, take furosemdie 40 mg every morning. Weigh yourself daily and call the clinic if you gain more than 2 kg.';
  const index = new NearDupIndex();
  index.add('a', sig(a));
  assert.deepEqual(index.query(sig(b)).map((c) => c.id), [], 'another drug');
  assert.deepEqual(index.query(sig(typo)).map((c) => c.id), ['a'], 'a typo');
  assert.deepEqual(index.query(sig(a.replace('40 mg', '20 mg'))).map((c) => c.id), [], 'another dose');
});

test('templated set: at most 2% of distinct records flagged, at least 95% of edited copies found, at the default threshold', () => {
  const { records, copies } = generateTemplatedSet();
  const index = new NearDupIndex({ threshold: DEFAULT_THRESHOLD });
  let flagged = 0;
  const sigs = new Map<string, Uint32Array>();
  for (const r of records) {
    const s = sig(r.text);
    sigs.set(r.id, s);
    if (index.query(s).length > 0) flagged++;
    index.add(r.id, s);
  }
  const missed: string[] = [];
  for (const c of copies) if (!index.query(sig(c.text)).some((h) => h.id === c.of)) missed.push(`${c.kind}: ${c.text}`);
  const fpRate = flagged / records.length;
  const recall = 1 - missed.length / copies.length;
  assert.ok(fpRate <= 0.02, `false-positive rate ${fpRate.toFixed(3)} (${flagged} of ${records.length} distinct records flagged)`);
  assert.ok(recall >= 0.95, `recall on edited copies ${recall.toFixed(3)}; missed e.g. ${missed.slice(0, 3).join(' || ')}`);
});

test('signatures stored before the content sketch (MinHash only, 512 bytes) still load and compare by MinHash', () => {
  const text = 'After discharge for heart failure, take furosemide 40 mg every morning. Weigh yourself daily and call the clinic if you gain more than 2 kg.';
  const other = text.replace('furosemide', 'metoprolol');
  const stored = bufferToSignature(signatureToBuffer(minhashSignature(text)));
  assert.equal(signatureToBuffer(minhashSignature(text)).length, 512);
  const current = bufferToSignature(signatureToBuffer(sig(other)));
  assert.equal(current.length, 128 + SKETCH_LENGTH);
  const index = new NearDupIndex();
  index.add('legacy', stored);
  index.add('current', sig(text));
  // The legacy record has no sketch, so it is judged as before (flagged); the current one is not.
  assert.deepEqual(index.query(current).map((c) => c.id), ['legacy']);
});
