import { Field } from '../../components/ui';

/** The same minimum the wallet enforces, checked before scrypt spends seconds on a password it will refuse. */
export const MIN_PASSWORD = 8;

export function passwordProblem(password: string, repeat: string, minChars = MIN_PASSWORD): string | null {
  if (password.length < minChars) return `The password must be at least ${minChars} characters.`;
  if (password !== repeat) return 'The two passwords differ.';
  return null;
}

/** A new password typed twice: the wallet's by default, or another with its own minimum and hint. */
export function NewPasswordFields({
  password,
  repeat,
  onPassword,
  onRepeat,
  hint = `At least ${MIN_PASSWORD} characters; it encrypts the keys on this machine.`,
}: {
  password: string;
  repeat: string;
  onPassword(v: string): void;
  onRepeat(v: string): void;
  hint?: string;
}) {
  return (
    <div className="form-row">
      <Field label="New password" hint={hint}>
        <input type="password" autoComplete="new-password" value={password} onChange={(e) => onPassword(e.target.value)} />
      </Field>
      <Field label="Repeat password">
        <input type="password" autoComplete="new-password" value={repeat} onChange={(e) => onRepeat(e.target.value)} />
      </Field>
    </div>
  );
}

/**
 * The password a new key is encrypted with: a new one (typed twice) for the workspace's first
 * wallet, the existing wallet's password after that (one password covers the whole wallet).
 */
export function KeyPasswordFields(p: { firstWallet: boolean; password: string; repeat: string; onPassword(v: string): void; onRepeat(v: string): void }) {
  if (p.firstWallet) return <NewPasswordFields password={p.password} repeat={p.repeat} onPassword={p.onPassword} onRepeat={p.onRepeat} />;
  return (
    <Field label="Wallet password" hint="The password of the wallet in this workspace.">
      <input type="password" autoComplete="current-password" value={p.password} onChange={(e) => p.onPassword(e.target.value)} />
    </Field>
  );
}
