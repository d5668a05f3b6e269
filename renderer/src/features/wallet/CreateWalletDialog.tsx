import { Eye } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import type { Output } from '../../../../electron/shared/contract';
import { client } from '../../api';
import { Button, Dialog, Field, errorMessage, FormError } from '../../components/ui';
import { KeyPasswordFields, passwordProblem } from './PasswordFields';

type Pending = Output<'wallet.beginCreate'>;

/**
 * A new recovery phrase, shown once: the person writes it down, then types back the words asked
 * for. Nothing is stored before that, and the phrase is never shown again.
 */
export function CreateWalletDialog({ firstWallet, onClose }: { firstWallet: boolean; onClose(): void }) {
  const [pending, setPending] = useState<Pending | null>(null);
  const [step, setStep] = useState<'intro' | 'phrase' | 'confirm'>('intro');
  const [written, setWritten] = useState(false);
  const [words, setWords] = useState<Record<number, string>>({});
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [label, setLabel] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const begin = async () => {
    setError(null);
    try {
      setPending(await client!.call('wallet.beginCreate', {}));
      setStep('phrase');
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  const confirm = async (e: FormEvent) => {
    e.preventDefault();
    if (!pending) return;
    const problem = firstWallet ? passwordProblem(password, repeat) : null;
    if (problem) return setError(problem);
    setBusy(true);
    setError(null);
    try {
      const account = await client!.call('wallet.confirmCreate', {
        pendingId: pending.pendingId,
        words: pending.confirmPositions.map((position) => ({ position, word: (words[position] ?? '').trim().toLowerCase() })),
        password,
        ...(label.trim() ? { label: label.trim() } : {}),
      });
      toast.success(`Wallet created: ${account.address}`);
      onClose();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const phrase = pending?.mnemonic.split(' ') ?? [];
  return (
    <Dialog open onOpenChange={(o) => (o ? null : onClose())} title="Create a wallet" width={560}>
      {step === 'intro' ? (
        <div className="form">
          <p>
            A new wallet starts from a 12-word recovery phrase. It is shown <strong>once</strong>: write it down on paper and keep it offline. Anyone with the phrase controls the
            wallet; without it, a lost password cannot be recovered.
          </p>
          <FormError error={error} />
          <div className="form-actions">
            <Button onClick={onClose}>Cancel</Button>
            <Button variant="primary" onClick={() => void begin()}>
              <Eye size={14} /> Show recovery phrase
            </Button>
          </div>
        </div>
      ) : step === 'phrase' ? (
        <div className="form">
          <ol className="mnemonic" aria-label="Recovery phrase" data-testid="mnemonic">
            {phrase.map((w, i) => (
              <li key={i}>
                <span className="mnemonic-n">{i + 1}</span>
                <span className="mnemonic-word">{w}</span>
              </li>
            ))}
          </ol>
          <div className="notice notice-warn">This phrase will not be shown again. Do not copy it to a screenshot or a cloud note.</div>
          <label className="inline-check">
            <input type="checkbox" checked={written} onChange={(e) => setWritten(e.target.checked)} /> I have written down the recovery phrase
          </label>
          <div className="form-actions">
            <Button onClick={onClose}>Cancel</Button>
            <Button variant="primary" disabled={!written} onClick={() => setStep('confirm')}>
              Next
            </Button>
          </div>
        </div>
      ) : (
        <form className="form" onSubmit={(e) => void confirm(e)}>
          <p className="muted">Type the words asked for, from what you wrote down.</p>
          <div className="confirm-words">
            {pending!.confirmPositions.map((p) => (
              <Field key={p} label={`Word #${p}`}>
                <input autoComplete="off" spellCheck={false} value={words[p] ?? ''} onChange={(e) => setWords({ ...words, [p]: e.target.value })} />
              </Field>
            ))}
          </div>
          <KeyPasswordFields firstWallet={firstWallet} password={password} repeat={repeat} onPassword={setPassword} onRepeat={setRepeat} />
          <Field label="Account label" hint="Optional, e.g. “Contributions”.">
            <input value={label} onChange={(e) => setLabel(e.target.value)} />
          </Field>
          <FormError error={error} />
          <div className="form-actions">
            <Button onClick={() => setStep('phrase')}>Back</Button>
            <Button variant="primary" type="submit" disabled={busy || !password || pending!.confirmPositions.some((p) => !words[p]?.trim())}>
              {busy ? 'Encrypting…' : 'Create wallet'}
            </Button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
