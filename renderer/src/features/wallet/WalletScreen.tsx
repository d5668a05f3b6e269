import { Copy, KeyRound, Lock, Plus, RefreshCw, Unlock, Upload, Wallet } from 'lucide-react';
import { useEffect, useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import type { Output } from '../../../../electron/shared/contract';
import type { SigningRequest, WalletAccount, WalletStatus } from '../../../../electron/shared/wallet';
import { useAction } from '../../components/useAction';
import { client } from '../../api';
import { Button, EmptyState, Field, PageHeader, errorMessage, formatTime } from '../../components/ui';
import { useWallet } from '../../store/wallet';
import { CreateWalletDialog } from './CreateWalletDialog';
import { ImportWalletDialog } from './ImportWalletDialog';
import { chainName, requestTitle } from './format';

type Balance = Output<'chain.balances'> | { error: string };

type Balances = { network: string; of: Record<string, Balance> } | null;

/** Balances on the selected network, or null while no network is ready (the wallet itself never needs one). */
async function fetchBalances(accounts: WalletAccount[]): Promise<Balances> {
  const chain = await client!.call('chain.status', {}).catch(() => null);
  if (!chain?.ready) return null;
  const entries = await Promise.all(
    accounts.map(async (a): Promise<[string, Balance]> => [a.address, await client!.call('chain.balances', { account: a.address }).catch((e: unknown) => ({ error: errorMessage(e) }))]),
  );
  return { network: chain.network.name, of: Object.fromEntries(entries) };
}

function useBalances(accounts: WalletAccount[]) {
  const [balances, setBalances] = useState<Balances>(null);
  const [asked, setAsked] = useState(0);
  useEffect(() => {
    let live = true;
    void fetchBalances(accounts).then((b) => live && setBalances(b));
    return () => {
      live = false;
    };
  }, [accounts, asked]);
  return { balances, refresh: () => setAsked((n) => n + 1) };
}

function BalanceCell({ balance }: { balance: Balance | undefined }) {
  if (!balance) return <>…</>;
  if ('error' in balance) return <span title={balance.error}>—</span>;
  return (
    <>
      {balance.native} <span className="muted">native</span> · {balance.token} <span className="muted">{balance.tokenSymbol}</span>
    </>
  );
}

/** Keys on this machine: accounts (with balances when a network is connected), lock state, auto-lock, and what was signed. */
export function WalletScreen() {
  const { status, accounts, pending, activity, load, setDismissed } = useWallet();
  const [dialog, setDialog] = useState<'create' | 'import' | null>(null);
  const { balances, refresh } = useBalances(accounts);

  useEffect(() => {
    void load();
  }, [load]);

  const lock = async () => {
    try {
      await client!.call('wallet.lock', {});
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };
  const addAccount = async () => {
    try {
      const a = await client!.call('wallet.addAccount', {});
      toast.success(`Account added: ${a.address}`);
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };

  const firstWallet = !status?.exists;
  const dialogs = (
    <>
      {dialog === 'create' ? <CreateWalletDialog firstWallet={firstWallet} onClose={() => setDialog(null)} /> : null}
      {dialog === 'import' ? <ImportWalletDialog firstWallet={firstWallet} onClose={() => setDialog(null)} /> : null}
    </>
  );

  if (!status) return <div className="page muted">Loading…</div>;
  if (!status.exists) {
    return (
      <div className="page">
        <PageHeader title="Wallet" subtitle="Keys, signatures and the network." />
        <EmptyState
          icon={<Wallet size={28} />}
          title="No wallet in this workspace yet"
          action={
            <div className="page-actions center">
              <Button variant="primary" onClick={() => setDialog('create')}>
                <Plus size={14} /> Create wallet
              </Button>
              <Button onClick={() => setDialog('import')}>
                <Upload size={14} /> Import wallet
              </Button>
            </div>
          }
        >
          <p>A wallet signs attribution receipts and contributions, publishes snapshot roots, and claims rewards. Its keys are encrypted on this machine (keystore v3, scrypt) and never leave it.</p>
        </EmptyState>
        {dialogs}
      </div>
    );
  }

  return (
    <div className="page">
      <PageHeader
        title="Wallet"
        subtitle="Keys encrypted on this machine; nothing is signed without your approval."
        actions={
          <>
            {status.locked ? null : (
              <Button onClick={() => void lock()}>
                <Lock size={14} /> Lock
              </Button>
            )}
            <Button onClick={() => setDialog('import')}>
              <Upload size={14} /> Import
            </Button>
            <Button onClick={() => setDialog('create')}>
              <KeyRound size={14} /> New phrase
            </Button>
            <Button variant="primary" onClick={() => void addAccount()} disabled={status.locked} title={status.locked ? 'Unlock the wallet to derive a new account' : undefined}>
              <Plus size={14} /> Add account
            </Button>
          </>
        }
      />
      {pending.length ? (
        <div className="notice notice-warn request-waiting">
          {pending.length} signing request{pending.length === 1 ? '' : 's'} waiting for you.
          <Button variant="ghost" onClick={() => setDismissed(null)}>
            Review
          </Button>
        </div>
      ) : null}
      <StatusCard status={status} />
      <section className="card">
        <div className="card-head">
          <h2>Accounts</h2>
          <span className="muted small">
            {accounts.length} account{accounts.length === 1 ? '' : 's'}
            {balances ? ` · balances on ${balances.network}` : ' · balances show when a network is connected'}
            <button type="button" className="icon-btn" aria-label="Refresh balances" onClick={refresh}>
              <RefreshCw size={12} />
            </button>
          </span>
        </div>
        <table className="table compact" data-testid="wallet-accounts">
          <thead>
            <tr>
              <th>Address</th>
              <th>Label</th>
              <th>Source</th>
              <th>Path</th>
              {balances ? <th className="num">Balance</th> : null}
              <th>Added</th>
            </tr>
          </thead>
          <tbody>
            {accounts.map((a) => (
              <tr key={a.address}>
                <td className="mono">
                  {a.address}
                  <button type="button" className="icon-btn" aria-label={`Copy ${a.address}`} onClick={() => void navigator.clipboard.writeText(a.address).then(() => toast.success('Address copied'))}>
                    <Copy size={12} />
                  </button>
                </td>
                <td>{a.label}</td>
                <td>{a.kind === 'mnemonic' ? 'recovery phrase' : a.kind === 'privateKey' ? 'private key' : 'keystore file'}</td>
                <td className="mono">{a.hdPath ?? '—'}</td>
                {balances ? (
                  <td className="num">
                    <BalanceCell balance={balances.of[a.address]} />
                  </td>
                ) : null}
                <td>{formatTime(a.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <ActivityCard activity={activity} />
      {dialogs}
    </div>
  );
}

function StatusCard({ status }: { status: WalletStatus }) {
  const [password, setPassword] = useState('');
  const [minutes, setMinutes] = useState(String(status.autoLockMinutes));
  const { busy, error, run } = useAction();

  const unlock = async (e: FormEvent) => {
    e.preventDefault();
    if (await run(() => client!.call('wallet.unlock', { password }))) setPassword('');
  };
  const saveAutoLock = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const s = await client!.call('wallet.setAutoLock', { minutes: Number(minutes) });
      toast.success(`The wallet locks itself after ${s.autoLockMinutes} minutes without signing`);
    } catch (err) {
      toast.error(errorMessage(err));
    }
  };

  return (
    <section className="card wallet-status" data-testid="wallet-status">
      <div className="card-head">
        <h2>
          {status.locked ? <Lock size={14} aria-hidden /> : <Unlock size={14} aria-hidden />} {status.locked ? 'Locked' : 'Unlocked'}
        </h2>
        <span className="muted small">{status.locked ? 'Keys are encrypted; unlock to sign.' : status.locksAt ? `Locks itself at ${formatTime(status.locksAt)} unless something is signed` : ''}</span>
      </div>
      <div className="wallet-status-row">
        {status.locked ? (
          <form className="inline-form" onSubmit={(e) => void unlock(e)}>
            <Field label="Wallet password" error={error}>
              <input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
            </Field>
            <Button variant="primary" type="submit" disabled={busy || !password}>
              <Unlock size={14} /> {busy ? 'Unlocking…' : 'Unlock'}
            </Button>
          </form>
        ) : null}
        <form className="inline-form" onSubmit={(e) => void saveAutoLock(e)}>
          <Field label="Auto-lock after (minutes)">
            <input type="number" min={1} max={1440} value={minutes} onChange={(e) => setMinutes(e.target.value)} />
          </Field>
          <Button type="submit" disabled={Number(minutes) === status.autoLockMinutes}>
            Save
          </Button>
        </form>
      </div>
    </section>
  );
}

const STATE_BADGE: Record<SigningRequest['state'], string> = {
  pending: 'badge-pending',
  approved: 'badge-approved',
  rejected: 'badge-rejected',
  expired: '',
  failed: 'badge-rejected',
};

/** Requests decided while this window was open: what was signed or sent, for whom, and the outcome. */
function ActivityCard({ activity }: { activity: SigningRequest[] }) {
  return (
    <section className="card">
      <div className="card-head">
        <h2>Activity</h2>
        <span className="muted small">Signing requests in this session; every signature is also in the audit log (Settings).</span>
      </div>
      {activity.length === 0 ? (
        <div className="muted">Nothing signed or sent yet in this session.</div>
      ) : (
        <table className="table compact" data-testid="wallet-activity">
          <thead>
            <tr>
              <th>Asked</th>
              <th>What</th>
              <th>Chain</th>
              <th>Account</th>
              <th>By</th>
              <th>Outcome</th>
            </tr>
          </thead>
          <tbody>
            {activity.map((r) => (
              <tr key={r.id}>
                <td>{formatTime(r.createdAt)}</td>
                <td>{requestTitle(r)}</td>
                <td>{r.chainId === null ? '—' : chainName(r.chainId)}</td>
                <td className="mono">{r.account}</td>
                <td className="mono">{r.origin}</td>
                <td>
                  <span className={`badge ${STATE_BADGE[r.state]}`} title={r.reason ?? undefined}>
                    {r.state}
                  </span>
                  {r.reason ? <span className="muted small"> {r.reason}</span> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
