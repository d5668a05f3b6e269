import { UserPlus } from 'lucide-react';
import { useEffect, useState, type FormEvent } from 'react';
import { PASSWORD_MIN_CHARS, TEAM_ROLES, type TeamAccount, type TeamRole } from '../../../../electron/shared/team';
import { client } from '../../api';
import { Button, Field, FormError, formatTime } from '../../components/ui';
import { useAction } from '../../components/useAction';
import { NewPasswordFields, passwordProblem } from '../wallet/PasswordFields';

const ROLE_WORDS: Record<TeamRole, string> = {
  owner: 'owner — everything',
  reviewer: 'reviewer — reads and reviews records',
  contributor: 'contributor — only their own records',
};

/**
 * The accounts people sign in with when this workspace is served as a team server. A running team
 * server reads them on every call, so a removal ends that person's sessions at once.
 */
export function TeamAccountsCard() {
  const [accounts, setAccounts] = useState<TeamAccount[] | null>(null);
  const [version, setVersion] = useState(0);
  const [name, setName] = useState('');
  const [role, setRole] = useState<TeamRole>('reviewer');
  const [address, setAddress] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [removing, setRemoving] = useState<string | null>(null);
  const add = useAction();
  const remove = useAction();

  useEffect(() => {
    void client?.call('team.listUsers', {}).then((r) => setAccounts(r.items));
  }, [version]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void add
      .run(async () => {
        const problem = passwordProblem(password, repeat, PASSWORD_MIN_CHARS);
        if (problem) throw new Error(problem);
        await client!.call('team.addUser', { name: name.trim(), role, address: role === 'contributor' ? address.trim() : null, password });
      })
      .then((ok) => {
        if (!ok) return;
        setName('');
        setAddress('');
        setPassword('');
        setRepeat('');
        setVersion((v) => v + 1);
      });
  };
  const confirmRemove = (who: string) =>
    void remove
      .run(() => client!.call('team.removeUser', { name: who }))
      .then(() => {
        setRemoving(null);
        setVersion((v) => v + 1);
      });

  return (
    <section className="card" aria-label="Team accounts">
      <h2>Team accounts</h2>
      <p className="muted">
        For serving this workspace to several people on your network: <span className="mono">npm run serve -- --host ADDR --tls-cert F --tls-key F</span>.
        Each person signs in with their own account; the audit log names them. A removed account is signed out at once.
      </p>
      {accounts?.length ? (
        <table className="table compact" data-testid="team-accounts">
          <thead>
            <tr>
              <th>Name</th>
              <th>Role</th>
              <th>Address</th>
              <th>Since</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {accounts.map((a) => (
              <tr key={a.name}>
                <td>{a.name}</td>
                <td>{a.role}</td>
                <td className="mono muted">{a.address ?? '—'}</td>
                <td>{formatTime(a.createdAt)}</td>
                <td>
                  {removing === a.name ? (
                    <Button variant="danger" className="btn-small" disabled={remove.busy} onClick={() => confirmRemove(a.name)}>
                      Remove {a.name} now
                    </Button>
                  ) : (
                    <Button variant="ghost" className="btn-small" aria-label={`Remove ${a.name}`} onClick={() => setRemoving(a.name)}>
                      Remove
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : accounts ? (
        <p className="small">No accounts yet: a team server needs at least one owner.</p>
      ) : null}
      <FormError error={remove.error} />
      <form className="form" onSubmit={submit} aria-label="Add a team account">
        <div className="form-row">
          <Field label="Account name" hint="Lowercase letters, digits, '.', '_' or '-'.">
            <input value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" spellCheck={false} />
          </Field>
          <Field label="Role">
            <select value={role} onChange={(e) => setRole(e.target.value as TeamRole)}>
              {TEAM_ROLES.map((r) => (
                <option key={r} value={r}>{ROLE_WORDS[r]}</option>
              ))}
            </select>
          </Field>
          {role === 'contributor' ? (
            <Field label="Contributor address" hint="Their records are the ones credited to this address.">
              <input value={address} onChange={(e) => setAddress(e.target.value)} placeholder="0x…" spellCheck={false} />
            </Field>
          ) : null}
        </div>
        <NewPasswordFields password={password} repeat={repeat} onPassword={setPassword} onRepeat={setRepeat} hint={`At least ${PASSWORD_MIN_CHARS} characters; give it to the person, who signs in with it.`} />
        <FormError error={add.error} />
        <div className="form-actions">
          <Button variant="primary" type="submit" disabled={add.busy || !name.trim() || !password}>
            <UserPlus size={14} /> Add account
          </Button>
        </div>
      </form>
    </section>
  );
}
