import { Tabs } from 'radix-ui';
import { useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import type { Input } from '../../../../electron/shared/contract';
import { client } from '../../api';
import { Button, Dialog, Field, errorMessage, FormError } from '../../components/ui';
import { KeyPasswordFields, passwordProblem } from './PasswordFields';

type Kind = 'mnemonic' | 'privateKey' | 'keystore';

/** Brings an existing key in: a recovery phrase, a raw private key, or a keystore v3 file's JSON. */
export function ImportWalletDialog({ firstWallet, onClose }: { firstWallet: boolean; onClose(): void }) {
  const [kind, setKind] = useState<Kind>('mnemonic');
  const [mnemonic, setMnemonic] = useState('');
  const [privateKey, setPrivateKey] = useState('');
  const [keystoreJson, setKeystoreJson] = useState('');
  const [keystorePassword, setKeystorePassword] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [label, setLabel] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const problem = firstWallet ? passwordProblem(password, repeat) : null;
    if (problem) return setError(problem);
    const common = { password, ...(label.trim() ? { label: label.trim() } : {}) };
    const input: Input<'wallet.import'> =
      kind === 'mnemonic'
        ? { kind, mnemonic: mnemonic.trim().replace(/\s+/g, ' '), ...common }
        : kind === 'privateKey'
          ? { kind, privateKey: privateKey.trim(), ...common }
          : { kind, keystoreJson, keystorePassword, ...common };
    setBusy(true);
    setError(null);
    try {
      const { accounts } = await client!.call('wallet.import', input);
      toast.success(`Imported ${accounts.map((a) => a.address).join(', ')}`);
      onClose();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const readFile = async (file: File | undefined) => {
    if (file) setKeystoreJson(await file.text());
  };

  return (
    <Dialog open onOpenChange={(o) => (o ? null : onClose())} title="Import a wallet" width={560}>
      <form className="form" onSubmit={(e) => void submit(e)}>
        <Tabs.Root value={kind} onValueChange={(v) => setKind(v as Kind)}>
          <Tabs.List className="segmented" aria-label="What to import">
            <Tabs.Trigger value="mnemonic">Recovery phrase</Tabs.Trigger>
            <Tabs.Trigger value="privateKey">Private key</Tabs.Trigger>
            <Tabs.Trigger value="keystore">Keystore file</Tabs.Trigger>
          </Tabs.List>
          <Tabs.Content value="mnemonic" className="tab-body">
            <Field label="Recovery phrase" hint="12 or 24 words separated by spaces.">
              <textarea rows={3} autoComplete="off" spellCheck={false} value={mnemonic} onChange={(e) => setMnemonic(e.target.value)} />
            </Field>
          </Tabs.Content>
          <Tabs.Content value="privateKey" className="tab-body">
            <Field label="Private key" hint="64 hex digits, with or without 0x.">
              <input type="password" autoComplete="off" spellCheck={false} value={privateKey} onChange={(e) => setPrivateKey(e.target.value)} />
            </Field>
          </Tabs.Content>
          <Tabs.Content value="keystore" className="tab-body">
            <Field label="Keystore file">
              <input type="file" accept=".json,application/json" onChange={(e) => void readFile(e.target.files?.[0])} />
            </Field>
            <Field label="Keystore JSON" hint="Or paste the file's contents.">
              <textarea className="mono" rows={4} spellCheck={false} value={keystoreJson} onChange={(e) => setKeystoreJson(e.target.value)} />
            </Field>
            <Field label="Keystore password" hint="The password the keystore file was encrypted with.">
              <input type="password" autoComplete="off" value={keystorePassword} onChange={(e) => setKeystorePassword(e.target.value)} />
            </Field>
          </Tabs.Content>
        </Tabs.Root>
        <KeyPasswordFields firstWallet={firstWallet} password={password} repeat={repeat} onPassword={setPassword} onRepeat={setRepeat} />
        <Field label="Account label" hint="Optional.">
          <input value={label} onChange={(e) => setLabel(e.target.value)} />
        </Field>
        <FormError error={error} />
        <div className="form-actions">
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" disabled={busy || !password}>
            {busy ? 'Encrypting…' : 'Import'}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
