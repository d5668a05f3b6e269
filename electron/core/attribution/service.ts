/**
 * Attribution as the app runs it: a span index per adapter (built from its snapshot with the base
 * model's tokenizer), influence sketches written by the trainer, and for each answer the records
 * and contributors it came from, with a receipt stored locally and signed when allowed.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { getAddress } from 'ethers';
import { AttributionSettings, type Attribution, type AttributedRecord, type AttributedSpan, type IndexStatus, type ReceiptSummary } from '../../shared/attribution';
import { AppError } from '../../shared/errors';
import type { Job } from '../../shared/jobs';
import type { RecordContent } from '../../shared/datanets';
import { ReceiptFile, type ReceiptVerification } from '../../shared/receipts';
import type { Adapter } from '../../shared/training';
import type { AuditLog } from '../audit/log';
import type { Db } from '../db/open';
import type { SnapshotRecord, SnapshotStore } from '../datanets/snapshots';
import type { JobManager } from '../jobs/manager';
import { orphanedRows, ownerColumn, recoverOrphans, type WorkRows } from '../jobs/owned-work';
import type { TrainingRuns } from '../training/app-runs';
import { writeFileAtomic } from '../common/atomic-file';
import { nowIso } from '../common/ids';
import { readInfluenceHeader } from '../training/influence-file';
import { SpanIndexCache } from './span-index/cache';
import type { InfluenceScorer } from '../training/influence';
import { makeReceipt, newSalt, paramsHash, saltedTextHash, sha256Hex, verifyReceipt, type TypedDataSigner } from './receipts';
import { combineRecordScores, contributorShares, influenceRecordScores, spanRecordScores, type MethodScores } from './shares';

const SETTINGS_KEY = 'attribution.settings';
const MAX_RECORDS_SHOWN = 50;

export interface AttributionDeps {
  db: Db;
  audit: AuditLog;
  actor: string;
  jobs: JobManager;
  training: TrainingRuns;
  snapshots: SnapshotStore;
  /** The unlocked wallet's typed-data signer, or null when no wallet is unlocked. */
  receiptSigner: () => TypedDataSigner | null;
}

interface IndexRow {
  adapter_id: string;
  state: 'building' | 'ready' | 'failed';
  dir: string;
  tokens: number | null;
  bytes: number | null;
  error: string | null;
  built_at: string | null;
}

interface ReceiptRow {
  digest: string;
  adapter_id: string;
  source: ReceiptSummary['source'];
  prompt: string;
  answer: string;
  salt: string;
  detail: string;
  receipt: string;
  signer: string | null;
  usage_tokens: number;
  epoch: number | null;
  created_at: string;
}

/** The texts of a record that answers can quote: every field a model learns from. */
export function recordTexts(c: RecordContent): string[] {
  if (c.kind === 'text') return [c.text];
  if (c.kind === 'instruction') return [c.instruction, c.input, c.response].filter((s) => s.length > 0);
  return c.messages.map((m) => m.content);
}

export const spanIndexDir = (adapter: Adapter) => adapter.file.replace(/\.gguf$/, '') + '.spans';

/** Span index builds as owned work: a building row names the process building it. */
export const INDEX_ROWS: WorkRows = { table: 'attribution_indexes', key: 'adapter_id', running: `state = 'building'` };

export class AttributionService {
  /** Opening a 10M-token index costs ~0.4 s, so opened indexes are kept between answers. */
  private readonly indexes = new SpanIndexCache();
  /** The influence scorer of the adapter attributed last: a runner child that keeps its file loaded. */
  private scorer: { influencePath: string; scorer: Promise<InfluenceScorer> } | null = null;

  /** Adapters whose index this process is building: a second build of one is refused. */
  private readonly building = new Set<string>();

  constructor(private readonly d: AttributionDeps) {
    // Builds the app was in the middle of when it stopped left nothing that opens: say so. A build
    // another live process is running (the CLI beside the app) is left to it.
    recoverOrphans(d.db, INDEX_ROWS, `state = 'failed', error = 'interrupted: the app stopped during the build'`);
  }

  settings(): AttributionSettings {
    const row = this.d.db.prepare('SELECT value FROM settings WHERE key = ?').get(SETTINGS_KEY) as { value: string } | undefined;
    return AttributionSettings.parse(row ? JSON.parse(row.value) : {});
  }

  setSettings(patch: Partial<AttributionSettings>): AttributionSettings {
    const next = AttributionSettings.parse({ ...this.settings(), ...patch });
    this.d.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(SETTINGS_KEY, JSON.stringify(next));
    this.d.audit.append({ actor: this.d.actor, action: 'attribution.settings', subject: 'attribution', details: next });
    return next;
  }

  indexStatus(adapterId: string): IndexStatus {
    const adapter = this.d.training.getAdapter(adapterId);
    const row = this.indexRow(adapterId);
    const influence = influenceSummary(adapter);
    return {
      adapterId,
      span: {
        state: row ? row.state : 'missing',
        tokens: row?.tokens ?? null,
        bytes: row?.bytes ?? null,
        error: row?.error ?? null,
        builtAt: row?.built_at ?? null,
      },
      influence: {
        available: influence !== null,
        checkpoints: influence?.checkpoints ?? null,
        dim: influence?.dim ?? null,
        records: influence?.examples ?? null,
      },
    };
  }

  private indexRow(adapterId: string): IndexRow | undefined {
    return this.d.db.prepare('SELECT * FROM attribution_indexes WHERE adapter_id = ?').get(adapterId) as IndexRow | undefined;
  }

  /** A job: tokenizes the adapter's snapshot with its base model and builds the span index beside the adapter. */
  buildIndex(adapterId: string): Job {
    const adapter = this.d.training.getAdapter(adapterId);
    const dir = spanIndexDir(adapter);
    const upsert = this.d.db.prepare(
      `INSERT INTO attribution_indexes (adapter_id, state, dir, tokens, bytes, error, built_at, owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (adapter_id) DO UPDATE SET state = excluded.state, dir = excluded.dir, tokens = excluded.tokens, bytes = excluded.bytes,
         error = excluded.error, built_at = excluded.built_at, owner = excluded.owner`,
    );
    const owner = ownerColumn();
    const setState = { run: (...row: (string | number | null)[]) => upsert.run(...row, owner) };
    // Checked and claimed in one (write) transaction: of two processes building one index at once,
    // the second sees the first's claim instead of both writing into one folder.
    this.d.db.transaction(() => {
      const elsewhere = this.indexRow(adapterId)?.state === 'building' && !orphanedRows(this.d.db, INDEX_ROWS).some((r) => r.id === adapterId);
      if (this.building.has(adapterId) || elsewhere) throw new AppError('CONFLICT', `The span index of ${adapterId} is being built already${elsewhere ? ' by another process on this workspace' : ''}.`);
      setState.run(adapterId, 'building', dir, null, null, null, null);
    })();
    this.building.add(adapterId);
    return this.d.jobs.start({
      kind: 'attribution.buildIndex',
      title: `Build the span index of ${adapterId}`,
      unit: 'tokens',
      run: async (ctx) => {
        try {
          const records = this.d.snapshots.records(adapter.snapshotId);
          const { loadModel } = await import('../inference/engine.js');
          const model = await loadModel(adapter.baseModelPath);
          const { SpanIndexWriter } = await import('./span-index/index.js');
          this.indexes.forget(dir);
          rmSync(dir, { recursive: true, force: true });
          const writer = await SpanIndexWriter.create({ dir });
          try {
            for (const [i, r] of records.entries()) {
              for (const text of recordTexts(r.content)) writer.addDocument({ recordIndex: i, tokens: Uint32Array.from(model.tokenize(text, false)) });
              if (i % 64 === 0) {
                ctx.throwIfCancelled();
                ctx.progress(i, records.length, `Tokenizing record ${i + 1} of ${records.length}`);
              }
            }
          } catch (e) {
            writer.abort();
            throw e;
          }
          const info = await writer.finish({
            signal: ctx.signal,
            onProgress: (done, total, phase) => ctx.progress(done, total, phase === 'done' ? 'Index written' : 'Sorting suffixes'),
          });
          setState.run(adapterId, 'ready', dir, info.tokenCount, info.bytesOnDisk, null, nowIso());
          this.d.audit.append({ actor: this.d.actor, action: 'attribution.index', subject: adapterId, details: { tokens: info.tokenCount, bytes: info.bytesOnDisk, records: records.length } });
          return this.indexStatus(adapterId);
        } catch (e) {
          setState.run(adapterId, 'failed', dir, null, null, ctx.signal.aborted ? 'cancelled' : (e as Error).message, null);
          throw e;
        } finally {
          this.building.delete(adapterId);
        }
      },
    });
  }

  /** A job: the answer's spans found in the data, influence of each training record, shares and a stored receipt. */
  attribute(i: { adapterId: string; prompt: string; answer?: string; methods: ('span' | 'influence')[]; maxTokens: number; source: ReceiptSummary['source'] }): Job {
    const adapter = this.d.training.getAdapter(i.adapterId);
    return this.d.jobs.start({
      kind: 'attribution.attribute',
      title: `Attribute an answer of ${adapter.id}`,
      unit: 'steps',
      run: async (ctx) => {
        let answer = i.answer;
        let usageTokens = 0;
        if (answer === undefined) {
          ctx.progress(0, 3, 'Answering');
          const { chat } = await import('../inference/engine.js');
          const r = await chat({
            modelPath: adapter.baseModelPath,
            adapterPath: adapter.file,
            messages: [{ role: 'user', content: i.prompt }],
            maxTokens: i.maxTokens,
            temperature: 0,
            signal: ctx.signal,
          });
          answer = r.text;
          usageTokens = r.completionTokens;
        }
        ctx.throwIfCancelled();
        ctx.progress(1, 3, 'Matching spans and scoring influence');
        return this.attributeAnswer({ adapter, prompt: i.prompt, answer, methods: i.methods, source: i.source, usageTokens, signal: ctx.signal });
      },
    });
  }

  private async scorerFor(modelPath: string, influencePath: string): Promise<InfluenceScorer> {
    if (this.scorer?.influencePath !== influencePath) {
      const previous = this.scorer;
      const { openInfluenceScorer } = await import('../training/index.js');
      this.scorer = { influencePath, scorer: openInfluenceScorer({ modelPath, influencePath }) };
      this.scorer.scorer.catch(() => (this.scorer = null));
      if (previous) void previous.scorer.then((x) => x.close()).catch(() => {});
    }
    return this.scorer!.scorer;
  }

  /**
   * The receipt an answer served by the API or the playground gets when automatic receipts are on
   * (null when off). Never throws: a failed attribution must not fail the answer; it is logged
   * without the prompt or answer text.
   */
  async receiptForAnswer(a: { adapterId: string; prompt: string; answer: string; usageTokens: number; source: ReceiptSummary['source'] }): Promise<string | null> {
    if (!this.settings().autoReceipts) return null;
    try {
      const adapter = this.d.training.getAdapter(a.adapterId);
      const r = await this.attributeAnswer({ adapter, prompt: a.prompt, answer: a.answer, methods: ['span', 'influence'], source: a.source, usageTokens: a.usageTokens });
      return r.receipt.digest;
    } catch (e) {
      console.error(`[attribution] no receipt for an answer of ${a.adapterId}: ${(e as Error).message.split('\n')[0]}`);
      return null;
    }
  }

  async close(): Promise<void> {
    const s = this.scorer;
    this.scorer = null;
    if (s) await s.scorer.then((x) => x.close()).catch(() => {});
  }

  /**
   * Attributes an answer already made (API and playground answers come here too). The same
   * answer attributed the same way again gets its existing receipt, so usage is counted once.
   */
  async attributeAnswer(a: { adapter: Adapter; prompt: string; answer: string; methods: readonly ('span' | 'influence')[]; source: ReceiptSummary['source']; usageTokens: number; signal?: AbortSignal }): Promise<Attribution> {
    const started = performance.now();
    const settings = this.settings();
    const existing = this.d.db
      .prepare(`SELECT digest, receipt FROM receipts WHERE adapter_id = ? AND prompt = ? AND answer = ? ORDER BY created_at`)
      .all(a.adapter.id, a.prompt, a.answer) as { digest: string; receipt: string }[];
    const index = this.indexRow(a.adapter.id);
    const influencePath = influenceFile(a.adapter);
    // The methods this answer can be attributed with: asked for, and with their data on disk.
    const used = a.methods.filter((m) => (m === 'span' ? index?.state === 'ready' : existsSync(influencePath)));
    const unavailable = a.methods.filter((m) => !used.includes(m)).map((m) => ({ method: m, reason: unavailableReason(m, a.adapter.id, index) }));
    const method = `${used.join('+') || 'none'}/v1`;
    const same = existing.find((r) => (JSON.parse(r.receipt) as { receipt: { method: string } }).receipt.method === method);
    if (same) return { ...this.getReceipt(same.digest), unavailable };
    const records = this.d.snapshots.records(a.adapter.snapshotId);
    const methodScores: MethodScores[] = [];
    let spans: AttributedSpan[] = [];
    let spanMs: number | null = null;
    let influenceMs: number | null = null;
    let influence: number[] | null = null;
    // The base model's tokenizer, loaded only when spans are matched or the usage is not known.
    const tokenizer = async () => (await import('../inference/engine.js')).loadModel(a.adapter.baseModelPath);
    let answerTokens = 0;

    if (used.includes('span')) {
      const t0 = performance.now();
      const model = await tokenizer();
      const idx = await this.indexes.get(index!.dir);
      const tokens = model.tokenize(a.answer, false);
      answerTokens = tokens.length;
      const found = idx.findSpans({ tokens: Uint32Array.from(tokens), minLength: settings.minSpanTokens, maxRecordsPerSpan: 20 });
      const offsets = charOffsets((k) => model.detokenize(tokens.slice(0, k)).length, a.answer.length, tokens.length);
      spans = found.spans.map((s) => ({
        start: offsets(s.start),
        end: offsets(s.end),
        tokens: s.end - s.start,
        occurrences: s.occurrences,
        records: s.records.map((r) => ({ recordId: records[r.recordIndex]!.recordId, contributor: getAddress(records[r.recordIndex]!.contributor), count: r.count })),
      }));
      methodScores.push({ method: 'span', weight: settings.spanWeight, scores: spanRecordScores(found.spans) });
      spanMs = performance.now() - t0;
    }
    if (used.includes('influence')) {
      const t0 = performance.now();
      const r = await (await this.scorerFor(a.adapter.baseModelPath, influencePath)).score({ kind: 'instruction', instruction: a.prompt, response: a.answer }, a.signal);
      if (r.scores.length !== records.length) {
        throw new AppError('CONFLICT', `The influence sketches of ${a.adapter.id} cover ${r.scores.length} records but its snapshot has ${records.length}.`);
      }
      influence = r.scores;
      methodScores.push({ method: 'influence', weight: settings.influenceWeight, scores: influenceRecordScores(r.scores) });
      influenceMs = performance.now() - t0;
    }

    const combined = combineRecordScores(methodScores);
    const spanScores = methodScores.find((m) => m.method === 'span')?.scores ?? new Map<number, number>();
    const shares = contributorShares(combined, (k) => records[k]!.contributor).map((s) => ({ contributor: getAddress(s.contributor), bps: s.bps }));
    const attributed: AttributedRecord[] = [...combined]
      .sort((x, y) => y[1] - x[1])
      .slice(0, MAX_RECORDS_SHOWN)
      .map(([k, score]) => recordRow(records, k, score, spanScores.get(k) ?? 0, influence?.[k] ?? null));

    const params = { methods: used, minSpanTokens: settings.minSpanTokens, weights: { span: settings.spanWeight, influence: settings.influenceWeight } };
    const salt = newSalt();
    const autoSign = settings.autoSign ? this.d.receiptSigner() : null;
    const receipt = await makeReceipt(
      {
        modelSha256: sha256Hex(a.adapter.baseModelSha256),
        adapterSha256: sha256Hex(a.adapter.sha256),
        snapshotRoot: a.adapter.snapshotRoot,
        promptHash: saltedTextHash(salt, a.prompt),
        answerHash: saltedTextHash(salt, a.answer),
        contributors: shares.map((s) => s.contributor),
        sharesBps: shares.map((s) => s.bps),
        method,
        paramsHash: paramsHash(params),
        timestamp: Math.floor(Date.now() / 1000),
      },
      autoSign,
    );
    const result: Attribution = {
      adapterId: a.adapter.id,
      prompt: a.prompt,
      answer: a.answer,
      spans,
      records: attributed,
      shares,
      methods: used,
      unavailable,
      params,
      timings: { spanMs, influenceMs, totalMs: performance.now() - started },
      receipt,
    };
    const usage = a.usageTokens || answerTokens || (await tokenizer()).tokenize(a.answer, false).length;
    this.d.db.transaction(() => {
      this.d.db
        .prepare(
          `INSERT INTO receipts (digest, adapter_id, source, prompt, answer, salt, detail, receipt, signer, usage_tokens, epoch, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)`,
        )
        .run(receipt.digest, a.adapter.id, a.source, a.prompt, a.answer, salt, JSON.stringify(detailOf(result)), JSON.stringify(receipt), receipt.signer, usage, nowIso());
      this.d.audit.append({
        actor: this.d.actor,
        action: 'attribution.receipt',
        subject: receipt.digest,
        details: { adapterId: a.adapter.id, method: receipt.receipt.method, contributors: shares.length, signed: receipt.signature !== null },
      });
    })();
    return result;
  }

  listReceipts(i: { offset: number; limit: number; adapterId?: string }) {
    const where = i.adapterId ? 'WHERE adapter_id = ?' : '';
    const args = i.adapterId ? [i.adapterId] : [];
    const total = (this.d.db.prepare(`SELECT COUNT(*) AS n FROM receipts ${where}`).get(...args) as { n: number }).n;
    const rows = this.d.db.prepare(`SELECT * FROM receipts ${where} ORDER BY created_at DESC, digest LIMIT ? OFFSET ?`).all(...args, i.limit, i.offset) as ReceiptRow[];
    return { items: rows.map(summaryOf), total, offset: i.offset, limit: i.limit };
  }

  getReceipt(digest: string): Attribution {
    const row = this.receiptRow(digest);
    // Receipts stored before `unavailable` existed have none recorded.
    const detail = JSON.parse(row.detail) as Omit<Attribution, 'adapterId' | 'prompt' | 'answer' | 'receipt' | 'unavailable'> & Partial<Pick<Attribution, 'unavailable'>>;
    return { ...detail, unavailable: detail.unavailable ?? [], adapterId: row.adapter_id, prompt: row.prompt, answer: row.answer, receipt: ReceiptFile.parse(JSON.parse(row.receipt)) };
  }

  /** Receipts not yet counted in a reward epoch, oldest first. */
  unassignedReceipts(): { digest: string; receipt: ReceiptFile; usageTokens: number }[] {
    const rows = this.d.db.prepare('SELECT * FROM receipts WHERE epoch IS NULL ORDER BY created_at, digest').all() as ReceiptRow[];
    return rows.map((r) => ({ digest: r.digest, receipt: ReceiptFile.parse(JSON.parse(r.receipt)), usageTokens: r.usage_tokens }));
  }

  private receiptRow(digest: string): ReceiptRow {
    const row = this.d.db.prepare('SELECT * FROM receipts WHERE digest = ?').get(digest.toLowerCase()) as ReceiptRow | undefined;
    if (!row) throw new AppError('NOT_FOUND', `No receipt with digest ${digest}.`);
    return row;
  }

  exportReceipt(digest: string, path: string): { path: string } {
    const row = this.receiptRow(digest);
    writeFileAtomic(path, [Buffer.from(`${JSON.stringify(JSON.parse(row.receipt), null, 2)}\n`)]);
    return { path };
  }

  verify(i: { receipt: unknown } | { path: string }): ReceiptVerification {
    if ('receipt' in i) return verifyReceipt(i.receipt);
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(i.path, 'utf8'));
    } catch (e) {
      throw new AppError('BAD_INPUT', `Cannot read the receipt file ${i.path}: ${(e as Error).message}`);
    }
    return verifyReceipt(parsed);
  }
}

export const influenceFile = (adapter: Adapter) => `${adapter.file}.influence`;

function influenceSummary(adapter: Adapter): { checkpoints: number; dim: number; examples: number } | null {
  const path = influenceFile(adapter);
  if (!existsSync(path)) return null;
  const h = readInfluenceHeader(path);
  return { checkpoints: h.checkpoints.length, dim: h.dim, examples: h.examples };
}

function recordRow(records: SnapshotRecord[], k: number, score: number, span: number, influence: number | null): AttributedRecord {
  const r = records[k]!;
  return { recordId: r.recordId, position: k, contributor: getAddress(r.contributor), span, influence, score };
}

/** Why a method asked for cannot attribute an answer of `adapterId`, and what makes it usable. */
function unavailableReason(method: 'span' | 'influence', adapterId: string, index: IndexRow | undefined): string {
  if (method === 'influence') {
    return `no influence sketches for ${adapterId} (it was trained with influence checkpoints off, or imported): train again with them on to score by gradient influence`;
  }
  if (index?.state === 'building') return `the span index of ${adapterId} is still being built: attribute again once it is ready`;
  if (index?.state === 'failed') return `building the span index of ${adapterId} failed (${index.error ?? 'no reason recorded'}): build it again with \`attribution index ${adapterId}\` or on the Attribution page`;
  return `no span index for ${adapterId}: build it with \`attribution index ${adapterId}\` or on the Attribution page`;
}

function detailOf(a: Attribution) {
  const { adapterId: _a, prompt: _p, answer: _x, receipt: _r, ...detail } = a;
  return detail;
}

function summaryOf(r: ReceiptRow): ReceiptSummary {
  const receipt = ReceiptFile.parse(JSON.parse(r.receipt));
  return {
    digest: r.digest,
    adapterId: r.adapter_id,
    source: r.source,
    signer: r.signer,
    contributors: receipt.receipt.contributors.length,
    topContributor: receipt.receipt.contributors[0] ?? null,
    topBps: receipt.receipt.sharesBps[0] ?? null,
    usageTokens: r.usage_tokens,
    epoch: r.epoch,
    createdAt: r.created_at,
  };
}

/**
 * Token index → character offset in the answer, by detokenizing prefixes (what the tokenizer
 * makes of a prefix can differ by a leading space, so offsets are clamped to the text).
 */
function charOffsets(prefixLength: (k: number) => number, textLength: number, tokenCount: number): (k: number) => number {
  const cache = new Map<number, number>();
  return (k) => {
    if (k <= 0) return 0;
    if (k >= tokenCount) return textLength;
    let v = cache.get(k);
    if (v === undefined) cache.set(k, (v = Math.min(textLength, prefixLength(k))));
    return v;
  };
}
