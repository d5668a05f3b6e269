import { randomBytes } from 'node:crypto';
import type { PiiSpan, RecordContent } from '../../shared/datanets';
import type { Db } from '../db/open';
import { canonicalJson } from '../common/canonical-json';
import { newId, nowIso } from '../common/ids';
import { canonicalContent, contentHash } from './canonical';
import { contentSignature, scanPii } from './checks';
import { signatureToBuffer, type NearDupIndex } from './dedupe';

/** Look-alike records compared per insert: keeps imports linear on heavily templated data. */
export const NEAR_DUP_CANDIDATES = 64;

export interface NewRecord {
  content: RecordContent;
  contributor: string | null;
  license: string;
  signature?: string | null;
  nonce?: string | null;
  source?: { file: string; row: number } | null;
  importId?: string | null;
}

export type InsertOutcome =
  | { ok: true; id: string; contentHash: string; pii: PiiSpan[]; nearDuplicateOf: { recordId: string; similarity: number } | null }
  | { ok: false; exactDuplicateOf: string };

/**
 * Inserts records into one datanet with their hash, salt, PII findings and near-duplicate flag.
 * The caller owns the transaction; statements are prepared once, so imports can call this per row.
 */
export class RecordWriter {
  private readonly lastSeq;
  private readonly insertStmt;
  private readonly findByHash;
  private readonly findNonce;

  constructor(
    private readonly db: Db,
    private readonly datanetId: string,
    private readonly nearDup: NearDupIndex,
  ) {
    // Read per insert, not once: another process (the CLI beside the app) may add records to the same datanet meanwhile.
    this.lastSeq = db.prepare('SELECT coalesce(max(seq), 0) AS s FROM records WHERE datanet_id = ?');
    this.insertStmt = db.prepare(
      `INSERT INTO records (id, datanet_id, seq, kind, content, content_hash, original_hash, contributor, license, signature, nonce,
         salt, pii, near_dup_of, near_dup_similarity, minhash, source_file, source_row, import_id, created_at, updated_at)
       VALUES (@id, @datanetId, @seq, @kind, @content, @hash, @hash, @contributor, @license, @signature, @nonce,
         @salt, @pii, @nearDupOf, @nearDupSimilarity, @minhash, @sourceFile, @sourceRow, @importId, @now, @now)
`,
    );
    this.findByHash = db.prepare('SELECT id FROM records WHERE datanet_id = ? AND content_hash = ?');
    this.findNonce = db.prepare('SELECT id FROM records WHERE datanet_id = ? AND contributor = ? AND nonce = ?');
  }

  /** A contributor's nonce signs one record only: a second use is a replayed signature. */
  nonceUsedBy(contributor: string, nonce: string): string | null {
    return (this.findNonce.get(this.datanetId, contributor.toLowerCase(), nonce) as { id: string } | undefined)?.id ?? null;
  }

  insert(r: NewRecord): InsertOutcome {
    const content = canonicalContent(r.content);
    const hash = contentHash(content);
    const existing = this.findByHash.get(this.datanetId, hash) as { id: string } | undefined;
    if (existing) return { ok: false, exactDuplicateOf: existing.id };
    const id = newId('rec');
    const pii = scanPii(content);
    const sig = contentSignature(content);
    const best = this.nearDup.query(sig, 1, NEAR_DUP_CANDIDATES)[0] ?? null;
    this.insertStmt.run({
      id,
      datanetId: this.datanetId,
      seq: (this.lastSeq.get(this.datanetId) as { s: number }).s + 1,
      kind: content.kind,
      content: canonicalJson(content),
      hash,
      contributor: r.contributor?.toLowerCase() ?? null,
      license: r.license,
      signature: r.signature ?? null,
      nonce: r.nonce ?? null,
      salt: `0x${randomBytes(32).toString('hex')}`,
      pii: JSON.stringify(pii),
      nearDupOf: best?.id ?? null,
      nearDupSimilarity: best?.similarity ?? null,
      minhash: signatureToBuffer(sig),
      sourceFile: r.source?.file ?? null,
      sourceRow: r.source?.row ?? null,
      importId: r.importId ?? null,
      now: nowIso(),
    });
    this.nearDup.add(id, sig);
    return { ok: true, id, contentHash: hash, pii, nearDuplicateOf: best ? { recordId: best.id, similarity: best.similarity } : null };
  }
}
