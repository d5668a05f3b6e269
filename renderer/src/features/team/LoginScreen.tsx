import { useState, type FormEvent } from 'react';
import { Button, Field, FormError } from '../../components/ui';
import { useAction } from '../../components/useAction';
import { signIn } from './session';

/** The team server's sign-in: shown instead of the app until this tab has a session. */
export function LoginScreen({ onSignedIn }: { onSignedIn(): void }) {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await run(() => signIn(name.trim(), password))) onSignedIn();
    else setPassword('');
  };
  return (
    <main className="login-screen">
      <form className="card form login-card" onSubmit={(e) => void submit(e)} aria-labelledby="login-title">
        <h1 id="login-title">Datanet Studio</h1>
        <p className="field-hint">This is a team server. Sign in with the account its owner made for you.</p>
        <Field label="Name">
          <input autoFocus autoComplete="username" value={name} onChange={(e) => setName(e.target.value)} required />
        </Field>
        <Field label="Password">
          <input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </Field>
        <FormError error={error} />
        <div className="form-actions">
          <Button type="submit" variant="primary" disabled={busy || !name.trim() || !password}>
            {busy ? 'Signing in…' : 'Sign in'}
          </Button>
        </div>
      </form>
    </main>
  );
}
