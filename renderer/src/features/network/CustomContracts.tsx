import { Rocket, Link2 } from 'lucide-react';
import { useEffect, useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import type { ChainStatus } from '../../../../electron/shared/chain';
import { client } from '../../api';
import { JobProgress } from '../../components/JobProgress';
import { Button, Field, FormError, errorMessage } from '../../components/ui';
import { useApp } from '../../store/app';
import { useChain } from '../../store/chain';
import { AccountSelect } from './AccountSelect';

const CONTRACTS = ['DatanetRegistry', 'ModelRegistry', 'AttributionRegistry', 'RewardDistributor', 'RewardToken'] as const;
type ContractName = (typeof CONTRACTS)[number];

/**
 * A custom network has no contracts of ours until they are deployed there from a wallet account
 * (which then publishes reward epochs), or the addresses of an existing deployment are entered.
 */
export function CustomContracts({ status }: { status: ChainStatus }) {
  const load = useChain((s) => s.load);
  const [account, setAccount] = useState('');
  const [jobId, setJobId] = useState<string | null>(null);
  const job = useApp((s) => (jobId ? s.jobs[jobId] : undefined));
  const [addresses, setAddresses] = useState<Record<ContractName, string>>({ DatanetRegistry: '', ModelRegistry: '', AttributionRegistry: '', RewardDistributor: '', RewardToken: '' });
  const [fromBlock, setFromBlock] = useState('0');
  const [error, setError] = useState<string | null>(null);
  const jobState = job?.state;
  useEffect(() => {
    if (jobState === 'succeeded') void load();
  }, [jobState, load]);
  if (status.network.kind === 'devnet' || status.ready) return null;

  const deploy = async () => {
    setError(null);
    try {
      setJobId((await client!.call('chain.deployContracts', { account })).jobId);
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  const adopt = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await client!.call('chain.useDeployment', { ...addresses, fromBlock: Number(fromBlock) || 0 });
      toast.success(`Using the contracts at these addresses on ${status.network.name}`);
      await load();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <section className="card" data-testid="custom-contracts">
      <div className="card-head">
        <h2>Contracts on {status.network.name}</h2>
        <span className="muted small">Deploy ours from a wallet account (it will publish reward epochs here), or enter an existing deployment.</span>
      </div>
      <div className="inline-form">
        <Field label="Deploy from">
          <AccountSelect value={account} onChange={setAccount} label="Deploy from" />
        </Field>
        <Button variant="primary" onClick={() => void deploy()} disabled={!account || job?.state === 'running'}>
          <Rocket size={14} /> Deploy contracts
        </Button>
      </div>
      {job && job.state !== 'succeeded' ? <JobProgress job={job} /> : null}
      <form className="form" onSubmit={(e) => void adopt(e)}>
        <div className="form-row">
          {CONTRACTS.map((c) => (
            <Field key={c} label={c}>
              <input value={addresses[c]} onChange={(e) => setAddresses({ ...addresses, [c]: e.target.value.trim() })} placeholder="0x…" spellCheck={false} />
            </Field>
          ))}
          <Field label="First block" hint="Where event scans start">
            <input type="number" min={0} value={fromBlock} onChange={(e) => setFromBlock(e.target.value)} />
          </Field>
        </div>
        <FormError error={error} />
        <div className="form-actions">
          <Button type="submit" disabled={CONTRACTS.some((c) => !/^0x[0-9a-fA-F]{40}$/.test(addresses[c]))}>
            <Link2 size={14} /> Use these contracts
          </Button>
        </div>
      </form>
    </section>
  );
}
