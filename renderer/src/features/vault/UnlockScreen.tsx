import { Lock } from 'lucide-react';
import { useEffect, useState, type FormEvent } from 'react';
import { client } from '../../api';
import { Button, Field, FormError } from '../../components/ui';
import { useAction } from '../../components/useAction';
import { useVault } from '../../store/vault';
import { serveMode, signOut } from '../team/session';

/** Shown instead of the app while the encrypted workspace is locked. */
export function UnlockScreen() {
  const status = useVault((s) => s.status);
  const [passphrase, setPassphrase] = useState('');
  const { busy, error, run } = useAction();
  // On a team server only an owner can unlock; everyone else needs a way out of this screen.
  const [team, setTeam] = useState(false);
  useEffect(() => {
    void serveMode().then((m) => setTeam(m === 'team'));
  }, []);

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
        {team ? <p className="muted" data-testid="team-unlock-note">On this team server only an owner can unlock it: ask one, or sign out.</p> : null}
        <Field label="Passphrase">
          <input type="password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} autoFocus autoComplete="current-password" />
        </Field>
        <FormError error={error} />
        <div className="form-actions">
          <Button variant="primary" type="submit" disabled={!passphrase || busy}>{busy ? 'Unlocking…' : 'Unlock'}</Button>
          {team ? <Button onClick={() => void signOut()}>Sign out</Button> : null}
        </div>
        {status ? <p className="field-hint">{status.coverage}</p> : null}
      </form>
    </main>
  );
}
