import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { AppError } from '../../../shared/errors.js';
import { writeFileAtomic } from '../../common/atomic-file.js';
import type { ShardPlan } from './build-shard.js';
import { buildShards, type BuildPhase } from './build-runner.js';
import {
  assertLittleEndian, DEFAULT_SHARD_TOKENS, DOCS_FILE, FORMAT, FORMAT_VERSION, infoOf, type Manifest, MANIFEST_FILE, MAX_TOTAL_TOKENS,
  SEPARATOR, type SpanIndexInfo, TOKEN_ID_LIMIT, TOKENS_FILE,
} from './format.js';
import { HashedFileWriter } from './hashed-file.js';

const WriterOptions = z.object({
  /** The index folder to create; it must not exist yet. */
  dir: z.string().min(1),
  /** Most positions (tokens plus one separator per document) per suffix array; bounds build memory. */
  shardTokens: z.number().int().min(2).max(2 ** 31 - 1).default(DEFAULT_SHARD_TOKENS),
  /** The build worker script (bundled hosts); see README.md. */
  workerPath: z.string().min(1).optional(),
});
export type SpanIndexWriterOptions = z.input<typeof WriterOptions>;

export interface SpanIndexDocument {
  /** The record's position in the snapshot; queries report it back. */
  recordIndex: number;
  tokens: Uint32Array | readonly number[];
}

export interface FinishOptions {
  /** done and total are token positions; phase says what the build is doing. */
  onProgress?: (done: number, total: number, phase: BuildPhase) => void;
  signal?: AbortSignal;
}

const SEPARATOR_WORD = Uint32Array.of(SEPARATOR);
const STAGING_MARK = '.building-';
/** This process's writers not yet finished or aborted, by target folder. */
const pending = new Map<string, SpanIndexWriter>();

/**
 * Streams a snapshot's tokenized records to disk, then builds the suffix arrays in a worker.
 * Everything is written in a staging folder beside `dir` that is renamed into place once the
 * manifest is in it, so a cancelled, failed or killed build never leaves a folder that opens.
 */
export class SpanIndexWriter {
  private readonly tokens: HashedFileWriter;
  private docs = new Uint32Array(2 * 1024);
  private docCount = 0;
  private position = 0;
  private tokenCount = 0;
  private maxTokenId = -1;
  private shardStart = 0;
  private readonly shards: ShardPlan[] = [];
  private state: 'open' | 'finishing' | 'done' | 'aborted' = 'open';
  private readonly startedAt = performance.now();

  private constructor(
    readonly dir: string,
    private readonly staging: string,
    private readonly shardTokens: number,
    private readonly workerPath: string | undefined,
  ) {
    this.tokens = new HashedFileWriter(join(staging, TOKENS_FILE));
  }

  static async create(input: SpanIndexWriterOptions): Promise<SpanIndexWriter> {
    const parsed = WriterOptions.safeParse(input);
    if (!parsed.success) throw new AppError('BAD_INPUT', `Invalid span index options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    assertLittleEndian();
    const dir = resolve(parsed.data.dir);
    if (existsSync(dir)) throw new AppError('CONFLICT', `${dir} already exists: a span index is built into a new folder.`);
    mkdirSync(dirname(dir), { recursive: true, mode: 0o700 });
    // A newer build of the same folder supersedes one still taking documents (perhaps dropped
    // after an error without abort()); one already sorting is left to finish.
    const earlier = pending.get(dir);
    if (earlier?.state === 'finishing') throw new AppError('CONFLICT', `${dir} is being built already.`);
    earlier?.abort();
    removeStaleStaging(dir);
    const staging = join(dirname(dir), `.${basename(dir)}${STAGING_MARK}${process.pid}-${randomBytes(4).toString('hex')}`);
    mkdirSync(staging, { mode: 0o700 });
    const writer = new SpanIndexWriter(dir, staging, parsed.data.shardTokens, parsed.data.workerPath);
    pending.set(dir, writer);
    return writer;
  }

  /**
   * Appends one record's tokens. A record longer than a shard is cut into shard-sized pieces
   * (a span across a cut is not found); no span ever runs from one record into the next.
   */
  addDocument(doc: SpanIndexDocument): void {
    if (this.state !== 'open') throw new AppError('CONFLICT', `The span index writer for ${this.dir} is ${this.state}; no more documents can be added.`);
    const { recordIndex } = doc;
    if (!Number.isInteger(recordIndex) || recordIndex < 0 || recordIndex > 0xffffffff) throw new AppError('BAD_INPUT', `recordIndex must be an integer in [0, 2^32): got ${recordIndex}.`);
    const tokens = doc.tokens instanceof Uint32Array ? doc.tokens : this.toU32(doc.tokens, recordIndex);
    let max = this.maxTokenId;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t >= TOKEN_ID_LIMIT) throw new AppError('BAD_INPUT', `Record ${recordIndex}: token ${i} has id ${t}, above the span index limit ${TOKEN_ID_LIMIT - 1}.`);
      if (t > max) max = t;
    }
    const pieceMax = this.shardTokens - 1;
    if (this.position + tokens.length + Math.ceil(Math.max(tokens.length, 1) / pieceMax) > MAX_TOTAL_TOKENS) {
      throw new AppError('BAD_INPUT', `Record ${recordIndex}: the span index would pass ${MAX_TOTAL_TOKENS} positions.`);
    }
    this.maxTokenId = max;
    let from = 0;
    do {
      const piece = tokens.subarray(from, Math.min(tokens.length, from + pieceMax));
      if (this.position - this.shardStart + piece.length + 1 > this.shardTokens) this.closeShard();
      this.pushDoc(this.position, recordIndex);
      this.tokens.writeU32(piece);
      this.tokens.writeU32(SEPARATOR_WORD);
      this.position += piece.length + 1;
      from += piece.length;
    } while (from < tokens.length);
    this.tokenCount += tokens.length;
  }

  /** Builds the suffix arrays and moves the finished index into place. */
  async finish(opts: FinishOptions = {}): Promise<SpanIndexInfo> {
    if (this.state !== 'open') throw new AppError('CONFLICT', `The span index writer for ${this.dir} is ${this.state}.`);
    this.state = 'finishing';
    try {
      const tokensFile = this.tokens.close();
      const docsOut = new HashedFileWriter(join(this.staging, DOCS_FILE));
      docsOut.writeU32(this.docs.subarray(0, this.docCount * 2));
      const docsFile = docsOut.close();
      this.closeShard();
      const shards = await buildShards({
        dir: this.staging, plans: this.shards, totalPositions: this.position, workerPath: this.workerPath,
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}), ...(opts.signal ? { signal: opts.signal } : {}),
      });
      const manifest: Manifest = {
        format: FORMAT, version: FORMAT_VERSION, totalPositions: this.position, tokenCount: this.tokenCount, documentCount: this.docCount,
        maxTokenId: this.maxTokenId, tokens: { name: TOKENS_FILE, ...tokensFile }, docs: { name: DOCS_FILE, ...docsFile }, shards,
        builtAt: new Date().toISOString(), buildSeconds: (performance.now() - this.startedAt) / 1000,
      };
      const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
      writeFileAtomic(join(this.staging, MANIFEST_FILE), [manifestBytes]);
      if (opts.signal?.aborted) throw new AppError('CANCELLED', 'The span index build was cancelled.');
      renameSync(this.staging, this.dir);
      fsyncDir(dirname(this.dir));
      this.state = 'done';
      if (pending.get(this.dir) === this) pending.delete(this.dir);
      opts.onProgress?.(this.position, this.position, 'done');
      return infoOf(this.dir, manifest, manifestBytes.length);
    } catch (e) {
      this.abort();
      throw e;
    }
  }

  /** Throws the partial build away. */
  abort(): void {
    if (this.state === 'done' || this.state === 'aborted') return;
    this.state = 'aborted';
    this.tokens.discard();
    rmSync(this.staging, { recursive: true, force: true });
    if (pending.get(this.dir) === this) pending.delete(this.dir);
  }

  private toU32(tokens: readonly number[], recordIndex: number): Uint32Array {
    const out = new Uint32Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (!Number.isInteger(t) || t < 0) throw new AppError('BAD_INPUT', `Record ${recordIndex}: token ${i} is ${t}, not a token id.`);
      out[i] = t;
    }
    return out;
  }

  private pushDoc(start: number, recordIndex: number): void {
    if (this.docCount * 2 === this.docs.length) {
      const grown = new Uint32Array(this.docs.length * 2);
      grown.set(this.docs);
      this.docs = grown;
    }
    this.docs[this.docCount * 2] = start;
    this.docs[this.docCount * 2 + 1] = recordIndex;
    this.docCount++;
  }

  private closeShard(): void {
    if (this.position === this.shardStart) return;
    this.shards.push({ index: this.shards.length, tokenStart: this.shardStart, tokenCount: this.position - this.shardStart });
    this.shardStart = this.position;
  }
}

function fsyncDir(path: string): void {
  try {
    const fd = openSync(path, 'r');
    try { fsyncSync(fd); } finally { closeSync(fd); }
  } catch {
    // Some filesystems refuse fsync on a directory; the rename has still happened.
  }
}

/** Removes the staging folders of builds whose process is gone (killed, power cut). */
function removeStaleStaging(dir: string): void {
  const prefix = `.${basename(dir)}${STAGING_MARK}`;
  for (const name of readdirSync(dirname(dir))) {
    if (!name.startsWith(prefix)) continue;
    const path = join(dirname(dir), name);
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    // This process's own writers are in `pending`; another live process may still be building.
    if (!Number.isInteger(pid) || pid === process.pid || isAlive(pid)) continue;
    rmSync(path, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
