import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { AppError } from '../../../shared/errors.js';
import { assertLittleEndian, infoOf, Manifest, MANIFEST_FILE, SEPARATOR, type SpanIndexInfo } from './format.js';
import { readU32Range } from './u32-file.js';

const QueryTokenArray = z.array(z.number().int().nonnegative().lt(SEPARATOR));

const SpanQueryOptions = z.object({
  /** Spans shorter than this many tokens are not reported. */
  minLength: z.number().int().min(1).default(8),
  /** Records listed per span, most occurrences first. */
  maxRecordsPerSpan: z.number().int().nonnegative().default(20),
  /** Occurrences looked up per span to count records; past it `recordsComplete` is false. */
  maxOccurrencesScanned: z.number().int().positive().default(100_000),
});
export interface SpanQuery extends z.input<typeof SpanQueryOptions> {
  /** The answer's token ids (the tokenizer the index was built with). */
  tokens: Uint32Array | readonly number[];
}

export interface RecordCount {
  recordIndex: number;
  count: number;
}

export interface SpanMatch {
  /** Query token offsets, end exclusive. */
  start: number;
  end: number;
  length: number;
  /** Occurrences in the whole index. */
  occurrences: number;
  records: RecordCount[];
  /** Distinct records among the scanned occurrences. */
  distinctRecords: number;
  /** False when more occurrences exist than were scanned: record counts are then a sample. */
  recordsComplete: boolean;
}

interface Shard {
  /** The shard's positions of tokens.u32 (a view, not a copy). */
  tok: Uint32Array;
  sa: Uint32Array;
  tokenStart: number;
}

/**
 * A span index opened for queries. The token file and every suffix array are read into memory
 * (8 bytes per token, 4 of them shared by all shards): a query makes a few thousand random
 * accesses, which in memory take microseconds and as file reads would take a syscall each. The
 * build, not the query side, is what has to handle snapshots larger than memory.
 */
export class SpanIndex {
  private constructor(
    readonly info: SpanIndexInfo,
    private readonly shards: Shard[],
    private readonly docStarts: Uint32Array,
    private readonly docRecords: Uint32Array,
  ) {}

  /** Opens and checks an index folder; `verify` also checks every file's sha256 (reads it all twice). */
  static async open(dirInput: string, opts: { verify?: boolean } = {}): Promise<SpanIndex> {
    assertLittleEndian();
    const dir = resolve(dirInput);
    const manifestPath = join(dir, MANIFEST_FILE);
    if (!existsSync(manifestPath)) throw new AppError('NOT_FOUND', `${dir} is not a span index: ${MANIFEST_FILE} is missing (an unfinished build leaves none).`);
    const raw = readFileSync(manifestPath);
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch (e) {
      throw new AppError('STORAGE', `${manifestPath} is not valid JSON: ${(e as Error).message}`);
    }
    const parsed = Manifest.safeParse(json);
    if (!parsed.success) throw new AppError('STORAGE', `${manifestPath} is not a span index manifest this version reads: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const m = parsed.data;

    const files = [m.tokens, m.docs, ...m.shards.map((s) => s.file)];
    for (const f of files) {
      const path = join(dir, f.name);
      if (f.name.includes('/') || f.name.includes('\\') || f.name.startsWith('.')) throw new AppError('STORAGE', `${manifestPath}: file name "${f.name}" is not a plain file name.`);
      if (!existsSync(path)) throw new AppError('STORAGE', `${path} is missing (listed in ${MANIFEST_FILE}).`);
      const size = statSync(path).size;
      if (size !== f.bytes) throw new AppError('STORAGE', `${path} is ${size} bytes; ${MANIFEST_FILE} says ${f.bytes}.`);
      if (opts.verify && (await sha256File(path)) !== f.sha256) throw new AppError('STORAGE', `${path} does not match the sha256 in ${MANIFEST_FILE}: the file is corrupt.`);
    }
    const expect = (cond: boolean, file: string, what: string) => {
      if (!cond) throw new AppError('STORAGE', `${join(dir, file)}: ${what}; the index is corrupt or its files are mismatched.`);
    };
    expect(m.tokens.bytes === m.totalPositions * 4, m.tokens.name, `${m.tokens.bytes} bytes for ${m.totalPositions} positions`);
    expect(m.docs.bytes === m.documentCount * 8, m.docs.name, `${m.docs.bytes} bytes for ${m.documentCount} documents`);

    const tokens = readU32Range(join(dir, m.tokens.name), 0, m.totalPositions);
    const docs = readU32Range(join(dir, m.docs.name), 0, m.documentCount * 2);
    const docStarts = new Uint32Array(m.documentCount);
    const docRecords = new Uint32Array(m.documentCount);
    for (let d = 0; d < m.documentCount; d++) {
      docStarts[d] = docs[2 * d]!;
      docRecords[d] = docs[2 * d + 1]!;
      const ok = d === 0 ? docStarts[0] === 0 : docStarts[d]! > docStarts[d - 1]! && docStarts[d]! < m.totalPositions;
      expect(ok, m.docs.name, `document ${d} starts at ${docStarts[d]}, out of order`);
      expect(docStarts[d] === 0 || tokens[docStarts[d]! - 1] === SEPARATOR, m.tokens.name, `no separator before document ${d}`);
    }
    expect(m.totalPositions === 0 || tokens[m.totalPositions - 1] === SEPARATOR, m.tokens.name, 'the last position is not a separator');

    const shards: Shard[] = [];
    let next = 0;
    for (const s of m.shards) {
      expect(s.tokenStart === next && s.tokenCount > 0, MANIFEST_FILE, `shard ${s.file.name} starts at ${s.tokenStart}, expected ${next}`);
      next = s.tokenStart + s.tokenCount;
      expect(s.file.bytes === s.suffixes * 4 && s.suffixes < s.tokenCount, s.file.name, `${s.file.bytes} bytes for ${s.suffixes} suffixes`);
      const tok = tokens.subarray(s.tokenStart, next);
      expect(tok[tok.length - 1] === SEPARATOR, m.tokens.name, `shard ${s.file.name} does not end at a document boundary`);
      const sa = readU32Range(join(dir, s.file.name), 0, s.suffixes);
      // Every suffix must start inside the shard on a token: then every comparison stops at a
      // separator before it could read past the shard.
      for (let i = 0; i < sa.length; i++) {
        const p = sa[i]!;
        if (p >= tok.length || tok[p] === SEPARATOR) expect(false, s.file.name, `entry ${i} (${p}) is not a token position of its shard`);
      }
      shards.push({ tok, sa, tokenStart: s.tokenStart });
    }
    expect(next === m.totalPositions, MANIFEST_FILE, `shards cover ${next} of ${m.totalPositions} positions`);
    return new SpanIndex(infoOf(dir, m, raw.length), shards, docStarts, docRecords);
  }

  /** How many times `tokens` occurs in the indexed records. */
  count(tokensInput: Uint32Array | readonly number[]): number {
    const tokens = parseTokens(tokensInput);
    if (tokens.length === 0) throw new AppError('BAD_INPUT', 'count needs at least one token.');
    let n = 0;
    for (const s of this.shards) {
      const [lo, hi] = rangeOf(s, tokens, 0, tokens.length);
      n += hi - lo;
    }
    return n;
  }

  /**
   * For each query position, the length of the longest prefix of the query from there that occurs
   * in the index. A suffix of a match is a match, so each position starts from the previous
   * length minus one rather than from zero.
   */
  longestMatches(tokensInput: Uint32Array | readonly number[]): Int32Array {
    const q = parseTokens(tokensInput);
    const lengths = new Int32Array(q.length);
    let prev = 0;
    for (let i = 0; i < q.length; i++) {
      const atLeast = Math.max(prev - 1, 0);
      let best = atLeast;
      for (const s of this.shards) best = Math.max(best, longestFrom(s, q, i, atLeast));
      lengths[i] = best;
      prev = best;
    }
    return lengths;
  }

  /**
   * The maximal spans of the query that occur in the index: at each position the longest match,
   * minus those that end where the previous position's match ends (they lie inside it), minus
   * those shorter than minLength. With the records they occur in and how often.
   */
  findSpans(input: SpanQuery): { spans: SpanMatch[] } {
    const { tokens, ...options } = input;
    const parsed = SpanQueryOptions.safeParse(options);
    if (!parsed.success) throw new AppError('BAD_INPUT', `Invalid span query: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const { minLength, maxRecordsPerSpan, maxOccurrencesScanned } = parsed.data;
    const q = parseTokens(tokens);
    const lengths = this.longestMatches(q);
    const spans: SpanMatch[] = [];
    for (let i = 0; i < q.length; i++) {
      const len = lengths[i]!;
      if (len < minLength) continue;
      if (i > 0 && i + len <= i - 1 + lengths[i - 1]!) continue;
      spans.push({ start: i, end: i + len, length: len, ...this.recordsOf(q, i, len, maxRecordsPerSpan, maxOccurrencesScanned) });
    }
    return { spans };
  }

  private recordsOf(q: Uint32Array, from: number, len: number, maxRecords: number, maxScanned: number) {
    const counts = new Map<number, number>();
    let occurrences = 0;
    let scanned = 0;
    for (const s of this.shards) {
      const [lo, hi] = rangeOf(s, q, from, len);
      occurrences += hi - lo;
      for (let x = lo; x < hi && scanned < maxScanned; x++, scanned++) {
        const record = this.recordAt(s.tokenStart + s.sa[x]!);
        counts.set(record, (counts.get(record) ?? 0) + 1);
      }
    }
    const records = [...counts].map(([recordIndex, count]) => ({ recordIndex, count }));
    records.sort((a, b) => b.count - a.count || a.recordIndex - b.recordIndex);
    return { occurrences, records: records.slice(0, maxRecords), distinctRecords: records.length, recordsComplete: scanned === occurrences };
  }

  private recordAt(position: number): number {
    let lo = 0;
    let hi = this.docStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.docStarts[mid]! <= position) lo = mid;
      else hi = mid - 1;
    }
    return this.docRecords[lo]!;
  }
}

function parseTokens(input: Uint32Array | readonly number[]): Uint32Array {
  if (input instanceof Uint32Array) {
    // The separator id would match the boundary between two records.
    if (input.includes(SEPARATOR)) throw new AppError('BAD_INPUT', `Query token ${input.indexOf(SEPARATOR)} is ${SEPARATOR}, which is not a token id.`);
    return input;
  }
  const parsed = QueryTokenArray.safeParse(input);
  if (!parsed.success) throw new AppError('BAD_INPUT', `Query tokens must be token ids: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return Uint32Array.from(parsed.data);
}

/** Compares the suffix at p with pattern q[from, from+len): <0, 0 (the suffix starts with it), >0. */
function compareAt(tok: Uint32Array, p: number, q: Uint32Array, from: number, len: number): number {
  for (let j = 0; j < len; j++) {
    const a = tok[p + j]!;
    const b = q[from + j]!;
    if (a !== b) return a < b ? -1 : 1;
  }
  return 0;
}

/** The suffix array range [lo, hi) of the suffixes starting with q[from, from+len). */
function rangeOf(s: Shard, q: Uint32Array, from: number, len: number): [number, number] {
  const { tok, sa } = s;
  let lo = 0;
  let hi = sa.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareAt(tok, sa[mid]!, q, from, len) < 0) lo = mid + 1;
    else hi = mid;
  }
  const start = lo;
  hi = sa.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareAt(tok, sa[mid]!, q, from, len) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return [start, lo];
}

/**
 * The longest match of q[i..] in this shard, or -1 when it is shorter than `atLeast`. The range
 * of suffixes that match the first d tokens is narrowed one token at a time; once a single suffix
 * is left, the rest is a plain comparison.
 */
function longestFrom(s: Shard, q: Uint32Array, i: number, atLeast: number): number {
  const { tok, sa } = s;
  let lo = 0;
  let hi = sa.length;
  let d = 0;
  if (atLeast > 0) {
    [lo, hi] = rangeOf(s, q, i, atLeast);
    if (lo >= hi) return -1;
    d = atLeast;
  }
  const n = q.length - i;
  while (d < n && hi - lo > 1) {
    const c = q[i + d]!;
    let a = lo;
    let b = hi;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (tok[sa[mid]! + d]! < c) a = mid + 1;
      else b = mid;
    }
    const first = a;
    b = hi;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (tok[sa[mid]! + d]! <= c) a = mid + 1;
      else b = mid;
    }
    if (first === a) return d;
    lo = first;
    hi = a;
    d++;
  }
  if (hi - lo === 1) {
    const p = sa[lo]!;
    // Query tokens are never SEPARATOR, so this stops at the record's end at the latest.
    while (d < n && tok[p + d] === q[i + d]) d++;
  }
  return d;
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}
