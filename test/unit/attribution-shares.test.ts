import assert from 'node:assert/strict';
import { test } from 'node:test';
import { combineRecordScores, contributorShares, influenceRecordScores, spanRecordScores } from '../../electron/core/attribution/shares';
import { mulberry32 } from '../../electron/core/common/prng';

test('span credit is the span length split by occurrence count', () => {
  const s = spanRecordScores([
    { length: 12, records: [{ recordIndex: 3, count: 1 }] },
    { length: 8, records: [{ recordIndex: 1, count: 3 }, { recordIndex: 2, count: 1 }] },
  ]);
  assert.deepEqual([...s].sort(), [[1, 6], [2, 2], [3, 12]]);
});

test('influence keeps proponents only', () => {
  assert.deepEqual([...influenceRecordScores([0.5, -2, 0, 1.5, Number.NaN])], [[0, 0.5], [3, 1.5]]);
});

test('methods are normalised before mixing, and an empty method yields its weight', () => {
  const mixed = combineRecordScores([
    { method: 'span', weight: 0.5, scores: new Map([[0, 100], [1, 100]]) },
    { method: 'influence', weight: 0.5, scores: new Map([[1, 0.001]]) },
  ]);
  assert.ok(Math.abs((mixed.get(0) ?? 0) - 0.25) < 1e-12);
  assert.ok(Math.abs((mixed.get(1) ?? 0) - 0.75) < 1e-12);
  const spanOnly = combineRecordScores([
    { method: 'span', weight: 0.5, scores: new Map([[4, 3]]) },
    { method: 'influence', weight: 0.5, scores: new Map() },
  ]);
  assert.deepEqual([...spanOnly], [[4, 1]]);
});

test('contributor shares sum to exactly 10,000 bps for random inputs', () => {
  const next = mulberry32(7);
  const rand = () => next() / 2 ** 32;
  const people = ['0xaa', '0xbb', '0xcc', '0xdd', '0xee', '0xff', '0x11'];
  for (let trial = 0; trial < 500; trial++) {
    const scores = new Map<number, number>();
    const n = 1 + Math.floor(rand() * 40);
    for (let i = 0; i < n; i++) scores.set(i, rand() ** 3);
    const shares = contributorShares(scores, (i) => people[i % people.length]!);
    assert.equal(shares.reduce((a, s) => a + s.bps, 0), 10_000, `trial ${trial}`);
    assert.equal(new Set(shares.map((s) => s.contributor)).size, shares.length);
    for (let i = 1; i < shares.length; i++) assert.ok(shares[i - 1]!.bps >= shares[i]!.bps);
  }
});

test('shares follow the scores, merge a contributor across records, and are empty without evidence', () => {
  const shares = contributorShares(new Map([[0, 1], [1, 1], [2, 2]]), (i) => (i < 2 ? '0xAA' : '0xbb'));
  assert.deepEqual(shares.map((s) => [s.contributor, s.bps]), [['0xaa', 5000], ['0xbb', 5000]]);
  const thirds = contributorShares(new Map([[0, 1], [1, 1], [2, 1]]), (i) => ['0x03', '0x01', '0x02'][i]!);
  assert.deepEqual(thirds.map((s) => [s.contributor, s.bps]), [['0x01', 3334], ['0x02', 3333], ['0x03', 3333]]);
  assert.deepEqual(contributorShares(new Map(), () => '0x00'), []);
  assert.deepEqual(contributorShares(new Map([[0, 0]]), () => '0x00'), []);
});
