import { keccak256, toUtf8Bytes } from 'ethers';
import type { PiiSpan } from '../../shared/datanets';
import { AppError } from '../../shared/errors';
import type { AuditLog } from '../audit/log';
import type { Db } from '../db/open';
import { nowIso } from '../common/ids';

export interface ReviewRequest {
  datanetId: string;
  recordIds?: string[];
  allPending?: true;
  decision: 'approve' | 'reject' | 'reset';
  reason?: string;
  piiOverride?: string;
}

/** Up to this many ids are written into the audit entry itself; beyond, their hash is. */
const AUDIT_IDS_INLINE = 100;

/**
 * Review decisions. A record still holding unredacted PII is not approved unless the reviewer
 * overrides with a reason (kept on the record and in the audit log).
 */
export function reviewRecords(db: Db, audit: AuditLog, actor: string, req: ReviewRequest) {
  if (req.decision === 'reject' && !req.reason) throw new AppError('BAD_INPUT', 'reason: give a reason to reject records.');
  return db.transaction(() => {
    const get = db.prepare('SELECT id, datanet_id, pii FROM records WHERE id = ?');
    const update = db.prepare('UPDATE records SET status = ?, reject_reason = ?, pii_override = ?, updated_at = ? WHERE id = ?');
    const refused: { recordId: string; reason: string }[] = [];
    const done: string[] = [];
    const now = nowIso();
    const ids =
      req.recordIds ??
      (db.prepare(`SELECT id FROM records WHERE datanet_id = ? AND status = 'pending' ORDER BY seq`).all(req.datanetId) as { id: string }[]).map(
        (r) => r.id,
      );
    for (const id of ids) {
      const r = get.get(id) as { id: string; datanet_id: string; pii: string } | undefined;
      if (!r || r.datanet_id !== req.datanetId) {
        refused.push({ recordId: id, reason: 'not a record of this datanet' });
        continue;
      }
      const pii = JSON.parse(r.pii) as PiiSpan[];
      if (req.decision === 'approve' && pii.length > 0 && !req.piiOverride) {
        const kinds = [...new Set(pii.map((p) => p.kind))].join(', ');
        refused.push({ recordId: id, reason: `holds unredacted PII (${kinds}): redact it first, or approve with a PII override reason` });
        continue;
      }
      const status = req.decision === 'approve' ? 'approved' : req.decision === 'reject' ? 'rejected' : 'pending';
      const override = req.decision === 'approve' && pii.length > 0 ? req.piiOverride! : null;
      update.run(status, req.decision === 'reject' ? req.reason! : null, override, now, id);
      done.push(id);
    }
    if (done.length > 0) {
      audit.append({
        actor,
        action: `review.${req.decision}`,
        subject: req.datanetId,
        details: {
          count: done.length,
          ...(done.length <= AUDIT_IDS_INLINE ? { recordIds: done } : { recordIdsHash: keccak256(toUtf8Bytes(done.join(','))) }),
          ...(req.reason ? { reason: req.reason } : {}),
          ...(req.piiOverride ? { piiOverride: req.piiOverride } : {}),
        },
      });
    }
    return { updated: done.length, refused };
  })();
}
