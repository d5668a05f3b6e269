import { HandCoins, RefreshCw } from 'lucide-react';
import { useCallback, useEffect, useState } from 'react';
import { toast } from 'sonner';
import type { TxOutcome } from '../../../../electron/shared/chain';
import type { RewardClaimInfo } from '../../../../electron/shared/rewards';
import { client } from '../../api';
import { Button, EmptyState, Field, errorMessage } from '../../components/ui';
import { useApp } from '../../store/app';
import { useChain } from '../../store/chain';
import { claimKey, useRewards } from '../../store/rewards';
import { AccountSelect } from '../network/AccountSelect';
import { formatDecimal, formatTokens } from '../network/format';
import { Hash } from '../network/Hash';
import { AirGappedClaim } from './AirGappedClaim';

/** One wallet account's reward in each epoch, its token balance, and claiming: directly or through a signed file. */
export function MyRewardsPanel() {
  const [account, setAccount] = useState('');
  const claims = useRewards((s) => (account ? s.claims[account] : undefined));
  const loadClaims = useRewards((s) => s.loadClaims);
  const ready = useChain((s) => s.status?.ready ?? false);
  const loadBalance = useChain((s) => s.loadBalance);

  const refresh = useCallback(async () => {
    if (!account) return;
    try {
      await Promise.all([loadClaims(account), loadBalance(account)]);
    } catch (e) {
      toast.error(errorMessage(e));
    }
  }, [account, loadClaims, loadBalance]);
  useEffect(() => {
    void refresh();
  }, [refresh, ready]);

  return (
    <div className="tab-body">
      <section className="card">
        <div className="card-head">
          <h2>Account</h2>
          <Button variant="ghost" onClick={() => void refresh()} aria-label="Refresh rewards and balance">
            <RefreshCw size={13} />
          </Button>
        </div>
        <div className="inline-form">
          <Field label="Wallet account">
            <AccountSelect value={account} onChange={setAccount} label="Wallet account" />
          </Field>
          {account ? <BalanceView account={account} /> : null}
        </div>
      </section>
      <section className="card">
        <div className="card-head">
          <h2>My rewards</h2>
          <span className="muted small">What this account earned in each epoch as a contributor.</span>
        </div>
        {!account ? null : claims === undefined ? (
          <div className="muted">Loading…</div>
        ) : claims.length === 0 ? (
          <EmptyState icon={<HandCoins size={24} />} title="No rewards for this account yet">
            <p>An account earns in an epoch when records it contributed are credited in the answers the epoch covers.</p>
          </EmptyState>
        ) : (
          <table className="table compact" data-testid="claims-table">
            <thead>
              <tr>
                <th className="num">Epoch</th>
                <th className="num">Amount (tokens)</th>
                <th>Claimed</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {claims.map((c) => (
                <ClaimRow key={c.epoch} claim={c} />
              ))}
            </tbody>
          </table>
        )}
      </section>
      {account ? <AirGappedClaim account={account} claims={claims ?? []} /> : null}
    </div>
  );
}

function BalanceView({ account }: { account: string }) {
  const balance = useChain((s) => s.balances[account]);
  const ready = useChain((s) => s.status?.ready ?? false);
  if (!ready) return <span className="muted small">Balances show once the network is ready.</span>;
  if (!balance) return <span className="muted small">Reading the balance…</span>;
  return (
    <div className="balance" data-testid="token-balance" data-value={balance.token}>
      <span className="balance-amount">{formatDecimal(balance.token)}</span> {balance.tokenSymbol}
      <span className="muted small"> · {formatDecimal(balance.native)} ETH for gas</span>
    </div>
  );
}

function ClaimRow({ claim }: { claim: RewardClaimInfo }) {
  const key = claimKey(claim.epoch, claim.account);
  const entry = useRewards((s) => s.claimJobs[key]);
  const setClaimJob = useRewards((s) => s.setClaimJob);
  const job = useApp((s) => (entry ? s.jobs[entry.jobId] : undefined));
  const balance = useChain((s) => s.balances[claim.account]);

  const start = async () => {
    try {
      // autoApprove stays false: the wallet's dialog shows the decoded claim and waits for Approve.
      const r = await client!.call('rewards.claim', { epoch: claim.epoch, account: claim.account, autoApprove: false });
      setClaimJob(key, { jobId: r.jobId, balanceBefore: balance?.token ?? null });
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };
  const tx = job?.state === 'succeeded' ? (job.result as TxOutcome) : null;
  return (
    <tr data-testid={`claim-${claim.epoch}`}>
      <td className="num">{claim.epoch}</td>
      <td className="num" title={`${claim.amount} base units`}>
        {formatTokens(claim.amount)}
      </td>
      <td data-testid="claimed">
        {claim.claimed === null ? (
          <span className="muted" title="The epoch is not published on the selected network">
            not on this network
          </span>
        ) : claim.claimed ? (
          <span className="badge badge-approved">claimed</span>
        ) : (
          <span className="badge badge-pending">unclaimed</span>
        )}
      </td>
      <td>
        {job?.state === 'running' ? (
          <span className="small muted" role="status">
            {job.progress.message || 'Starting…'}
          </span>
        ) : job?.state === 'failed' ? (
          <span className="small field-error" role="alert">
            {job.error?.message}
          </span>
        ) : tx ? (
          <span className="small" data-testid="claim-result">
            Claimed in <Hash value={tx.txHash} label="claim transaction hash" testId="claim-tx" />
            {entry?.balanceBefore !== null && entry?.balanceBefore !== undefined && balance ? (
              <>
                {' '}
                · balance {formatDecimal(entry.balanceBefore)} → <strong>{formatDecimal(balance.token)}</strong> {balance.tokenSymbol}
              </>
            ) : null}
          </span>
        ) : null}
        {claim.claimed === false && job?.state !== 'running' && !tx ? (
          <Button variant="primary" className="btn-small" onClick={() => void start()}>
            <HandCoins size={13} /> Claim
          </Button>
        ) : null}
      </td>
    </tr>
  );
}
