import { randomBytes } from 'node:crypto';
import type { RecordContent } from '../../shared/datanets';
import type { AuditLog } from '../audit/log';
import type { Db } from '../db/open';
import { canonicalJson } from '../common/canonical-json';
import { nowIso } from '../common/ids';
import { canonicalContent, contentHash } from './canonical';
import { contentSignature, scanPii } from './checks';
import { signatureToBuffer } from './dedupe';
import { contentFields, withFields } from './fields';
import type { NearDupRegistry } from './near-dup-registry';
import { Pseudonymizer, detectPii, redact } from './pii';

const PSEUDONYM_KEY = 'pseudonym-key';

/** The workspace's pseudonym key: the same person gets the same pseudonym across records and imports. */
function pseudonymizer(db: Db): Pseudonymizer {
  let row = db.prepare('SELECT value FROM settings WHERE key = ?').get(PSEUDONYM_KEY) as { value: string } | undefined;
  if (!row) {
    db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run(PSEUDONYM_KEY, randomBytes(32).toString('hex'));
    row = db.prepare('SELECT value FROM settings WHERE key = ?').get(PSEUDONYM_KEY) as { value: string };
  }
  return new Pseudonymizer(Buffer.from(row.value, 'hex'));
}

/**
 * Redacts the PII found in records (the given ones, or every flagged one): masks like [EMAIL] or
 * consistent pseudonyms. The content hash follows the new text; the signed original hash stays.
 */
export function redactRecords(
  db: Db,
  audit: AuditLog,
  actor: string,
  nearDup: NearDupRegistry,
  req: { datanetId: string; recordIds?: string[]; mode: 'mask' | 'pseudonym' },
): { redacted: number; spans: number } {
  try {
    return db.transaction(() => {
      const rows = (
        req.recordIds
          ? req.recordIds.map((id) => db.prepare('SELECT id, content FROM records WHERE id = ? AND datanet_id = ?').get(id, req.datanetId))
          : db.prepare(`SELECT id, content FROM records WHERE datanet_id = ? AND pii != '[]' ORDER BY seq`).all(req.datanetId)
      ).filter(Boolean) as { id: string; content: string }[];
      const pseudo = pseudonymizer(db);
      const clash = db.prepare('SELECT id FROM records WHERE datanet_id = ? AND content_hash = ? AND id != ?');
      const update = db.prepare(
        'UPDATE records SET content = ?, content_hash = ?, pii = ?, redaction = ?, minhash = ?, updated_at = ? WHERE id = ?',
      );
      let redacted = 0;
      let spans = 0;
      const now = nowIso();
      for (const row of rows) {
        const content = JSON.parse(row.content) as RecordContent;
        const replaced = new Map<string, string>();
        let count = 0;
        for (const f of contentFields(content)) {
          const findings = detectPii(f.text);
          if (findings.length === 0) continue;
          replaced.set(f.path, redact(f.text, findings, req.mode, pseudo).text);
          count += findings.length;
        }
        if (count === 0) continue;
        const next = canonicalContent(withFields(content, replaced));
        const hash = contentHash(next);
        // Two records that differed only in their PII become the same record: keep the first as is.
        if (clash.get(req.datanetId, hash, row.id)) continue;
        update.run(
          canonicalJson(next),
          hash,
          JSON.stringify(scanPii(next)),
          JSON.stringify({ mode: req.mode, count, at: now }),
          signatureToBuffer(contentSignature(next)),
          now,
          row.id,
        );
        redacted++;
        spans += count;
      }
      if (redacted > 0) {
        audit.append({ actor, action: 'records.redact', subject: req.datanetId, details: { mode: req.mode, records: redacted, spans } });
      }
      return { redacted, spans };
    })();
  } finally {
    nearDup.forget(req.datanetId);
  }
}
