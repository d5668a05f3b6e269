import { Upload } from 'lucide-react';
import { useEffect, useState, type FormEvent } from 'react';
import type { TxOutcome } from '../../../../electron/shared/chain';
import { client } from '../../api';
import { Button, Dialog, Field, FormError, errorMessage } from '../../components/ui';
import { useApp } from '../../store/app';
import { connectChainStore, useChain } from '../../store/chain';
import { AccountSelect } from './AccountSelect';
import { Hash } from './Hash';
import { SelectedNetwork } from './SelectedNetwork';

const WORDS = {
  snapshot: { button: 'Publish root', title: 'Publish the snapshot root', what: 'its Merkle root and record count (the datanet is registered first if it is not yet)' },
  adapter: { button: 'Register on chain', title: 'Register the adapter', what: "the adapter's hash, its base model's hash, the snapshot root it was trained on and its settings' hash" },
} as const;

/**
 * Publishes a snapshot root or registers an adapter from a wallet account, and says where it is
 * already published. Every transaction goes through the wallet's confirmation dialog.
 */
export function PublishOnChain({ kind, subject, name }: { kind: 'snapshot' | 'adapter'; subject: string; name: string }) {
  const key = `${kind}:${subject}`;
  const jobId = useChain((s) => s.publishJobs[key]);
  const job = useApp((s) => (jobId ? s.jobs[jobId] : undefined));
  const publications = useChain((s) => s.publications);
  const networks = useChain((s) => s.networks);
  const [open, setOpen] = useState(false);
  useEffect(connectChainStore, []);

  const published = publications.filter((p) => p.kind === kind && p.subject === subject);
  const networkName = (id: string) => networks.find((n) => n.id === id)?.name ?? id;
  const running = job?.state === 'running';
  const lastTx = job?.state === 'succeeded' ? (job.result as { transactions: TxOutcome[] }).transactions.at(-1) : undefined;

  return (
    <div className="publish" data-testid={`publish-${subject}`}>
      {published.map((p) => (
        <div key={p.networkId} className="small" data-testid="published-on">
          Published on {networkName(p.networkId)} · <Hash value={p.txHash} label="transaction hash" />
        </div>
      ))}
      {running ? (
        <div className="small muted" role="status">
          {job.progress.message || 'Starting…'}
        </div>
      ) : job?.state === 'failed' ? (
        <div className="small field-error" role="alert">
          {job.error?.message}
        </div>
      ) : lastTx && !published.some((p) => p.txHash === lastTx.txHash) ? (
        <div className="small">
          Sent: <Hash value={lastTx.txHash} label="transaction hash" testId="publish-tx" />
        </div>
      ) : null}
      <Button variant="ghost" className="btn-small" onClick={() => setOpen(true)} disabled={running}>
        <Upload size={13} /> {WORDS[kind].button}
      </Button>
      {open ? <PublishDialog kind={kind} subject={subject} name={name} onClose={() => setOpen(false)} /> : null}
    </div>
  );
}

function PublishDialog({ kind, subject, name, onClose }: { kind: 'snapshot' | 'adapter'; subject: string; name: string; onClose(): void }) {
  const setPublishJob = useChain((s) => s.setPublishJob);
  const [account, setAccount] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const start = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      // autoApprove stays false: the wallet asks the person to approve every transaction.
      const r =
        kind === 'snapshot'
          ? await client!.call('chain.publishSnapshot', { snapshotId: subject, account, autoApprove: false })
          : await client!.call('chain.registerAdapter', { adapterId: subject, account, autoApprove: false });
      setPublishJob(`${kind}:${subject}`, r.jobId);
      // The wallet's own confirmation dialog comes next; this one steps aside for it.
      onClose();
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <Dialog open onOpenChange={(o) => (o ? null : onClose())} title={`${WORDS[kind].title}?`} description={`${name}: ${WORDS[kind].what} go on chain; no record content does.`}>
      <form className="form" onSubmit={(e) => void start(e)}>
        <Field label="From wallet account" hint="It signs and pays the gas; on the local devnet it is given gas money first.">
          <AccountSelect value={account} onChange={setAccount} label="From wallet account" />
        </Field>
        <SelectedNetwork />
        <FormError error={error} />
        <div className="form-actions">
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" disabled={busy || !account}>
            <Upload size={14} /> {WORDS[kind].button}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
