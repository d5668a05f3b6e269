import { Link2, RefreshCw } from 'lucide-react';
import { useEffect, useState, type FormEvent } from 'react';
import { PROPOSAL_STAKE, type ProposalDetail, type ProposalStake } from '../../../../electron/shared/proposals';
import { client } from '../../api';
import { Button, Dialog, Field, FormError } from '../../components/ui';
import { useAction } from '../../components/useAction';
import { connectChainStore } from '../../store/chain';
import { useWallet } from '../../store/wallet';
import { AccountSelect } from '../network/AccountSelect';
import { formatTokens } from '../network/format';
import { Hash } from '../network/Hash';
import { SelectedNetwork } from '../network/SelectedNetwork';
import { chainName } from '../wallet/format';

type ChainStake = Extract<ProposalStake, { where: 'chain' }>;

/** Where a submitted proposal's stake is: on chain (amount, registry proposal, transaction) or none for a local team. */
export function StakeFacts({ stake }: { stake: ProposalStake }) {
  if (stake.where === 'local') return <span>submitted locally, without a stake</span>;
  return (
    <span data-testid="proposal-stake">
      {formatTokens(stake.amount)} tokens on {chainName(stake.chainId)}, registry proposal #{stake.onChainId} · <Hash value={stake.txHash} label="stake transaction hash" />
    </span>
  );
}

/**
 * Submits a draft with its stake locked on the selected network's ProposalRegistry. The job asks
 * the wallet to approve each transaction (the wallet's own dialog comes next; this one steps aside).
 */
export function StakeOnChainDialog({ detail, onStarted, onClose }: { detail: ProposalDetail; onStarted(jobId: string): void; onClose(): void }) {
  const [account, setAccount] = useState('');
  const { busy, error, run } = useAction();
  useEffect(connectChainStore, []);
  const p = detail.proposal;

  const start = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      // autoApprove stays false: the wallet asks the person to approve every transaction.
      const r = await client!.call('proposals.submitOnChain', { id: p.id, account, autoApprove: false });
      onStarted(r.jobId);
      onClose();
    });
  };

  return (
    <Dialog
      open
      onOpenChange={(o) => (o ? null : onClose())}
      title="Submit with a stake on chain?"
      description={`${p.title}: a hash of the proposal and a stake of ${formatTokens(PROPOSAL_STAKE.toString())} reward tokens go on chain; the stake comes back on approval and is kept on rejection.`}
    >
      <form className="form" onSubmit={start}>
        <Field label="Stake from wallet account" hint="It approves and locks the stake and pays the gas; on the local devnet it is given both first.">
          <AccountSelect value={account} onChange={setAccount} label="Stake from wallet account" />
        </Field>
        <SelectedNetwork />
        <div className="small" data-testid="stake-reviewers">
          {detail.reviewers.length
            ? `Reviewers who vote on chain: ${detail.reviewers.join(', ')}`
            : 'No reviewers are configured: set them on the proposals board first (the registry is deployed with them).'}
        </div>
        <FormError error={error} />
        <div className="form-actions">
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" disabled={busy || !account || detail.reviewers.length === 0}>
            <Link2 size={14} /> Stake and submit
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

/**
 * The review of a proposal staked on chain: each reviewer votes from their wallet account here
 * (approved in the wallet's dialog), or from a wallet elsewhere and the votes are read back from
 * the registry. The registry decides; the proposal follows it.
 */
export function ChainReview({ detail, stake, busy, onVote, onSynced }: { detail: ProposalDetail; stake: ChainStake; busy: boolean; onVote(jobId: string): void; onSynced(message: string): void }) {
  const accounts = useWallet((s) => s.accounts);
  const { busy: acting, error, run } = useAction();
  const p = detail.proposal;
  const inWallet = (r: string) => accounts.some((a) => a.address.toLowerCase() === r.toLowerCase());
  const voteOf = (r: string) => detail.votes.find((v) => v.reviewer === r);

  const vote = (reviewer: string, approve: boolean) =>
    void run(async () => {
      const r = await client!.call('proposals.voteOnChain', { id: p.id, reviewer, approve, autoApprove: false });
      onVote(r.jobId);
    });
  const sync = () =>
    void run(async () => {
      const r = await client!.call('proposals.syncChain', { id: p.id });
      const others = r.notReviewers.length ? `; not counted here (not configured reviewers): ${r.notReviewers.join(', ')}` : '';
      // Said by the page: a decision read now ends the review this section belongs to.
      onSynced(`${r.recorded} new vote${r.recorded === 1 ? '' : 's'} read from the chain${others}`);
    });

  return (
    <section aria-label="Review">
      <h2>Review on chain</h2>
      <p className="small muted">
        The registry at <code data-testid="proposal-registry">{stake.registry}</code> on {chainName(stake.chainId)} counts the votes; a majority of its reviewers decides.
      </p>
      {detail.reviewers.map((r) => {
        const v = voteOf(r);
        const why = inWallet(r) ? undefined : 'Not an account of this wallet: vote from the wallet that holds it, then read the votes from the chain';
        return (
          <div key={r} data-testid="chain-vote">
            <code>{r}</code> {v ? (v.approve ? 'approved' : 'rejected') : 'has not voted'}
            {v?.txHash ? <> · <Hash value={v.txHash} label="vote transaction hash" /></> : null}{' '}
            {v ? null : (
              <>
                <Button aria-label={`Approve on chain as ${r}`} title={why} disabled={busy || acting || !inWallet(r)} onClick={() => vote(r, true)}>Approve</Button>
                <Button aria-label={`Reject on chain as ${r}`} title={why} disabled={busy || acting || !inWallet(r)} onClick={() => vote(r, false)}>Reject</Button>
              </>
            )}
          </div>
        );
      })}
      <div className="page-actions">
        <Button disabled={busy || acting} onClick={sync} title="Record votes cast from wallets outside this workspace and follow the registry's decision">
          <RefreshCw size={14} /> Read votes from the chain
        </Button>
      </div>
      <FormError error={error} />
    </section>
  );
}
