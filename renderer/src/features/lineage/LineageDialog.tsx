import { useEffect, useState } from 'react';
import { ArrowLeft } from 'lucide-react';
import type { Lineage } from '../../../../electron/shared/lineage';
import { client } from '../../api';
import { Button, Dialog, FormError, errorMessage, formatTime, shortHash } from '../../components/ui';

const SHOWN = 50;

/**
 * Where a record (or contributor, snapshot, adapter, receipt) came from and what it fed, as a
 * nested list: every id is a link to its own lineage, with Back to retrace the path. Mount it
 * per subject (key it by id): the path starts at `id`.
 */
export function LineageDialog({ id, open, onOpenChange }: { id: string; open: boolean; onOpenChange(open: boolean): void }) {
  const [path, setPath] = useState<string[]>([id]);
  const [loaded, setLoaded] = useState<{ key: string; lineage: Lineage | null; error: string | null } | null>(null);
  // Bumped after a revocation or retrain, so the shown lineage is read again.
  const [version, setVersion] = useState(0);
  const [reason, setReason] = useState('');
  const [actionError, setActionError] = useState<string | null>(null);
  const current = path[path.length - 1]!;
  const key = `${current}#${version}`;
  const lineage = loaded?.key === key ? loaded.lineage : null;
  const error = loaded?.key === key ? loaded.error : null;

  useEffect(() => {
    if (!open) return;
    let live = true;
    client!
      .call('lineage.get', { id: current })
      .then((l) => live && setLoaded({ key: `${current}#${version}`, lineage: l, error: null }))
      .catch((e: unknown) => live && setLoaded({ key: `${current}#${version}`, lineage: null, error: errorMessage(e) }));
    return () => {
      live = false;
    };
  }, [current, version, open]);

  const act = async (f: () => Promise<unknown>) => {
    setActionError(null);
    try {
      await f();
      setVersion((v) => v + 1);
    } catch (e) {
      setActionError(errorMessage(e));
    }
  };
  const subjectRecord = lineage?.subject.kind === 'record' ? lineage.records[0] : undefined;

  const go = (next: string) => setPath((p) => [...p, next]);
  const link = (target: string, label: string, testId?: string) => (
    <button type="button" className="link mono" data-testid={testId} onClick={() => go(target)}>
      {label}
    </button>
  );

  return (
    <Dialog open={open} onOpenChange={onOpenChange} title="Lineage" width={720}>
      <div data-testid="lineage">
        <div className="detail-actions">
          {path.length > 1 ? (
            <Button variant="ghost" onClick={() => setPath((p) => p.slice(0, -1))}>
              <ArrowLeft size={13} /> Back
            </Button>
          ) : null}
          <span data-testid="lineage-subject">
            {lineage ? `${lineage.subject.kind} ` : ''}
            <span className="mono">{current}</span>
          </span>
        </div>
        <FormError error={error ?? actionError} />
        {subjectRecord?.contributor && !subjectRecord.revoked ? (
          <div className="detail-actions" data-testid="lineage-revoke">
            <input aria-label="Reason for revoking" placeholder="Reason (optional)" value={reason} onChange={(e) => setReason(e.target.value)} />
            <Button
              variant="danger"
              onClick={() => void act(() => client!.call('consent.revoke', { contributor: subjectRecord.contributor!, recordIds: [subjectRecord.id], reason }))}
            >
              Revoke consent for this record
            </Button>
          </div>
        ) : null}
        {!lineage && !error ? <div className="muted">Loading…</div> : null}
        {lineage ? (
          <>
            <Part title={`Records (${lineage.records.length})`} empty="No records.">
              {lineage.records.slice(0, SHOWN).map((r) => (
                <li key={r.id} data-testid={`lineage-record-${r.id}`}>
                  {link(r.id, r.id)} <span className="mono small">{r.contributor ? link(r.contributor, shortHash(r.contributor)) : 'you (this workspace)'}</span>{' '}
                  <span className={`badge badge-${r.status}`}>{r.status}</span>
                  {r.revoked ? <span className="badge badge-rejected">consent revoked</span> : null}
                </li>
              ))}
              {lineage.records.length > SHOWN ? <li className="muted">… and {lineage.records.length - SHOWN} more</li> : null}
            </Part>
            <Part title="In snapshots" empty="In no snapshot yet.">
              {lineage.snapshots.map((s) => (
                <li key={s.id}>
                  {link(s.id, `${s.id} (v${s.version})`, `lineage-snapshot-${s.id}`)} <span className="muted small">{s.recordIds.length} of these records · {formatTime(s.createdAt)}</span>
                </li>
              ))}
            </Part>
            <Part title="Trained into adapters" empty="Trained into no adapter yet.">
              {lineage.adapters.map((a) => {
                const seen = a.influence.filter((x) => x.receipts > 0);
                const self = a.influence.map((x) => x.selfInfluence).filter((x): x is number => x !== null);
                return (
                  <li key={a.id}>
                    {link(a.id, a.id, `lineage-adapter-${a.id}`)} <span className="muted small">on {a.snapshotId}</span>{' '}
                    <span className="small">
                      {seen.length
                        ? `influence: credited ${seen.reduce((n, x) => n + x.receipts, 0)}× in receipts, max score ${Math.max(...seen.map((x) => x.maxScore)).toFixed(3)}`
                        : 'influence: not credited in any receipt yet'}
                      {self.length ? ` · training self-influence max ${Math.max(...self).toExponential(2)}` : ''}
                    </span>
                    {a.revokedBy.length ? <span className="badge badge-rejected">trained on revoked data</span> : null}
                    {a.revokedBy.length && !a.retrainRunId ? (
                      <Button variant="ghost" onClick={() => void act(() => client!.call('consent.retrain', { adapterId: a.id }))}>
                        Retrain without revoked data
                      </Button>
                    ) : null}
                    {a.retrainRunId ? <span className="muted small"> retraining as {a.retrainRunId}</span> : null}
                  </li>
                );
              })}
            </Part>
            <Part title="Credited in receipts" empty="Credited in no receipt yet.">
              {lineage.receipts.slice(0, SHOWN).map((r) => (
                <li key={r.digest}>
                  {link(r.digest, shortHash(r.digest))} <span className="muted small">{r.adapterId} · {r.epoch === null ? 'not in an epoch yet' : `epoch ${r.epoch}`}</span>
                </li>
              ))}
            </Part>
            <Part title="Reward epochs" empty="Paid in no epoch yet.">
              {lineage.epochs.map((e) => (
                <li key={e.epoch}>
                  Epoch {e.epoch}: {e.amounts.length ? e.amounts.map((a) => `${shortHash(a.account)} ${a.amount}`).join(', ') : 'nothing to these contributors'}
                </li>
              ))}
            </Part>
          </>
        ) : null}
      </div>
    </Dialog>
  );
}

function Part({ title, empty, children }: { title: string; empty: string; children: React.ReactNode[] }) {
  return (
    <section className="detail-section">
      <div className="detail-label">{title}</div>
      {children.length ? <ul className="lineage-list">{children}</ul> : <div className="muted small">{empty}</div>}
    </section>
  );
}
