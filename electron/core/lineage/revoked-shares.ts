import type { Db } from '../db/open';
import { receiptRecords } from './graph';

/**
 * Basis points of each receipt contributor's share that came from records revoked since: the
 * contributor's share × (score of their revoked records ÷ score of all their records in the
 * receipt's detail). Parallel to the receipt's contributors; all zeros when nothing is revoked.
 */
export function revokedShares(i: { db: Db; digest: string; contributors: readonly string[]; sharesBps: readonly number[] }): number[] {
  const revoked = i.db.prepare('SELECT 1 FROM consent_revoked_records WHERE record_id = ?');
  const row = i.db.prepare('SELECT detail FROM receipts WHERE digest = ?').get(i.digest.toLowerCase()) as { detail: string } | undefined;
  if (!row) return i.contributors.map(() => 0);
  const records = (JSON.parse(row.detail) as { records?: { recordId: string; contributor: string; score: number }[] }).records ?? [];
  const scores = receiptRecords(row.detail).map((r, k) => ({ ...r, contributor: records[k]!.contributor.toLowerCase(), revoked: revoked.get(r.recordId) !== undefined }));
  return i.contributors.map((c, k) => {
    const mine = scores.filter((s) => s.contributor === c.toLowerCase());
    const total = mine.reduce((a, s) => a + s.score, 0);
    const gone = mine.filter((s) => s.revoked).reduce((a, s) => a + s.score, 0);
    if (gone === 0 || total === 0) return 0;
    const bps = i.sharesBps[k]!;
    return gone >= total ? bps : Math.min(bps, Math.round((bps * gone) / total));
  });
}
