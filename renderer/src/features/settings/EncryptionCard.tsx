import { useState } from 'react';
import { toast } from 'sonner';
import { MIN_PASSPHRASE_LENGTH } from '../../../../electron/shared/vault';
import { client } from '../../api';
import { Button, Field, FormError } from '../../components/ui';
import { useAction } from '../../components/useAction';
import { useVault } from '../../store/vault';

const IDLE_CHOICES = [0, 5, 15, 30, 60, 240];
const idleLabel = (m: number) => (m === 0 ? 'Never' : m < 60 ? `After ${m} minutes` : `After ${m / 60} hour${m > 60 ? 's' : ''}`);

/** Turn encryption at rest on, change its passphrase, lock now, and choose the idle lock. */
export function EncryptionCard() {
  const status = useVault((s) => s.status);
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [idle, setIdle] = useState(15);
  const [rotateKey, setRotateKey] = useState(false);
  const action = useAction();
  const { busy, error } = action;
  if (!status) return null;

  const mismatch = confirm.length > 0 && next !== confirm ? 'The two passphrases differ.' : null;
  const tooShort = next.length > 0 && next.length < MIN_PASSPHRASE_LENGTH ? `At least ${MIN_PASSPHRASE_LENGTH} characters.` : null;
  const ready = next.length >= MIN_PASSPHRASE_LENGTH && next === confirm && !busy;

  const run = async (call: () => Promise<unknown>, done: string) => {
    if (!(await action.run(call))) return;
    setCurrent('');
    setNext('');
    setConfirm('');
    await useVault.getState().load();
    toast.success(done);
  };

  return (
    <section className="card" aria-labelledby="encryption-title">
      <h2 id="encryption-title">Encryption at rest</h2>
      <p className="muted" data-testid="encryption-status">
        {status.encrypted ? 'Encrypted. ' : ''}{status.coverage}
      </p>
      {status.encrypted ? (
        <>
          <div className="form-row">
            <Field label="Lock when idle" hint="No activity for this long locks the workspace; running jobs and a running local API keep it open.">
              <select value={status.idleLockMinutes} onChange={(e) => void run(() => client!.call('vault.setIdleLock', { minutes: Number(e.target.value) }), 'Idle lock saved')}>
                {[...new Set([...IDLE_CHOICES, status.idleLockMinutes])].sort((a, b) => a - b).map((m) => <option key={m} value={m}>{idleLabel(m)}</option>)}
              </select>
            </Field>
          </div>
          <label className="inline-check" title={status.keyring.note}>
            <input
              type="checkbox"
              checked={status.keyring.enabled}
              disabled={busy || (!status.keyring.available && !status.keyring.enabled)}
              onChange={(e) => {
                const enabled = e.target.checked;
                void run(() => client!.call('vault.setKeyring', { enabled }), enabled ? 'The key is kept in the OS keychain too' : 'The key is no longer kept in the OS keychain');
              }}
            />
            Unlock at start on this computer account (the key is kept in the OS keychain too)
          </label>
          <p className="field-hint" data-testid="keyring-note">{status.keyring.note}</p>
          <h3>Change passphrase</h3>
          <p className="field-hint">
            By default the key stays the same and is wrapped anew (instant). If the old passphrase may have leaked, replace the key
            too: the database is rewritten under a new key, so an old copy of the vault file no longer opens it. Either way, encrypted
            backups still open with the passphrase they were taken under.
          </p>
          <div className="form-row">
            <Field label="Current passphrase"><input type="password" value={current} onChange={(e) => setCurrent(e.target.value)} autoComplete="current-password" /></Field>
            <Field label="New passphrase" error={tooShort}><input type="password" value={next} onChange={(e) => setNext(e.target.value)} autoComplete="new-password" /></Field>
            <Field label="Repeat new passphrase" error={mismatch}><input type="password" value={confirm} onChange={(e) => setConfirm(e.target.value)} autoComplete="new-password" /></Field>
          </div>
          <label className="inline-check">
            <input type="checkbox" checked={rotateKey} disabled={busy} onChange={(e) => setRotateKey(e.target.checked)} />
            Replace the key too (rewrites the database; running jobs must finish first)
          </label>
          <FormError error={error} />
          <div className="form-actions">
            <Button
              disabled={!ready || !current}
              onClick={() => void run(() => client!.call('vault.changePassphrase', { current, next, rotateKey }), rotateKey ? 'Passphrase changed and key replaced' : 'Passphrase changed')}
            >
              {busy && rotateKey ? 'Replacing the key…' : 'Change passphrase'}
            </Button>
            <Button variant="primary" disabled={busy} onClick={() => void run(() => client!.call('vault.lock', {}), 'Workspace locked')}>Lock now</Button>
          </div>
        </>
      ) : (
        <>
          <p className="muted">
            Encrypting re-writes the database under a new random key that only your passphrase unlocks. There is no way back in
            without it: write it down somewhere safe. Running jobs must finish first.
          </p>
          <div className="form-row">
            <Field label="New passphrase" error={tooShort} hint={`At least ${MIN_PASSPHRASE_LENGTH} characters; a sentence is easier to remember.`}>
              <input type="password" value={next} onChange={(e) => setNext(e.target.value)} autoComplete="new-password" />
            </Field>
            <Field label="Repeat new passphrase" error={mismatch}><input type="password" value={confirm} onChange={(e) => setConfirm(e.target.value)} autoComplete="new-password" /></Field>
            <Field label="Lock when idle">
              <select value={idle} onChange={(e) => setIdle(Number(e.target.value))}>
                {IDLE_CHOICES.map((m) => <option key={m} value={m}>{idleLabel(m)}</option>)}
              </select>
            </Field>
          </div>
          <FormError error={error} />
          <div className="form-actions">
            <Button variant="primary" disabled={!ready} onClick={() => void run(() => client!.call('vault.enable', { passphrase: next, idleLockMinutes: idle }), 'Workspace encrypted')}>
              {busy ? 'Encrypting…' : 'Encrypt workspace'}
            </Button>
          </div>
        </>
      )}
    </section>
  );
}
