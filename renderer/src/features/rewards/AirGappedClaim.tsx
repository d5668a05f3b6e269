import { FileOutput, FileSignature, Send } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import type { Job } from '../../../../electron/shared/jobs';
import type { RewardClaimInfo } from '../../../../electron/shared/rewards';
import { client } from '../../api';
import { JobProgress } from '../../components/JobProgress';
import { Button, Field, errorMessage } from '../../components/ui';
import { useApp } from '../../store/app';
import { AccountSelect } from '../network/AccountSelect';

/**
 * A claim in three steps that need not happen on one machine: export the proof to a file here,
 * sign it where the key lives (no network needed), submit the signed file from any account.
 * Paths are typed rather than picked: the app may be a browser tab on another machine (serve mode).
 */
export function AirGappedClaim({ account, claims }: { account: string; claims: RewardClaimInfo[] }) {
  const workspace = useApp((s) => s.info?.workspace ?? '');
  // Epochs published on this network; claimed ones stay listed so the paths of a claim just made stay put.
  const exportable = claims.filter((c) => c.claimed !== null);
  const unclaimed = exportable.filter((c) => c.claimed === false);
  const [chosenEpoch, setEpoch] = useState('');
  const epoch = exportable.some((c) => String(c.epoch) === chosenEpoch) ? chosenEpoch : String((unclaimed[0] ?? exportable[0])?.epoch ?? '');
  // Paths default to the workspace folder, named after the epoch and account; edits hold until those change.
  const base = epoch && workspace ? `${workspace}/claim-epoch-${epoch}-${account.slice(2, 10).toLowerCase()}` : '';
  const [edits, setEdits] = useState<{ base: string; claim: string; signed: string } | null>(null);
  const claimPath = edits?.base === base ? edits.claim : base ? `${base}.json` : '';
  const signedPath = edits?.base === base ? edits.signed : base ? `${base}.signed.json` : '';
  const setClaimPath = (claim: string) => setEdits({ base, claim, signed: signedPath });
  const setSignedPath = (signed: string) => setEdits({ base, claim: claimPath, signed });
  const [recipient, setRecipient] = useState('');
  const [payer, setPayer] = useState('');
  const [signJob, setSignJob] = useState<string | null>(null);
  const [submitJob, setSubmitJob] = useState<string | null>(null);
  const [error, setError] = useState<{ step: 'export' | 'sign' | 'submit'; message: string } | null>(null);
  const signing = useApp((s) => (signJob ? s.jobs[signJob]?.state === 'running' : false));
  const submitting = useApp((s) => (submitJob ? s.jobs[submitJob]?.state === 'running' : false));

  const run = async (step: 'export' | 'sign' | 'submit', action: () => Promise<void>) => {
    setError(null);
    try {
      await action();
    } catch (e) {
      setError({ step, message: errorMessage(e) });
    }
  };
  const exportClaim = (e: FormEvent) => {
    e.preventDefault();
    void run('export', async () => {
      const r = await client!.call('rewards.exportClaim', { epoch: Number(epoch), account, path: claimPath.trim() });
      toast.success(`Claim written to ${r.path}`);
    });
  };
  const signClaim = (e: FormEvent) => {
    e.preventDefault();
    void run('sign', async () => {
      const r = await client!.call('rewards.signClaim', { path: claimPath.trim(), out: signedPath.trim(), ...(recipient.trim() ? { recipient: recipient.trim() } : {}), autoApprove: false });
      setSignJob(r.jobId);
    });
  };
  const submitClaim = (e: FormEvent) => {
    e.preventDefault();
    void run('submit', async () => {
      const r = await client!.call('rewards.submitClaim', { path: signedPath.trim(), account: payer, autoApprove: false });
      setSubmitJob(r.jobId);
    });
  };
  const errorOf = (step: 'export' | 'sign' | 'submit') => (error?.step === step ? error.message : null);

  return (
    <section className="card air-gapped" data-testid="air-gapped-claim">
      <div className="card-head">
        <h2>Air-gapped claim</h2>
        <span className="muted small">Sign a claim on a machine that never touches the network; anyone can submit it, the reward still goes to the signed recipient.</span>
      </div>
      <form className="form" onSubmit={exportClaim}>
        <h3>1. Export the claim</h3>
        {unclaimed.length === 0 ? <div className="muted small">This account has no unclaimed reward in an epoch published on this network.</div> : null}
        <div className="form-row">
          <Field label="Epoch">
            <select aria-label="Epoch" value={epoch} onChange={(e) => setEpoch(e.target.value)} disabled={!exportable.length}>
              {exportable.map((c) => (
                <option key={c.epoch} value={c.epoch}>
                  Epoch {c.epoch}
                  {c.claimed ? ' (claimed)' : ''}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Claim file" error={errorOf('export')} hint="A path on the machine running the app.">
            <input value={claimPath} onChange={(e) => setClaimPath(e.target.value)} spellCheck={false} />
          </Field>
        </div>
        <div className="form-actions">
          <Button type="submit" disabled={!epoch || !claimPath.trim()}>
            <FileOutput size={14} /> Export claim file
          </Button>
        </div>
      </form>
      <form className="form" onSubmit={signClaim}>
        <h3>2. Sign it with the wallet</h3>
        <div className="form-row">
          <Field label="Claim file to sign">
            <input value={claimPath} onChange={(e) => setClaimPath(e.target.value)} spellCheck={false} />
          </Field>
          <Field label="Signed claim file" error={errorOf('sign')}>
            <input value={signedPath} onChange={(e) => setSignedPath(e.target.value)} spellCheck={false} />
          </Field>
        </div>
        <Field label="Pay the reward to (optional)" hint="Another address to receive the tokens; the claiming account by default.">
          <input value={recipient} onChange={(e) => setRecipient(e.target.value)} placeholder="0x…" spellCheck={false} />
        </Field>
        <div className="form-actions">
          <Button type="submit" disabled={!claimPath.trim() || !signedPath.trim() || signing}>
            <FileSignature size={14} /> Sign claim file
          </Button>
        </div>
        <JobLine jobId={signJob} done={(j) => `Signed claim written to ${(j.result as { path: string }).path}`} />
      </form>
      <form className="form" onSubmit={submitClaim}>
        <h3>3. Submit the signed claim</h3>
        <div className="form-row">
          <Field label="Signed claim file to submit" error={errorOf('submit')}>
            <input value={signedPath} onChange={(e) => setSignedPath(e.target.value)} spellCheck={false} />
          </Field>
          <Field label="Submit from (pays the gas)">
            <AccountSelect value={payer} onChange={setPayer} label="Submit from (pays the gas)" />
          </Field>
        </div>
        <div className="form-actions">
          <Button type="submit" disabled={!signedPath.trim() || !payer || submitting}>
            <Send size={14} /> Submit signed claim
          </Button>
        </div>
        <JobLine jobId={submitJob} done={(j) => `Claim submitted in transaction ${(j.result as { txHash: string }).txHash}`} />
      </form>
    </section>
  );
}

function JobLine({ jobId, done }: { jobId: string | null; done(job: Job): string }) {
  const job = useApp((s) => (jobId ? s.jobs[jobId] : undefined));
  if (!job) return null;
  if (job.state === 'succeeded') return <div className="notice notice-ok small">{done(job)}</div>;
  return <JobProgress job={job} />;
}
