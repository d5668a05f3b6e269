import { ArrowLeft, FlaskConical, Link2 } from 'lucide-react';
import { useEffect, useState } from 'react';
import type { ModelInfo } from '../../../../electron/shared/models';
import { PROPOSAL_TRANSITIONS, proposalModelName, type ProposalDetail, type ProposalEvent, type ProposalState } from '../../../../electron/shared/proposals';
import { client } from '../../api';
import { JobProgress } from '../../components/JobProgress';
import { Button, FormError, PageHeader, errorMessage, formatTime } from '../../components/ui';
import { useApp } from '../../store/app';
import { Hash } from '../network/Hash';
import { ChainReview, StakeFacts, StakeOnChainDialog } from './ChainReview';
import { stateLabel } from './states';

/** One proposal: what it is, data progress, the review, the moves it can make now and its whole timeline. */
export function ProposalPage({ id, onBack }: { id: string; onBack(): void }) {
  const [detail, setDetail] = useState<ProposalDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Bumped after each action so the proposal is read again.
  const [version, setVersion] = useState(0);
  const [models, setModels] = useState<ModelInfo[]>([]);
  const [tuneModel, setTuneModel] = useState('');
  // The job started from this page (a tuning run, the stake or a vote on chain); it shows its progress here.
  const [pageJob, setPageJob] = useState<string | null>(null);
  const [staking, setStaking] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const job = useApp((s) => (pageJob ? s.jobs[pageJob] : undefined));
  const jobState = job?.state;
  useEffect(() => {
    void client?.call('models.list', {}).then((r) => setModels(r.items));
    // The proposal is read again whenever a job ends: this page's own, and a tuning run's accuracy
    // evaluation, which finishes after the run.
    return client?.on('jobs.finished', () => setVersion((v) => v + 1));
  }, []);
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
    setNotice(null);
    try {
      await f();
    } catch (e) {
      setError(errorMessage(e));
    }
    setVersion((v) => v + 1);
  };
  const startTuning = () =>
    act(async () => {
      const r = await client!.call('proposals.startTuning', { proposalId: id, ...(tuneModel ? { modelId: tuneModel } : {}) });
      setPageJob(r.jobId);
    });
  const move = (to: ProposalState) =>
    act(() => (to === 'submitted' ? client!.call('proposals.submit', { id }) : client!.call('proposals.transition', { id, to })));

  if (!detail) return <div className="page"><FormError error={error} /></div>;
  const p = detail.proposal;
  const voteOf = (r: string) => detail.votes.find((v) => v.reviewer === r);
  const chainStake = p.stake?.where === 'chain' ? p.stake : null;
  // A chain-staked review is decided by its registry; the page offers no local decision for it.
  const moves = PROPOSAL_TRANSITIONS[p.state].filter((to) => !(chainStake && p.state === 'in_review' && (to === 'approved' || to === 'rejected')));
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
        {p.stake ? (
          <>
            <dt>Stake</dt>
            <dd><StakeFacts stake={p.stake} /></dd>
          </>
        ) : null}
        {p.state !== 'in_review' && detail.votes.length ? (
          <>
            <dt>Votes</dt>
            <dd data-testid="proposal-votes">
              {detail.votes.map((v) => (
                <div key={v.reviewer}>
                  <code>{v.reviewer}</code> {v.approve ? 'approved' : 'rejected'}
                  {v.txHash ? <> · <Hash value={v.txHash} label="vote transaction hash" /></> : null}
                </div>
              ))}
            </dd>
          </>
        ) : null}
        <dt>Data</dt>
        <dd data-testid="proposal-data">{detail.dataProgress.approved} of {detail.dataProgress.required} approved records{detail.dataProgress.met ? ' — met' : ''}</dd>
        {p.runId ? (
          <>
            <dt>Tuning</dt>
            <dd data-testid="proposal-tuning">
              run <code>{p.runId}</code>
              {p.adapterId ? <> · adapter <code>{p.adapterId}</code></> : null}
              {p.evaluation
                ? ` · held-out loss ${p.evaluation.heldOutLoss?.toFixed(3) ?? 'not measured'}${
                    p.evaluationCriteria.minAccuracy !== undefined ? ` · accuracy ${p.evaluation.accuracy?.toFixed(3) ?? 'not measured'}` : ''
                  } — ${p.evaluation.meetsCriteria ? 'meets the criteria' : 'does not meet the criteria'}`
                : p.adapterId === null && jobState === 'succeeded' && p.evaluationCriteria.minAccuracy !== undefined
                  ? ' · measuring accuracy on the held-out examples…'
                  : ''}
            </dd>
          </>
        ) : null}
        {p.state === 'deployed' && p.adapterId ? (
          <>
            <dt>Served as</dt>
            <dd data-testid="proposal-served">
              <code>{proposalModelName(p)}</code> in the local API (Settings → Local API): its answers use adapter <code>{p.adapterId}</code> and earn receipts
            </dd>
          </>
        ) : null}
      </dl>
      {p.state === 'in_review' && chainStake ? (
        <ChainReview detail={detail} stake={chainStake} busy={jobState === 'running'} onVote={setPageJob} onSynced={(message) => {
          setNotice(message);
          setVersion((v) => v + 1);
        }} />
      ) : p.state === 'in_review' ? (
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
        {moves.map((to) => (
          <Button key={to} variant="primary" onClick={() => void move(to)}>Move to {stateLabel(to)}</Button>
        ))}
        {p.state === 'draft' ? (
          <Button disabled={jobState === 'running'} title="Lock a stake on the selected network's ProposalRegistry; its reviewers then vote on chain" onClick={() => setStaking(true)}>
            <Link2 size={14} /> Submit with a stake on chain
          </Button>
        ) : null}
        {tunable(p.state) ? (
          <>
            <select aria-label="Model to tune" value={tuneModel} onChange={(e) => setTuneModel(e.target.value)}>
              <option value="">Base model: {p.baseModel}</option>
              {models.map((m) => (
                <option key={m.id} value={m.id}>{m.name} · {m.quantization}</option>
              ))}
            </select>
            <Button
              disabled={jobState === 'running'}
              title="Train an adapter on the base model and the data gathered (the target datanet's latest snapshot); its evaluation is attached when the run ends"
              onClick={() => void startTuning()}
            >
              <FlaskConical size={14} /> Start tuning
            </Button>
          </>
        ) : null}
      </div>
      {staking ? <StakeOnChainDialog detail={detail} onStarted={setPageJob} onClose={() => setStaking(false)} /> : null}
      {job ? <JobProgress job={job} /> : null}
      {notice ? <div className="small" role="status">{notice}</div> : null}
      <FormError error={error} />
      <h2>Timeline</h2>
      <ol data-testid="proposal-timeline">
        {detail.timeline.map((e) => (
          <li key={e.seq}>
            {formatTime(e.at)} — {eventLine(e)}
          </li>
        ))}
      </ol>
    </div>
  );
}

/** A tuning run can start while tuning, or where the move to tuning exists (gathered data, a feedback round). */
const tunable = (s: ProposalState) => s === 'tuning' || PROPOSAL_TRANSITIONS[s].includes('tuning');

/** A move ("Tuning → Feedback by …"), or an event within a state ("Tuning: adapter … attached … by …"). */
function eventLine(e: ProposalEvent): string {
  const note = e.note ? ` (${e.note})` : '';
  if (e.from === e.to) return `${stateLabel(e.to)}: ${e.note} by ${e.actor}`;
  return `${e.from ? `${stateLabel(e.from)} → ` : ''}${stateLabel(e.to)} by ${e.actor}${note}`;
}
