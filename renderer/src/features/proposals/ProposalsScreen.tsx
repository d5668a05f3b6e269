import { useEffect, useState } from 'react';
import { PROPOSAL_STATES, type Proposal } from '../../../../electron/shared/proposals';
import { client } from '../../api';
import { Button, EmptyState, FormError, PageHeader, errorMessage } from '../../components/ui';
import { NewProposalDialog } from './NewProposalDialog';
import { ProposalPage } from './ProposalPage';
import { stateLabel } from './states';

/** Proposals on a board by state; a card opens the proposal's page with its timeline. */
export function ProposalsScreen() {
  const [proposals, setProposals] = useState<Proposal[]>([]);
  const [reviewers, setReviewers] = useState('');
  const [openId, setOpenId] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // Bumped to read the board again (after creating, or coming back from a proposal).
  const [version, setVersion] = useState(0);
  const load = () => setVersion((v) => v + 1);
  useEffect(() => {
    let live = true;
    Promise.all([client!.call('proposals.list', {}), client!.call('proposals.reviewers', {})])
      .then(([list, r]) => {
        if (!live) return;
        setProposals(list.items);
        setReviewers(r.reviewers.join(', '));
      })
      .catch((e: unknown) => live && setError(errorMessage(e)));
    return () => {
      live = false;
    };
  }, [version]);
  const saveReviewers = async () => {
    setError(null);
    try {
      const addresses = reviewers.split(',').map((a) => a.trim()).filter(Boolean);
      setReviewers((await client!.call('proposals.setReviewers', { addresses })).reviewers.join(', '));
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  if (openId) return <ProposalPage id={openId} onBack={() => { setOpenId(null); load(); }} />;
  return (
    <div className="page">
      <PageHeader
        title="Proposals"
        subtitle="Why a model should exist, staked and reviewed before data is gathered; then tuned, improved by feedback and deployed."
        actions={<Button variant="primary" onClick={() => setCreating(true)}>New proposal</Button>}
      />
      <div className="field" style={{ maxWidth: 720 }}>
        <label className="field-control">
          <span className="field-label">Reviewers</span>
          <input value={reviewers} onChange={(e) => setReviewers(e.target.value)} placeholder="0x…, 0x…" />
        </label>
        <Button onClick={() => void saveReviewers()}>Save reviewers</Button>
      </div>
      <FormError error={error} />
      {proposals.length === 0 ? (
        <EmptyState title="No proposals yet">Propose a model: its purpose, the data it needs and how it will be judged.</EmptyState>
      ) : (
        <div data-testid="proposal-board" style={{ display: 'flex', gap: 12, overflowX: 'auto' }}>
          {PROPOSAL_STATES.map((state) => (
            <section key={state} aria-label={stateLabel(state)} style={{ minWidth: 160 }}>
              <h2 style={{ fontSize: 13 }}>{stateLabel(state)}</h2>
              {proposals.filter((p) => p.state === state).map((p) => (
                <Button key={p.id} className="card" onClick={() => setOpenId(p.id)}>{p.title}</Button>
              ))}
            </section>
          ))}
        </div>
      )}
      <NewProposalDialog open={creating} onOpenChange={setCreating} onCreated={(p) => { load(); setOpenId(p.id); }} />
    </div>
  );
}
