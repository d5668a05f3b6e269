import { Check, X } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import type { SigningRequest } from '../../../../electron/shared/wallet';
import { client } from '../../api';
import { Button, Dialog, Field, FormError, errorMessage, formatTime } from '../../components/ui';
import { useWallet } from '../../store/wallet';
import { chainName, requestFields, requestTitle } from './format';

/** What a request asks for, decoded by the wallet itself: what is signed, for which contract and chain. */
export function RequestSummary({ request }: { request: SigningRequest }) {
  const tx = request.transaction;
  const typed = request.typedData;
  const fields = requestFields(request);
  return (
    <div className="request-summary" data-testid="request-summary">
      <div className="request-title">
        {requestTitle(request)}
        <span className="badge">{request.kind === 'transaction' ? 'transaction' : 'signature (EIP-712)'}</span>
      </div>
      {typed?.purpose ? <div className="muted">Stated purpose: {typed.purpose}</div> : null}
      <dl className="meta">
        <dt>Account</dt>
        <dd className="mono">{request.account}</dd>
        <dt>Chain</dt>
        <dd>{request.chainId === null ? 'none named (valid on any chain)' : chainName(request.chainId)}</dd>
        <dt>Contract</dt>
        <dd className="mono">
          {request.contract ?? (tx ? 'none (creates a contract)' : 'none')}
          {tx ? ` (${tx.summary.contract})` : ''}
        </dd>
        {tx ? (
          <>
            <dt>Function</dt>
            <dd className="mono wrap">{tx.summary.signature}</dd>
          </>
        ) : null}
        {typed ? (
          <>
            <dt>Domain</dt>
            <dd>
              {typed.domain.name ?? '(no name)'}
              {typed.domain.version ? ` v${typed.domain.version}` : ''}
            </dd>
          </>
        ) : null}
        {tx ? (
          <>
            <dt>Value</dt>
            <dd className="mono">{tx.valueWei} wei</dd>
          </>
        ) : null}
        <dt>Asked by</dt>
        <dd className="mono">{request.origin}</dd>
        <dt>Expires</dt>
        <dd>{formatTime(request.expiresAt)}</dd>
      </dl>
      {fields.length ? (
        <table className="table compact request-fields" aria-label="Signed fields">
          <thead>
            <tr>
              <th>Field</th>
              <th>Type</th>
              <th>Value</th>
            </tr>
          </thead>
          <tbody>
            {fields.map((f, i) => (
              <tr key={`${f.name}-${i}`}>
                <td>{f.name}</td>
                <td className="muted">{f.type ?? ''}</td>
                <td className="mono wrap">{f.value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

/**
 * Appears whenever a signing request waits, from anywhere in the app: the decoded request and an
 * explicit Approve or Reject. Closing it without a choice leaves the request waiting (it expires).
 */
export function ConfirmRequestDialog() {
  const pending = useWallet((s) => s.pending);
  const locked = useWallet((s) => s.status?.locked ?? true);
  const dismissed = useWallet((s) => s.dismissed);
  const setDismissed = useWallet((s) => s.setDismissed);
  const request = pending.find((r) => r.id !== dismissed);
  if (!request) return null;
  return <RequestDialog key={request.id} request={request} locked={locked} queued={pending.length - 1} onDismiss={() => setDismissed(request.id)} />;
}

function RequestDialog({ request, locked, queued, onDismiss }: { request: SigningRequest; locked: boolean; queued: number; onDismiss(): void }) {
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const approve = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (locked) await client!.call('wallet.unlock', { password });
      const r = await client!.call('wallet.approve', { id: request.id });
      toast.success(r.txHash ? `Transaction sent: ${r.txHash}` : 'Signed');
    } catch (err) {
      // A failed approval also ends the request, which closes this dialog: the toast keeps the reason.
      toast.error(errorMessage(err));
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const reject = async () => {
    setBusy(true);
    try {
      await client!.call('wallet.reject', { id: request.id });
      toast('Request rejected');
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      open
      onOpenChange={(o) => (o ? null : onDismiss())}
      title={request.kind === 'transaction' ? 'Approve a transaction?' : 'Approve a signature?'}
      description={`Nothing is signed until you approve.${queued ? ` ${queued} more request${queued === 1 ? '' : 's'} waiting.` : ''}`}
      width={600}
    >
      <form className="form" onSubmit={(e) => void approve(e)}>
        <RequestSummary request={request} />
        {locked ? (
          <Field label="Wallet password" hint="The wallet is locked; approving unlocks it.">
            <input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} autoFocus />
          </Field>
        ) : null}
        <FormError error={error} />
        <div className="form-actions">
          <Button variant="danger" onClick={() => void reject()} disabled={busy}>
            <X size={14} /> Reject
          </Button>
          <Button variant="primary" type="submit" disabled={busy || (locked && !password)}>
            <Check size={14} /> Approve
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
