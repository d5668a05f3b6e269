import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SpanIndex, SpanIndexCache, SpanIndexWriter, type SpanMatch } from '../../electron/core/attribution/span-index/index';
import { buildSuffixArray } from '../../electron/core/attribution/span-index/suffix-array';
import { mulberry32 } from '../../electron/core/common/prng';
import { isAppError } from '../../electron/shared/errors';

const root = mkdtempSync(join(tmpdir(), 'dstudio-span-index-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(root, `idx-${dirs++}`);

type Doc = { recordIndex: number; tokens: number[] };

async function build(docs: readonly Doc[], shardTokens?: number, dir = freshDir()): Promise<SpanIndex> {
  const w = await SpanIndexWriter.create({ dir, ...(shardTokens ? { shardTokens } : {}) });
  for (const d of docs) w.addDocument(d);
  await w.finish();
  return SpanIndex.open(dir);
}

/** Random records over a small vocabulary, with phrases copied between records so long spans recur. */
function corpus(seed: number): { docs: Doc[]; rand: () => number; vocab: number } {
  const next = mulberry32(seed);
  const rand = () => next() / 2 ** 32;
  const vocab = 2 + Math.floor(rand() * (rand() < 0.3 ? 4 : 60));
  const docs: Doc[] = [];
  const n = 1 + Math.floor(rand() * 25);
  for (let d = 0; d < n; d++) {
    const len = Math.floor(rand() * 60);
    const tokens = Array.from({ length: len }, () => Math.floor(rand() * vocab));
    if (docs.length && len > 10 && rand() < 0.7) {
      const src = docs[Math.floor(rand() * docs.length)]!.tokens;
      const from = Math.floor(rand() * src.length);
      const piece = src.slice(from, from + 5 + Math.floor(rand() * 20));
      tokens.splice(Math.floor(rand() * len), 0, ...piece);
    }
    // Some records share an index (a record cut into pieces upstream, or a duplicate).
    docs.push({ recordIndex: rand() < 0.1 && d > 0 ? d - 1 : d, tokens });
  }
  return { docs, rand, vocab };
}

function occurrencesIn(tokens: readonly number[], pattern: readonly number[]): number {
  let n = 0;
  for (let p = 0; p + pattern.length <= tokens.length; p++) if (pattern.every((t, j) => tokens[p + j] === t)) n++;
  return n;
}

/** Maximal spans by brute force: longest match per position, then drop any contained in another. */
function bruteSpans(docs: readonly Doc[], q: readonly number[], minLength: number): SpanMatch[] {
  const longest = q.map((_, i) => {
    let best = 0;
    for (const d of docs) for (let p = 0; p < d.tokens.length; p++) {
      let l = 0;
      while (i + l < q.length && p + l < d.tokens.length && d.tokens[p + l] === q[i + l]) l++;
      best = Math.max(best, l);
    }
    return best;
  });
  const spans: SpanMatch[] = [];
  longest.forEach((len, i) => {
    if (len < minLength) return;
    const contained = longest.some((l2, j) => j !== i && j <= i && j + l2 >= i + len);
    if (contained) return;
    const pattern = q.slice(i, i + len);
    const byRecord = new Map<number, number>();
    for (const d of docs) {
      const c = occurrencesIn(d.tokens, pattern);
      if (c) byRecord.set(d.recordIndex, (byRecord.get(d.recordIndex) ?? 0) + c);
    }
    const records = [...byRecord].map(([recordIndex, count]) => ({ recordIndex, count })).sort((a, b) => b.count - a.count || a.recordIndex - b.recordIndex);
    const occurrences = records.reduce((a, r) => a + r.count, 0);
    spans.push({ start: i, end: i + len, length: len, occurrences, records, distinctRecords: records.length, recordsComplete: true });
  });
  return spans;
}

function queriesFor(docs: readonly Doc[], rand: () => number, vocab: number): number[][] {
  const out: number[][] = [];
  for (let k = 0; k < 12; k++) {
    const q: number[] = [];
    const parts = 1 + Math.floor(rand() * 4);
    for (let p = 0; p < parts; p++) {
      const src = docs[Math.floor(rand() * docs.length)]!.tokens;
      const from = Math.floor(rand() * (src.length + 1));
      if (rand() < 0.7) q.push(...src.slice(from, from + Math.floor(rand() * 30)));
      else for (let i = Math.floor(rand() * 10); i > 0; i--) q.push(Math.floor(rand() * (vocab + 2)));
    }
    out.push(q);
  }
  return out;
}

test('the suffix array matches sorting every suffix, on tiny and large alphabets with repeats', () => {
  const next = mulberry32(11);
  for (let t = 0; t < 400; t++) {
    const n = next() % 400;
    const upper = t % 4 === 0 ? 1 : 1 + (next() % 300);
    const s = new Uint32Array(n).map(() => next() % (upper + 1));
    if (t % 3 === 0) for (let i = 8; i + 8 < n; i += 8) s.copyWithin(i, 0, 6);
    const expected = Array.from({ length: n }, (_, i) => i).sort((a, b) => {
      for (; a < n && b < n; a++, b++) if (s[a] !== s[b]) return s[a]! - s[b]!;
      return a === n ? -1 : 1;
    });
    assert.deepEqual([...buildSuffixArray(s, upper)], expected, `text ${t} (n=${n}, upper=${upper})`);
  }
});

test('findSpans and count agree with a brute-force scan on random corpora', async () => {
  let longSpans = 0;
  for (let seed = 1; seed <= 12; seed++) {
    const { docs, rand, vocab } = corpus(seed);
    const idx = await build(docs);
    for (const q of queriesFor(docs, rand, vocab)) {
      for (const minLength of [1, 3, 8]) {
        const got = idx.findSpans({ tokens: q, minLength, maxRecordsPerSpan: 1000 }).spans;
        assert.deepEqual(got, bruteSpans(docs, q, minLength), `seed ${seed}, query [${q}], minLength ${minLength}`);
        if (minLength === 8) longSpans += got.length;
      }
      for (let i = 0; i < q.length; i++) {
        const pattern = q.slice(i, i + 1 + Math.floor(rand() * 6));
        assert.equal(idx.count(pattern), docs.reduce((a, d) => a + occurrencesIn(d.tokens, pattern), 0), `seed ${seed}, count [${pattern}]`);
      }
    }
  }
  assert.ok(longSpans > 50, `the corpora should yield long spans to compare (got ${longSpans})`);
});

test('many small shards give the same answers as one shard', async () => {
  for (let seed = 40; seed < 46; seed++) {
    const { docs, rand, vocab } = corpus(seed);
    const longest = Math.max(...docs.map((d) => d.tokens.length));
    const one = await build(docs);
    const many = await build(docs, longest + 1);
    assert.ok(many.info.shardCount > 1 || docs.length === 1, `seed ${seed}: expected several shards`);
    assert.equal(many.info.tokenCount, one.info.tokenCount);
    for (const q of queriesFor(docs, rand, vocab)) {
      assert.deepEqual(many.findSpans({ tokens: q, minLength: 2 }), one.findSpans({ tokens: q, minLength: 2 }), `seed ${seed}, query [${q}]`);
      if (q.length) assert.equal(many.count(q.slice(0, 3)), one.count(q.slice(0, 3)));
    }
  }
});

test('no span runs across a record boundary', async () => {
  const idx = await build([{ recordIndex: 0, tokens: [1, 2, 3, 4] }, { recordIndex: 1, tokens: [5, 6, 7, 8] }]);
  const { spans } = idx.findSpans({ tokens: [2, 3, 4, 5, 6, 7], minLength: 1 });
  assert.deepEqual(spans.map((s) => [s.start, s.end, s.records[0]!.recordIndex]), [[0, 3, 0], [3, 6, 1]]);
  assert.equal(idx.count([4, 5]), 0);
  assert.equal(idx.count([3, 4]), 1);
});

test('a record longer than a shard is cut into pieces that keep its record index', async () => {
  const tokens = Array.from({ length: 30 }, (_, i) => i + 1);
  const idx = await build([{ recordIndex: 7, tokens }], 11);
  assert.equal(idx.info.shardCount, 3);
  assert.equal(idx.count(tokens.slice(0, 10)), 1);
  const { spans } = idx.findSpans({ tokens, minLength: 5 });
  assert.deepEqual(spans.map((s) => [s.start, s.end]), [[0, 10], [10, 20], [20, 30]]);
  assert.ok(spans.every((s) => s.records[0]!.recordIndex === 7));
});

test('records are counted per occurrence, most first, and capped as asked', async () => {
  const phrase = [10, 11, 12, 13, 14, 15, 16, 17];
  const idx = await build([
    { recordIndex: 0, tokens: [1, ...phrase, 2] },
    { recordIndex: 1, tokens: [...phrase, 3, ...phrase, 4, ...phrase] },
    { recordIndex: 2, tokens: [5, 6] },
    { recordIndex: 3, tokens: [...phrase, 9] },
  ]);
  const [span] = idx.findSpans({ tokens: [0, ...phrase, 0] }).spans;
  assert.deepEqual(span, {
    start: 1, end: 9, length: 8, occurrences: 5, distinctRecords: 3, recordsComplete: true,
    records: [{ recordIndex: 1, count: 3 }, { recordIndex: 0, count: 1 }, { recordIndex: 3, count: 1 }],
  });
  const capped = idx.findSpans({ tokens: phrase, maxRecordsPerSpan: 1, maxOccurrencesScanned: 2 }).spans[0]!;
  assert.equal(capped.occurrences, 5);
  assert.equal(capped.records.length, 1);
  assert.equal(capped.recordsComplete, false);
  assert.equal(idx.findSpans({ tokens: phrase, minLength: 9 }).spans.length, 0);
});

test('progress reaches the total and the finished folder holds only the index files', async () => {
  const dir = freshDir();
  const w = await SpanIndexWriter.create({ dir, shardTokens: 64 });
  const { docs } = corpus(3);
  for (const d of docs) w.addDocument(d);
  const seen: Array<[number, number, string]> = [];
  const info = await w.finish({ onProgress: (done, total, phase) => seen.push([done, total, phase]) });
  const total = seen[0]![1];
  assert.equal(total, info.tokenCount + info.documentCount);
  assert.deepEqual(seen.at(-1), [total, total, 'done']);
  assert.ok(seen.every(([d], i) => i === 0 || d >= seen[i - 1]![0]), 'progress never goes back');
  assert.deepEqual(readdirSync(dir).sort(), ['docs.u32', 'manifest.json', ...Array.from({ length: info.shardCount }, (_, i) => `sa-000${i}.u32`), 'tokens.u32'].sort());
  assert.deepEqual(readdirSync(root).filter((n) => n.includes('.building-')), []);
});

test('a cancelled build leaves nothing behind', async () => {
  const dir = freshDir();
  const w = await SpanIndexWriter.create({ dir });
  w.addDocument({ recordIndex: 0, tokens: [1, 2, 3] });
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(w.finish({ signal: ac.signal }), (e) => isAppError(e) && e.code === 'CANCELLED');
  assert.equal(existsSync(dir), false);
  assert.deepEqual(readdirSync(root).filter((n) => n.includes('.building-')), []);
  await assert.rejects(SpanIndex.open(dir), (e) => isAppError(e) && e.code === 'NOT_FOUND');
});

test('a writer dropped after an error is superseded by the next build of the same folder', async () => {
  const dir = freshDir();
  const dropped = await SpanIndexWriter.create({ dir });
  dropped.addDocument({ recordIndex: 0, tokens: [1, 2, 3] });
  const staging = () => readdirSync(root).filter((n) => n.startsWith(`.${dir.split('/').pop()}.building-`));
  assert.equal(staging().length, 1);
  const w = await SpanIndexWriter.create({ dir });
  assert.equal(staging().length, 1, 'the dropped build\'s staging folder is gone');
  assert.throws(() => dropped.addDocument({ recordIndex: 1, tokens: [4] }), (e) => isAppError(e) && e.code === 'CONFLICT' && /aborted/.test(e.message));
  w.addDocument({ recordIndex: 5, tokens: [7, 8, 9] });
  await w.finish();
  assert.deepEqual(staging(), []);
  assert.deepEqual((await SpanIndex.open(dir)).findSpans({ tokens: [7, 8, 9], minLength: 2 }).spans[0]!.records, [{ recordIndex: 5, count: 1 }]);
});

test('the cache reuses an open index until its folder is rebuilt, and keeps the most recent ones', async () => {
  const cache = new SpanIndexCache(2);
  const [a, b, c] = [freshDir(), freshDir(), freshDir()];
  await build([{ recordIndex: 0, tokens: [1, 2, 3] }], undefined, a);
  await build([{ recordIndex: 0, tokens: [4, 5, 6] }], undefined, b);
  await build([{ recordIndex: 0, tokens: [7, 8, 9] }], undefined, c);
  const first = await cache.get(a);
  assert.equal(await cache.get(a), first);
  rmSync(a, { recursive: true });
  await assert.rejects(cache.get(a), (e) => isAppError(e) && e.code === 'NOT_FOUND');
  await build([{ recordIndex: 0, tokens: [1, 2, 3, 1, 2, 3] }], undefined, a);
  const rebuilt = await cache.get(a);
  assert.notEqual(rebuilt, first);
  assert.equal(rebuilt.count([1, 2]), 2);
  await cache.get(b);
  await cache.get(c); // a is now the least recently used of three
  assert.notEqual(await cache.get(a), rebuilt);
  assert.equal(await cache.get(a), await cache.get(a));
});

test('bad input is refused with an error that says which record, token or option', async () => {
  const dir = freshDir();
  const w = await SpanIndexWriter.create({ dir });
  assert.throws(() => w.addDocument({ recordIndex: 4, tokens: [1, 1 << 22] }), (e) => isAppError(e) && e.code === 'BAD_INPUT' && /Record 4: token 1/.test(e.message));
  assert.throws(() => w.addDocument({ recordIndex: 5, tokens: [1, -2] }), (e) => isAppError(e) && /Record 5: token 1 is -2/.test(e.message));
  assert.throws(() => w.addDocument({ recordIndex: -1, tokens: [] }), (e) => isAppError(e) && /recordIndex/.test(e.message));
  w.addDocument({ recordIndex: 0, tokens: [1, 2, 3] });
  await w.finish();
  await assert.rejects(SpanIndexWriter.create({ dir }), (e) => isAppError(e) && e.code === 'CONFLICT');
  await assert.rejects(SpanIndexWriter.create({ dir: freshDir(), shardTokens: 1 }), (e) => isAppError(e) && /shardTokens/.test(e.message));
  const idx = await SpanIndex.open(dir);
  assert.throws(() => idx.findSpans({ tokens: [1, 2], minLength: 0 }), (e) => isAppError(e) && /minLength/.test(e.message));
  assert.throws(() => idx.count(Uint32Array.of(1, 0xffffffff)), (e) => isAppError(e) && e.code === 'BAD_INPUT');
});

test('corrupt or mismatched files are refused with the file named', async () => {
  const docs = corpus(5).docs;
  const make = async () => {
    const dir = freshDir();
    await build(docs, undefined, dir);
    return dir;
  };
  const refused = async (dir: string, file: RegExp, verify = false) =>
    assert.rejects(SpanIndex.open(dir, { verify }), (e) => isAppError(e) && e.code === 'STORAGE' && file.test(e.message));

  let dir = await make();
  truncateSync(join(dir, 'sa-0000.u32'), 4);
  await refused(dir, /sa-0000\.u32 is 4 bytes/);

  dir = await make();
  writeFileSync(join(dir, 'manifest.json'), '{"format":"datanet-span-index","version":9}');
  await refused(dir, /manifest\.json .*version/);

  dir = await make();
  writeFileSync(join(dir, 'manifest.json'), '{ not json');
  await refused(dir, /manifest\.json is not valid JSON/);

  // Same size, different content: only the hash check sees it.
  dir = await make();
  const sa = readFileSync(join(dir, 'sa-0000.u32'));
  sa.writeUInt32LE(sa.readUInt32LE(0) ^ 1, 0);
  writeFileSync(join(dir, 'sa-0000.u32'), sa);
  await refused(dir, /sa-0000\.u32 does not match the sha256/, true);

  // A suffix array entry pointing outside its shard is caught even without the hash check.
  sa.writeUInt32LE(0xfffffff0, 0);
  writeFileSync(join(dir, 'sa-0000.u32'), sa);
  await refused(dir, /sa-0000\.u32: entry 0/);

  // Token files of two different builds swapped.
  dir = await make();
  const other = freshDir();
  await build(corpus(6).docs, undefined, other);
  writeFileSync(join(dir, 'tokens.u32'), readFileSync(join(other, 'tokens.u32')));
  await refused(dir, /tokens\.u32/);
});
