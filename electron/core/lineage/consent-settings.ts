import { ConsentSettings } from '../../shared/lineage';
import { AppError } from '../../shared/errors';
import type { AuditLog } from '../audit/log';
import type { Db } from '../db/open';

const SETTINGS_KEY = 'consent.settings';

export function consentSettings(db: Db): ConsentSettings {
  const row = db.prepare('SELECT value FROM settings WHERE key = ?').get(SETTINGS_KEY) as { value: string } | undefined;
  return ConsentSettings.parse(row ? JSON.parse(row.value) : {});
}

export function setConsentSettings(i: { db: Db; audit: AuditLog; actor: string; patch: Partial<ConsentSettings> }): ConsentSettings {
  const next = ConsentSettings.parse({ ...consentSettings(i.db), ...i.patch });
  i.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(SETTINGS_KEY, JSON.stringify(next));
  i.audit.append({ actor: i.actor, action: 'consent.settings', subject: 'consent', details: next });
  return next;
}

/** Throws when serving is set to refuse adapters trained on revoked data and this is one. */
export function assertServable(i: { db: Db; adapterId: string }): void {
  if (!consentSettings(i.db).refuseMarkedAdapters) return;
  const mark = i.db.prepare('SELECT revocation_id, retrain_run_id FROM adapter_marks WHERE adapter_id = ? ORDER BY created_at LIMIT 1').get(i.adapterId) as
    | { revocation_id: string; retrain_run_id: string | null }
    | undefined;
  if (!mark) return;
  const retrain = mark.retrain_run_id ? ` Its retrain is run ${mark.retrain_run_id}.` : '';
  throw new AppError('CONFLICT', `Adapter ${i.adapterId} was trained on records whose consent was revoked (${mark.revocation_id}), and serving is set to refuse such adapters.${retrain}`);
}
