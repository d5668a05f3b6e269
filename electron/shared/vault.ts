import { z } from 'zod';

/** Long enough that scrypt is the only way in that matters; a sentence is easier to remember. */
export const MIN_PASSPHRASE_LENGTH = 10;

const Passphrase = z.string().min(1, 'must not be empty').max(1024);
const NewPassphrase = z.string().min(MIN_PASSPHRASE_LENGTH, `must be at least ${MIN_PASSPHRASE_LENGTH} characters`).max(1024);

/** Whether the workspace database is encrypted, and whether it is open right now. */
export const VaultStatus = z.object({
  encrypted: z.boolean(),
  locked: z.boolean(),
  /** Minutes without any call before the workspace locks itself; 0: never. Only for encrypted workspaces. */
  idleLockMinutes: z.number().int().min(0),
  /** What is and is not encrypted, in words the Settings screen shows as is. */
  coverage: z.string(),
  /**
   * The OS keychain as a second wrapping of the key (desktop app only): when enabled, the app
   * unlocks by itself at start on this computer account; the passphrase still works everywhere.
   */
  keyring: z.object({ available: z.boolean(), enabled: z.boolean(), note: z.string() }),
});
export type VaultStatus = z.infer<typeof VaultStatus>;

export const IdleLockMinutes = z.number().int().min(0).max(24 * 60);

export const vaultMethods = {
  'vault.status': { input: z.object({}).strict(), output: VaultStatus },
  /** Opens an encrypted workspace. A wrong passphrase is refused and changes nothing. */
  'vault.unlock': { input: z.object({ passphrase: Passphrase }).strict(), output: VaultStatus },
  /** Closes the database (running jobs are cancelled) and forgets the key until the next unlock. */
  'vault.lock': { input: z.object({}).strict(), output: VaultStatus },
  /**
   * Encrypts a plaintext workspace: a new random key wrapped by the passphrase, the database
   * re-encrypted in a copy that replaces the original only once it checks out.
   */
  'vault.enable': { input: z.object({ passphrase: NewPassphrase, idleLockMinutes: IdleLockMinutes.default(15) }).strict(), output: VaultStatus },
  /**
   * Re-wraps the same key under a new passphrase (instant), or with rotateKey puts a new random key
   * in place and rewrites the database under it (unlocked, no jobs running), so a leaked old
   * passphrase with an old copy of vault.json no longer opens the current database.
   */
  'vault.changePassphrase': {
    input: z.object({ current: Passphrase, next: NewPassphrase, rotateKey: z.boolean().default(false) }).strict(),
    output: VaultStatus,
  },
  'vault.setIdleLock': { input: z.object({ minutes: IdleLockMinutes }).strict(), output: VaultStatus },
  /** Keep (or stop keeping) the key in the OS keychain too; refused where there is no real keychain. Needs the workspace unlocked. */
  'vault.setKeyring': { input: z.object({ enabled: z.boolean() }).strict(), output: VaultStatus },
} as const;

export const vaultEvents = {
  /** Locked, unlocked, encrypted or settings changed: the app shows the unlock screen or the app. */
  'vault.changed': z.object({ change: z.enum(['enabled', 'unlocked', 'keyringUnlocked', 'locked', 'idleLocked', 'passphraseChanged', 'settings']) }),
} as const;
