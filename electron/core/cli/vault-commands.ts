import type { VaultStatus } from '../../shared/vault';
import { int, secret, UsageError, type Command, type Values } from './args';

export function vaultStatusText(v: VaultStatus): string {
  if (!v.encrypted) return `Not encrypted.\n  ${v.coverage}`;
  const idle = v.idleLockMinutes === 0 ? 'never locks by itself' : `locks after ${v.idleLockMinutes} idle minutes`;
  return `Encrypted, ${v.locked ? 'locked' : 'unlocked'}; ${idle}.\n  ${v.coverage}`;
}

const NEW_PASSPHRASE_ENV = 'DATANET_STUDIO_NEW_PASSPHRASE';
const newPassphrase = (values: Values): string => {
  const p = secret(values, 'new-passphrase-file', NEW_PASSPHRASE_ENV);
  if (p === null) throw new UsageError(`give the new passphrase with --new-passphrase-file FILE (first line) or $${NEW_PASSPHRASE_ENV}`);
  return p;
};

export const VAULT_COMMANDS: Command[] = [
  {
    name: 'vault status',
    usage: 'vault status',
    summary: 'Whether the workspace database is encrypted, and what is and is not covered',
    worksLocked: true,
    request: () => ({ method: 'vault.status', input: {} }),
    human: (v) => vaultStatusText(v as VaultStatus),
  },
  {
    name: 'vault enable',
    usage: 'vault enable --new-passphrase-file F [--idle-lock-minutes N]',
    summary: 'Encrypt a plaintext workspace (SQLCipher 4) under a new random key wrapped by the passphrase; the database is re-encrypted in a checked copy',
    options: { 'new-passphrase-file': { type: 'string' }, 'idle-lock-minutes': { type: 'string' } },
    request: ({ values }) => ({ method: 'vault.enable', input: { passphrase: newPassphrase(values), idleLockMinutes: int(values, 'idle-lock-minutes') } }),
    human: (v) => vaultStatusText(v as VaultStatus),
  },
  {
    name: 'vault change-passphrase',
    usage: 'vault change-passphrase --passphrase-file CURRENT --new-passphrase-file NEW [--rotate-key]',
    summary: 'Re-wrap the workspace key under a new passphrase; with --rotate-key, replace the key too and rewrite the database under it (old copies of vault.json stop opening it)',
    options: { 'new-passphrase-file': { type: 'string' }, 'rotate-key': { type: 'boolean' } },
    request: ({ values }) => {
      const current = secret(values, 'passphrase-file', 'DATANET_STUDIO_PASSPHRASE');
      if (current === null) throw new UsageError('give the current passphrase with --passphrase-file FILE or $DATANET_STUDIO_PASSPHRASE');
      return { method: 'vault.changePassphrase', input: { current, next: newPassphrase(values), rotateKey: values['rotate-key'] === true } };
    },
    human: (v) => vaultStatusText(v as VaultStatus),
  },
];
