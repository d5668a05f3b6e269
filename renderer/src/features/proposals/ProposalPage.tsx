import { ArrowLeft } from 'lucide-react';
import { useEffect, useState } from 'react';
import { PROPOSAL_TRANSITIONS, type ProposalDetail, type ProposalState } from '../../../../electron/shared/proposals';
import { client } from '../../api';
import { Button, FormError, PageHeader, errorMessage, formatTime } from '../../components/ui';
import { stateLabel } from './states';

/** One proposal: what it is, data progress, the review, the moves it can make now and its whole timeline. */
export function ProposalPage({ id, onBack }: { id: string; onBack(): void }) {
  const [detail, setDetail] = useState<ProposalDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Bumped after each action so the proposal is read again.
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let live = true;
    client!
      .call('proposals.get', { id })
      .then((d) => live && setDetail(d))
      .catch((e: unknown) => live && setError(errorMessage(e)));
    return () => {
      live = false;
    };
  }, [id, version]);
  const act = async (f: () => Promise<unknown>) => {
    setError(null);
    try {
      await f();
    } catch (e) {
      setError(errorMessage(e));
    }
    setVersion((v) => v + 1);
  };
  const move = (to: ProposalState) =>
    act(() => (to === 'submitted' ? client!.call('proposals.submit', { id }) : client!.call('proposals.transition', { id, to })));

  if (!detail) return <div className="page"><FormError error={error} /></div>;
  const p = detail.proposal;
  const voteOf = (r: string) => detail.votes.find((v) => v.reviewer === r);
  return (
    <div className="page">
      <PageHeader
        title={p.title}
        subtitle={<span data-testid="proposal-state">{stateLabel(p.state)}</span>}
        actions={<Button onClick={onBack}><ArrowLeft size={14} /> All proposals</Button>}
      />
      <dl>
        <dt>Purpose</dt><dd>{p.purpose}</dd>
        <dt>Use case</dt><dd>{p.useCase}</dd>
        <dt>Base model</dt><dd>{p.baseModel}</dd>
        <dt>Data</dt>
        <dd data-testid="proposal-data">{detail.dataProgress.approved} of {detail.dataProgress.required} approved records{detail.dataProgress.met ? ' — met' : ''}</dd>
      </dl>
      {p.state === 'in_review' ? (
        <section aria-label="Review">
          <h2>Review</h2>
          {detail.reviewers.map((r) => (
            <div key={r}>
              <code>{r}</code> {voteOf(r) ? (voteOf(r)!.approve ? 'approved' : 'rejected') : 'has not voted'}{' '}
              <Button aria-label={`Approve as ${r}`} onClick={() => void act(() => client!.call('proposals.vote', { id, reviewer: r, approve: true }))}>Approve</Button>
              <Button aria-label={`Reject as ${r}`} onClick={() => void act(() => client!.call('proposals.vote', { id, reviewer: r, approve: false }))}>Reject</Button>
            </div>
          ))}
        </section>
      ) : null}
      <div className="page-actions">
        {PROPOSAL_TRANSITIONS[p.state].map((to) => (
          <Button key={to} variant="primary" onClick={() => void move(to)}>Move to {stateLabel(to)}</Button>
        ))}
      </div>
      <FormError error={error} />
      <h2>Timeline</h2>
      <ol data-testid="proposal-timeline">
        {detail.timeline.map((e) => (
          <li key={e.seq}>
            {formatTime(e.at)} — {e.from ? `${stateLabel(e.from)} → ` : ''}{stateLabel(e.to)} by {e.actor}{e.note ? ` (${e.note})` : ''}
          </li>
        ))}
      </ol>
    </div>
  );
}
