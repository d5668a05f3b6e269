import type { Services } from '../core';
import { ConsentService } from '../lineage/consent';
import { consentSettings, setConsentSettings } from '../lineage/consent-settings';
import { lineageOf } from '../lineage/graph';
import type { Handlers } from './router';
import { AppError } from '../../shared/errors';
import { autoApproveAllowed } from './chain-handlers';

type LineageHandlers = Pick<Handlers, Extract<keyof Handlers, `lineage.${string}` | `consent.${string}`>>;

export function lineageHandlers(s: Services): LineageHandlers {
  const consent = new ConsentService({ db: s.db, audit: s.audit, actor: s.actor, snapshots: s.snapshots, training: s.training });
  return {
    'lineage.get': (i) => lineageOf({ db: s.db, id: i.id }),
    'consent.revoke': (i) => {
      const r = consent.revoke(i);
      const retrains = i.retrain ? r.adapters.map((a) => consent.retrain({ adapterId: a.adapterId })) : [];
      return { ...r, adapters: i.retrain ? consent.markedAdapters().filter((m) => m.revocationId === r.revocation.id) : r.adapters, retrains };
    },
    'consent.list': () => ({ items: consent.list() }),
    'consent.markedAdapters': () => ({ items: consent.markedAdapters() }),
    'consent.retrain': (i) => consent.retrain(i),
    'consent.publish': (i) => {
      const revocation = consent.list().find((r) => r.id === i.revocationId);
      if (!revocation) throw new AppError('NOT_FOUND', `No revocation with id ${i.revocationId}.`);
      return { jobId: s.chain.anchorRevocation({ revocationId: revocation.id, hash: revocation.hash, account: i.account, autoApprove: autoApproveAllowed(s, i.autoApprove) }).id };
    },
    'consent.getSettings': () => consentSettings(s.db),
    'consent.setSettings': (i) => setConsentSettings({ db: s.db, audit: s.audit, actor: s.actor, patch: i }),
  };
}
