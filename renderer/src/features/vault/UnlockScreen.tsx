import { Lock } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { client } from '../../api';
import { Button, Field, FormError } from '../../components/ui';
import { useAction } from '../../components/useAction';
import { useVault } from '../../store/vault';

/** Shown instead of the app while the encrypted workspace is locked. */
export function UnlockScreen() {
  const status = useVault((s) => s.status);
  const [passphrase, setPassphrase] = useState('');
  const { busy, error, run } = useAction();

  const unlock = async (e: FormEvent) => {
    e.preventDefault();
    if (await run(() => client!.call('vault.unlock', { passphrase }))) {
      setPassphrase('');
      await useVault.getState().load();
    }
  };

  return (
    <main className="unlock" aria-labelledby="unlock-title">
      <form className="card form" onSubmit={(e) => void unlock(e)}>
        <h1 id="unlock-title"><Lock size={18} aria-hidden /> Workspace locked</h1>
        <p className="muted">This workspace is encrypted. Enter its passphrase to open it; nothing can be read until you do.</p>
        <Field label="Passphrase">
          <input type="password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} autoFocus autoComplete="current-password" />
        </Field>
        <FormError error={error} />
        <div className="form-actions">
          <Button variant="primary" type="submit" disabled={!passphrase || busy}>{busy ? 'Unlocking…' : 'Unlock'}</Button>
        </div>
        {status ? <p className="field-hint">{status.coverage}</p> : null}
      </form>
    </main>
  );
}
