import { Coins } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import type { RewardEpoch } from '../../../../electron/shared/rewards';
import { client } from '../../api';
import { JobProgress } from '../../components/JobProgress';
import { Button, EmptyState, Field, errorMessage, formatTime } from '../../components/ui';
import { useApp } from '../../store/app';
import { useChain } from '../../store/chain';
import { useRewards } from '../../store/rewards';
import { formatTokens } from '../network/format';
import { Hash } from '../network/Hash';

/** Receipts waiting for an epoch, closing one with a pool of tokens, and the epochs closed so far. */
export function EpochsPanel() {
  return (
    <div className="tab-body">
      <CloseEpochCard />
      <EpochsCard />
    </div>
  );
}

function CloseEpochCard() {
  const { pending, closeJobId, setCloseJob } = useRewards();
  const status = useChain((s) => s.status);
  const job = useApp((s) => (closeJobId ? s.jobs[closeJobId] : undefined));
  const [pool, setPool] = useState('1000');
  const [publish, setPublish] = useState(true);
  const [error, setError] = useState<string | null>(null);

  const close = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      setCloseJob((await client!.call('rewards.closeEpoch', { pool: pool.trim(), publish, autoApprove: false })).jobId);
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  const closed = job?.state === 'succeeded' ? (job.result as RewardEpoch) : null;
  const network = status?.network;
  return (
    <section className="card">
      <div className="card-head">
        <h2>Close an epoch</h2>
        <span className="muted small" data-testid="pending-receipts">
          {pending ? `${pending.receipts} receipt${pending.receipts === 1 ? '' : 's'} not in an epoch yet · ${pending.usageTokens.toLocaleString()} answer tokens` : '…'}
        </span>
      </div>
      <p className="muted small">
        The pool is split over the contributors by each answer's tokens × their attribution shares. Publishing anchors the receipts root and publishes the reward root
        {network ? ` on ${network.name}` : ''}, funded with the pool; on the local devnet its operator account sends these, elsewhere the wallet account that owns the distributor (with your approval).
      </p>
      <form className="inline-form" onSubmit={(e) => void close(e)}>
        <Field label="Pool (tokens)" error={error}>
          <input value={pool} onChange={(e) => setPool(e.target.value)} inputMode="decimal" />
        </Field>
        <label className="inline-check">
          <input type="checkbox" checked={publish} onChange={(e) => setPublish(e.target.checked)} /> Publish on {network?.name ?? 'the selected network'}
        </label>
        <Button variant="primary" type="submit" disabled={!pending?.receipts || job?.state === 'running' || !pool.trim()} title={pending?.receipts ? undefined : 'Attribute answers first: each makes a receipt'}>
          <Coins size={14} /> Close epoch
        </Button>
      </form>
      {job && job.state !== 'succeeded' ? <JobProgress job={job} /> : null}
      {closed ? (
        <div className="notice notice-ok" data-testid="closed-epoch">
          Epoch {closed.epoch} closed: {formatTokens(closed.total)} tokens to {closed.contributors} contributor{closed.contributors === 1 ? '' : 's'} over {closed.receipts} receipts
          {closed.publishTx ? ' · published' : ' · not published'}.
        </div>
      ) : null}
    </section>
  );
}

function EpochsCard() {
  const epochs = useRewards((s) => s.epochs);
  const networks = useChain((s) => s.networks);
  const where = (chainId: number | null) => networks.find((n) => n.chainId === chainId)?.name ?? (chainId === null ? '' : `chain ${chainId}`);
  return (
    <section className="card">
      <div className="card-head">
        <h2>Epochs</h2>
        <span className="muted small">Roots commit to every receipt and every contributor's amount; anyone can check a claim against them.</span>
      </div>
      {epochs.length === 0 ? (
        <EmptyState icon={<Coins size={24} />} title="No epochs yet">
          <p>Attributed answers leave receipts. Close an epoch to turn them into rewards.</p>
        </EmptyState>
      ) : (
        <table className="table compact" data-testid="epochs-table">
          <thead>
            <tr>
              <th className="num">Epoch</th>
              <th className="num">Total (tokens)</th>
              <th className="num">Contributors</th>
              <th className="num">Receipts</th>
              <th>Receipts root</th>
              <th>Reward root</th>
              <th>Published</th>
              <th>Closed</th>
            </tr>
          </thead>
          <tbody>
            {[...epochs]
              .sort((a, b) => b.epoch - a.epoch)
              .map((e) => (
                <tr key={e.epoch} data-testid={`epoch-${e.epoch}`}>
                  <td className="num">{e.epoch}</td>
                  <td className="num" title={`${e.total} base units of a ${formatTokens(e.pool)} pool`}>
                    {formatTokens(e.total)}
                  </td>
                  <td className="num">{e.contributors}</td>
                  <td className="num">{e.receipts}</td>
                  <td>
                    <Hash value={e.receiptsRoot} label={`receipts root of epoch ${e.epoch}`} />
                  </td>
                  <td>
                    <Hash value={e.root} label={`reward root of epoch ${e.epoch}`} />
                  </td>
                  <td>
                    {e.publishTx ? (
                      <>
                        <span className="small">{where(e.chainId)} </span>
                        <Hash value={e.publishTx} label={`publish transaction of epoch ${e.epoch}`} testId="epoch-publish-tx" />
                      </>
                    ) : (
                      <span className="muted">not published</span>
                    )}
                  </td>
                  <td>{formatTime(e.closedAt)}</td>
                </tr>
              ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
