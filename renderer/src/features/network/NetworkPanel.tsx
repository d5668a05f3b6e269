import { Play, Plus, RefreshCw, Square } from 'lucide-react';
import { Fragment, useEffect, useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import type { ChainStatus } from '../../../../electron/shared/chain';
import { client } from '../../api';
import { JobProgress } from '../../components/JobProgress';
import { Button, Field, FormError, errorMessage } from '../../components/ui';
import { useApp } from '../../store/app';
import { connectChainStore, useChain } from '../../store/chain';
import { chainName } from '../wallet/format';
import { CustomContracts } from './CustomContracts';
import { Hash } from './Hash';

/** The selected network: which one, whether it runs, its contracts; the devnet's start and stop; custom networks. */
export function NetworkPanel() {
  useEffect(connectChainStore, []);
  return (
    <div className="tab-body">
      <SelectedNetwork />
      <SelectedContracts />
      <AddNetwork />
      <ActivityCard />
    </div>
  );
}

/** Says when the chain is not usable yet, with the one action that fixes it for the devnet. */
export function ChainNotice() {
  const status = useChain((s) => s.status);
  const devnetJobId = useChain((s) => s.devnetJobId);
  const running = useApp((s) => (devnetJobId ? s.jobs[devnetJobId]?.state === 'running' : false));
  if (!status || status.ready) return null;
  return (
    <div className="notice notice-warn" data-testid="chain-notice">
      {status.network.kind === 'devnet'
        ? running
          ? 'The local devnet is starting…'
          : 'The local devnet is not running: start it to publish, close epochs on chain and claim.'
        : `${status.network.name} has no contracts known to this workspace.`}
      {status.network.kind === 'devnet' && !running ? <StartDevnetButton /> : null}
    </div>
  );
}

function StartDevnetButton() {
  const setDevnetJob = useChain((s) => s.setDevnetJob);
  const start = async () => {
    try {
      setDevnetJob((await client!.call('chain.startDevnet', {})).jobId);
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };
  return (
    <Button variant="primary" onClick={() => void start()}>
      <Play size={14} /> Start devnet
    </Button>
  );
}

function SelectedNetwork() {
  const { status, networks, devnetJobId, load } = useChain();
  const job = useApp((s) => (devnetJobId ? s.jobs[devnetJobId] : undefined));
  const [busy, setBusy] = useState(false);

  const select = async (id: string) => {
    try {
      await client!.call('chain.selectNetwork', { id });
      await load();
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };
  const stop = async () => {
    setBusy(true);
    try {
      await client!.call('chain.stopDevnet', {});
      await load();
    } catch (e) {
      toast.error(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  if (!status) return <section className="card muted">Loading…</section>;
  const n = status.network;
  return (
    <section className="card" data-testid="network-status">
      <div className="card-head">
        <h2>Network</h2>
        <span className={`badge ${status.ready ? 'badge-approved' : 'badge-pending'}`} data-testid="network-ready">
          {status.ready ? 'ready' : n.kind === 'devnet' ? 'stopped' : 'not ready'}
        </span>
      </div>
      <div className="inline-form">
        <Field label="Selected network">
          <select aria-label="Selected network" value={n.id} onChange={(e) => void select(e.target.value)}>
            {networks.map((x) => (
              <option key={x.id} value={x.id}>
                {x.name} · chain {x.chainId}
              </option>
            ))}
          </select>
        </Field>
        {n.kind === 'devnet' ? (
          status.ready ? (
            <Button onClick={() => void stop()} disabled={busy}>
              <Square size={14} /> Stop devnet
            </Button>
          ) : job?.state === 'running' ? null : (
            <StartDevnetButton />
          )
        ) : null}
        <Button variant="ghost" onClick={() => void load()} aria-label="Refresh network status">
          <RefreshCw size={14} />
        </Button>
      </div>
      {job && (job.state === 'running' || job.state === 'failed') ? <JobProgress job={job} /> : null}
      <NetworkFacts status={status} />
    </section>
  );
}

function SelectedContracts() {
  const status = useChain((s) => s.status);
  return status ? <CustomContracts status={status} /> : null;
}

function NetworkFacts({ status }: { status: ChainStatus }) {
  const n = status.network;
  return (
    <dl className="meta network-facts">
      <dt>Chain</dt>
      <dd>{chainName(n.chainId)}</dd>
      <dt>RPC</dt>
      <dd className="mono">{n.rpcUrl ?? (n.kind === 'devnet' ? 'started on 127.0.0.1 when needed' : '—')}</dd>
      <dt>Block</dt>
      <dd data-testid="block-number">{status.blockNumber ?? '—'}</dd>
      <dt>Reward operator</dt>
      <dd className="mono">{status.rewardOperator ?? '—'}</dd>
      {status.deployment ? (
        <>
          {(['DatanetRegistry', 'ModelRegistry', 'AttributionRegistry', 'RewardDistributor', 'RewardToken'] as const).map((c) => (
            <Fragment key={c}>
              <dt>{c}</dt>
              <dd>
                <Hash value={status.deployment![c]} label={`${c} address`} />
              </dd>
            </Fragment>
          ))}
        </>
      ) : (
        <>
          <dt>Contracts</dt>
          <dd className="muted">{n.kind === 'devnet' ? 'deployed when the devnet first starts' : 'none known on this network'}</dd>
        </>
      )}
    </dl>
  );
}

function AddNetwork() {
  const load = useChain((s) => s.load);
  const [form, setForm] = useState({ id: '', name: '', rpcUrl: '', chainId: '' });
  const [error, setError] = useState<string | null>(null);
  const set = (k: keyof typeof form, v: string) => setForm({ ...form, [k]: v });

  const add = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const n = await client!.call('chain.addNetwork', { id: form.id.trim(), name: form.name.trim(), rpcUrl: form.rpcUrl.trim(), chainId: Number(form.chainId) });
      toast.success(`Network ${n.name} added (${chainName(n.chainId)})`);
      setForm({ id: '', name: '', rpcUrl: '', chainId: '' });
      await load();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <section className="card">
      <div className="card-head">
        <h2>Add a network</h2>
        <span className="muted small">Any EVM chain by its RPC address; its chain id is checked before anything is signed.</span>
      </div>
      <form className="form" onSubmit={(e) => void add(e)}>
        <div className="form-row">
          <Field label="Network id" hint="Short, e.g. sepolia">
            <input value={form.id} onChange={(e) => set('id', e.target.value)} spellCheck={false} />
          </Field>
          <Field label="Network name">
            <input value={form.name} onChange={(e) => set('name', e.target.value)} />
          </Field>
        </div>
        <div className="form-row">
          <Field label="RPC URL">
            <input value={form.rpcUrl} onChange={(e) => set('rpcUrl', e.target.value)} placeholder="https://…" spellCheck={false} />
          </Field>
          <Field label="Chain id">
            <input type="number" min={1} value={form.chainId} onChange={(e) => set('chainId', e.target.value)} />
          </Field>
        </div>
        <FormError error={error} />
        <div className="form-actions">
          <Button type="submit" disabled={!form.id.trim() || !form.name.trim() || !form.rpcUrl.trim() || !form.chainId}>
            <Plus size={14} /> Add network
          </Button>
        </div>
      </form>
    </section>
  );
}

function ActivityCard() {
  const { status, activity, loadActivity } = useChain();
  const ready = status?.ready ?? false;
  useEffect(() => {
    if (ready) void loadActivity().catch((e) => toast.error(errorMessage(e)));
  }, [ready, loadActivity]);
  return (
    <section className="card">
      <div className="card-head">
        <h2>Chain activity</h2>
        <Button variant="ghost" onClick={() => void loadActivity().catch((e) => toast.error(errorMessage(e)))} disabled={!ready}>
          <RefreshCw size={13} /> Refresh
        </Button>
      </div>
      {!ready ? (
        <div className="muted">Read from the contracts' events once the network is ready.</div>
      ) : !activity?.length ? (
        <div className="muted">Nothing published on this network yet.</div>
      ) : (
        <table className="table compact" data-testid="chain-activity">
          <thead>
            <tr>
              <th>What</th>
              <th className="num">Block</th>
              <th>Subject</th>
              <th>Detail</th>
              <th>Transaction</th>
            </tr>
          </thead>
          <tbody>
            {activity.map((a) => (
              <tr key={`${a.txHash}-${a.kind}-${a.subject}`}>
                <td>
                  <span className="badge">{a.kind}</span>
                </td>
                <td className="num">{a.blockNumber}</td>
                <td>
                  <Hash value={a.subject} label="subject" />
                </td>
                <td className="small">{a.detail}</td>
                <td>
                  <Hash value={a.txHash} label="transaction hash" />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
