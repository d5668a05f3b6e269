import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { METHOD_NAMES, type EventName } from '../../shared/contract';
import { AppError } from '../../shared/errors';
import type { VaultStatus } from '../../shared/vault';
import { createRouter, type Handlers } from '../rpc/router';
import { vaultHandlers } from '../rpc/vault-handlers';
import type { WorkspacePaths } from '../workspace/workspace';
import type { Core } from '../core';
import { DEFAULT_SCRYPT_N, keyId, readVaultFile, unwrapKey, wrapKey, writeVaultFile, type VaultFile } from './key-wrap';
import { encryptDatabaseFile, isPlaintextDatabase, opensWith, rewriteDatabaseKey } from './sqlcipher';

/** What the vault.* methods do; the same object answers whether the workspace is open or locked. */
export interface VaultControl {
  status(): VaultStatus;
  unlock(input: { passphrase: string }): Promise<VaultStatus>;
  lock(): Promise<VaultStatus>;
  enable(input: { passphrase: string; idleLockMinutes: number }): Promise<VaultStatus>;
  changePassphrase(input: { current: string; next: string; rotateKey: boolean }): Promise<VaultStatus>;
  setIdleLock(input: { minutes: number }): Promise<VaultStatus>;
  setKeyring(input: { enabled: boolean }): Promise<VaultStatus>;
  /** The open workspace's database key (backups key their copies with it); null when plaintext or locked. */
  currentKey(): Buffer | null;
}

/** A core opened over a database: the gate also needs to know whether it is working, and to audit. */
export interface OpenedCore extends Core {
  busy(): boolean;
  audit(action: string, details: Record<string, unknown>): void;
}

/**
 * The OS keychain, as the desktop app reaches it (Electron safeStorage in the main process). Only
 * offered where the keychain is real: Electron's fixed-key fallback on Linux is no protection.
 */
export interface OsKeyring {
  available: boolean;
  /** Why it is or is not available, shown in Settings. */
  note: string;
  encrypt(data: Buffer): Promise<string>;
  decrypt(blob: string): Promise<Buffer>;
}

const KEYRING_TIMEOUT_MS = 60_000;

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(message)), ms);
    t.unref();
    p.then((v) => { clearTimeout(t); resolve(v); }, (e: unknown) => { clearTimeout(t); reject(e instanceof Error ? e : new Error(String(e))); });
  });
}

const NO_KEYRING = 'Only the desktop app can keep the key in the OS keychain; here the passphrase unlocks the workspace.';

export interface VaultOptions {
  /** The desktop app's OS keychain; absent in serve, the CLI and tests that do not fake one. */
  keyring?: OsKeyring;
  /** scrypt cost for wrapping the key; lower only in tests (the default takes about half a second). */
  scryptN?: number;
  /** Tests shorten time: how long a "minute" of the idle lock is, and how often idleness is checked. */
  idleClock?: { minuteMs: number; checkEveryMs: number };
}

export const ENCRYPTION_COVERAGE =
  'The workspace database is encrypted (SQLCipher 4, AES-256): records, snapshots, conversations, receipts, proposals, ' +
  'the audit log and settings. Not encrypted: adapter, checkpoint and attribution index files, which are derived from ' +
  'training data, and model files. Keep the workspace on an encrypted disk if those matter too. Wallet keys are ' +
  'encrypted separately by the wallet password.';

/**
 * The core every host gets. A plaintext workspace opens at once; an encrypted one starts locked,
 * answers only vault.* until unlocked, and locks itself again after the configured idle time.
 */
export function openVaultGate(options: { paths: WorkspacePaths; vault?: VaultOptions; open(key: Buffer | null, control: VaultControl): OpenedCore }): Core {
  const { paths } = options;
  const scryptN = options.vault?.scryptN ?? DEFAULT_SCRYPT_N;
  const keyring = options.vault?.keyring;
  const minuteMs = options.vault?.idleClock?.minuteMs ?? 60_000;
  let vaultFile: VaultFile | null = readVaultFile(paths.vault);
  let inner: OpenedCore | null = null;
  let key: Buffer | null = null;
  let lastActivity = Date.now();
  let closed = false;
  const listeners = new Set<(name: EventName, payload: unknown) => void>();
  const emit = (name: EventName, payload: unknown) => { for (const l of listeners) l(name, payload); };
  const changed = (change: string) => emit('vault.changed', { change });
  // One vault operation at a time: two unlocks or an unlock racing a lock must not open two cores.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };

  const openInner = (k: Buffer | null) => {
    inner = options.open(k, control);
    inner.onEvent(emit);
    key = k;
    lastActivity = Date.now();
  };
  // The key is zeroed only once the core has closed: jobs settling meanwhile must not see zeros.
  const closeInner = async () => {
    const c = inner;
    const k = key;
    inner = null;
    key = null;
    await c?.close();
    k?.fill(0);
  };
  /** Opens the core with a key just obtained; on any failure the key is zeroed and the error passed on. */
  const openWithKey = (k: Buffer) => {
    try {
      // A crash after the vault file was written but before the encrypted copy replaced the database.
      if (isPlaintextDatabase(paths.db)) encryptDatabaseFile(paths.db, k);
      openInner(k);
    } catch (e) {
      k.fill(0);
      throw e;
    }
  };
  const needOpen = () => {
    if (!inner) throw new AppError('LOCKED', 'Unlock the workspace with its passphrase first.');
  };
  const needVault = (what: string): VaultFile => {
    if (!vaultFile) throw new AppError('CONFLICT', `This workspace is not encrypted, so there is no passphrase to ${what}. Turn on encryption in Settings first.`);
    return vaultFile;
  };
  const saveVault = (v: VaultFile) => {
    writeVaultFile(paths.vault, v);
    vaultFile = v;
  };
  /**
   * The vault after a rotation: the pending key is the key. The keychain's copy follows it where it
   * can; a keychain that fails or does not answer is dropped (its copy holds the old key) rather
   * than leaving the rotation unfinished.
   */
  const promote = async (v: VaultFile, pending: NonNullable<VaultFile['pending']>, k: Buffer): Promise<VaultFile> => {
    let keyringBlob: VaultFile['keyring'] = null;
    if (v.keyring && keyring?.available) {
      try {
        keyringBlob = { blob: await withTimeout(keyring.encrypt(k), KEYRING_TIMEOUT_MS, 'the OS keychain did not answer') };
      } catch (e) {
        console.error(`[vault] the OS keychain could not keep the new key (${(e as Error).message}); unlock with the passphrase and turn it on again in Settings.`);
      }
    }
    const next: VaultFile = { ...v, keyId: pending.keyId, wrap: pending.wrap, pending: null, keyring: keyringBlob };
    saveVault(next);
    return next;
  };
  /**
   * An unlock while a rotation was cut short: whichever key the database opens with wins. The old
   * key drops a rotation whose database was not rewritten; the new key finishes one whose database
   * was. Both wrappings are tried (the passphrase may not have changed), and the pending key is
   * dropped only once the old key is seen to open the database: it may be the only way in.
   */
  const unlockMidRotation = async (v: VaultFile, pending: NonNullable<VaultFile['pending']>, passphrase: string): Promise<void> => {
    const oldKey = await unwrapKey(v, passphrase).catch(() => null);
    if (oldKey && opensWith(paths.db, oldKey)) {
      saveVault({ ...v, pending: null });
      openWithKey(oldKey);
      return;
    }
    oldKey?.fill(0);
    let refusal: unknown = null;
    const newKey = await unwrapKey(pending, passphrase).catch((e: unknown) => {
      refusal = e;
      return null;
    });
    if (newKey && opensWith(paths.db, newKey)) {
      await promote(v, pending, newKey);
      openWithKey(newKey);
      return;
    }
    newKey?.fill(0);
    if (oldKey) throw new AppError('UNAUTHORIZED', 'A key change was interrupted after the database was rewritten under the new key: unlock with the new passphrase to finish it.');
    if (newKey) throw new AppError('UNAUTHORIZED', 'The last passphrase change did not complete, so the previous passphrase still opens this workspace.');
    // Neither wrapping opens with it: unwrapKey's own refusal (a wrong passphrase).
    throw refusal;
  };
  /** changePassphrase with a new key: the database is rewritten under it (unlocked, no jobs running). */
  const rotate = async (v: VaultFile, oldKey: Buffer, next: string): Promise<void> => {
    if (!inner) throw new AppError('LOCKED', 'Unlock the workspace first: replacing the key rewrites the database.');
    const newKey = randomBytes(32);
    const pending = { keyId: keyId(newKey), wrap: await wrapKey(newKey, next, { scryptN }) };
    if (inner.busy()) {
      newKey.fill(0);
      throw new AppError('CONFLICT', 'Jobs are running (or the local API is on): wait for them to finish or stop them, then replace the key.');
    }
    await closeInner();
    // The new key is recorded first, wrapped by the new passphrase: a crash from here on is
    // resolved by the next unlock (unlockMidRotation), whichever key the database is under then.
    saveVault({ ...v, pending });
    try {
      rewriteDatabaseKey(paths.db, { from: oldKey, to: newKey });
    } catch (e) {
      newKey.fill(0);
      saveVault({ ...v, pending: null });
      openInner(Buffer.from(oldKey));
      throw e;
    }
    await promote(v, pending, newKey);
    openInner(newKey);
    inner!.audit('workspace.keyRotated', { from: v.keyId, to: pending.keyId });
  };

  const control: VaultControl = {
    status: () => ({
      encrypted: vaultFile !== null,
      locked: vaultFile !== null && inner === null,
      idleLockMinutes: vaultFile?.idleLockMinutes ?? 0,
      coverage: vaultFile ? ENCRYPTION_COVERAGE : 'Not encrypted: the workspace database is a plain SQLite file that anyone with access to this folder can read.',
      keyring: { available: keyring?.available ?? false, enabled: (vaultFile?.keyring ?? null) !== null, note: keyring?.note ?? NO_KEYRING },
    }),
    unlock: ({ passphrase }) => serial(async () => {
      const v = needVault('unlock with');
      if (inner) return control.status();
      if (v.pending) await unlockMidRotation(v, v.pending, passphrase);
      else openWithKey(await unwrapKey(v, passphrase));
      changed('unlocked');
      return control.status();
    }),
    lock: () => serial(async () => {
      needVault('lock with');
      if (inner) {
        await closeInner();
        changed('locked');
      }
      return control.status();
    }),
    enable: ({ passphrase, idleLockMinutes }) => serial(async () => {
      if (vaultFile) throw new AppError('CONFLICT', 'This workspace is already encrypted. To use another passphrase, change it in Settings.');
      if (!inner) throw new AppError('INTERNAL', 'The workspace is not open.');
      const k = randomBytes(32);
      const v: VaultFile = { format: 1, cipher: 'sqlcipher-4', keyId: keyId(k), wrap: await wrapKey(k, passphrase, { scryptN }), idleLockMinutes, keyring: null, pending: null, createdAt: new Date().toISOString() };
      // Checked after the (slow) wrapping, right before the core closes: a job started meanwhile is not cancelled.
      if (inner.busy()) {
        k.fill(0);
        throw new AppError('CONFLICT', 'Jobs are running (or the local API is on): wait for them to finish or stop them, then turn on encryption.');
      }
      await closeInner();
      // The vault file first: a crash before the database is replaced leaves a plaintext database
      // beside it, which the next unlock finishes encrypting with the same key.
      saveVault(v);
      try {
        encryptDatabaseFile(paths.db, k);
      } catch (e) {
        rmSync(paths.vault, { force: true });
        vaultFile = null;
        k.fill(0);
        openInner(null);
        throw e;
      }
      openInner(k);
      inner!.audit('workspace.encrypted', { cipher: v.cipher, keyId: v.keyId, kdf: `scrypt n=${v.wrap.n} r=${v.wrap.r} p=${v.wrap.p}` });
      changed('enabled');
      return control.status();
    }),
    changePassphrase: ({ current, next, rotateKey }) => serial(async () => {
      const v = needVault('change');
      const k = await unwrapKey(v, current);
      try {
        if (rotateKey) {
          await rotate(v, k, next);
        } else {
          const wrap = await wrapKey(k, next, { scryptN });
          saveVault({ ...needVault('change'), wrap });
        }
      } finally {
        k.fill(0);
      }
      inner?.audit('workspace.passphraseChanged', { keyId: vaultFile!.keyId, keyRotated: rotateKey });
      changed('passphraseChanged');
      return control.status();
    }),
    setIdleLock: ({ minutes }) => serial(async () => {
      const v = needVault('lock after idle time with');
      // Settings change only while unlocked: nobody at a locked screen can turn the idle lock off.
      needOpen();
      saveVault({ ...v, idleLockMinutes: minutes });
      changed('settings');
      return control.status();
    }),
    setKeyring: ({ enabled }) => serial(async () => {
      const v = needVault('keep in the OS keychain');
      needOpen();
      if (!enabled) {
        saveVault({ ...v, keyring: null });
      } else {
        if (!keyring?.available) throw new AppError('NOT_AVAILABLE', keyring?.note ?? NO_KEYRING);
        if (!key) throw new AppError('LOCKED', 'Unlock the workspace with its passphrase first.');
        saveVault({ ...v, keyring: { blob: await keyring.encrypt(key) } });
      }
      inner?.audit(enabled ? 'workspace.keyringEnabled' : 'workspace.keyringDisabled', { keyId: v.keyId });
      changed('settings');
      return control.status();
    }),
    currentKey: () => key,
  };

  const lockedCall = createRouter(lockedHandlers(control));
  if (!vaultFile) openInner(null);
  else if (vaultFile.keyring && keyring?.available) void unlockFromKeyring(vaultFile, keyring);

  /**
   * At start only. The keychain is asked outside the queue and given a time limit, so a prompt
   * nobody answers never blocks the passphrase; one that cannot open the key (another computer
   * account, a reset keychain) leaves the passphrase as the way in.
   */
  async function unlockFromKeyring(v: VaultFile, k: OsKeyring): Promise<void> {
    let candidate: Buffer;
    try {
      candidate = await withTimeout(k.decrypt(v.keyring!.blob), KEYRING_TIMEOUT_MS, 'the OS keychain did not answer');
    } catch (e) {
      console.error(`[vault] the OS keychain could not open the workspace key (${(e as Error).message}); the passphrase still can.`);
      return;
    }
    await serial(async () => {
      if (keyId(candidate) !== v.keyId) {
        candidate.fill(0);
        console.error('[vault] the OS keychain holds another key than this workspace\'s; the passphrase still opens it.');
        return;
      }
      if (closed || inner) return candidate.fill(0);
      try {
        openWithKey(candidate);
      } catch (e) {
        console.error(`[vault] opening the workspace with the keychain's key failed: ${(e as Error).message}`);
        return;
      }
      changed('keyringUnlocked');
    });
  }

  const idle = () => {
    const minutes = vaultFile?.idleLockMinutes ?? 0;
    return inner !== null && minutes > 0 && Date.now() - lastActivity >= minutes * minuteMs && !inner.busy();
  };
  const timer = setInterval(() => {
    if (!idle()) return;
    // Checked again in the queue: whatever ran before it may have been activity, or started a job.
    void serial(async () => {
      if (!idle()) return;
      await closeInner();
      changed('idleLocked');
    });
  }, options.vault?.idleClock?.checkEveryMs ?? 15_000);
  timer.unref();

  return {
    paths,
    async call(method, input) {
      lastActivity = Date.now();
      if (closed) return { ok: false, error: { code: 'NOT_AVAILABLE', message: 'The workspace has been closed.' } };
      return inner ? inner.call(method, input) : lockedCall(method, input);
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    waitForJob(jobId) {
      if (!inner) return Promise.reject(new AppError('LOCKED', 'The workspace is locked.'));
      return inner.waitForJob(jobId);
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      await queue;
      await closeInner();
    },
  };
}

/** While locked every method but vault.* answers LOCKED, through the same validating router. */
function lockedHandlers(control: VaultControl): Handlers {
  const refuse = Object.fromEntries(METHOD_NAMES.map((m) => [m, () => {
    throw new AppError('LOCKED', `The workspace is encrypted and locked: unlock it with its passphrase before ${m}.`);
  }]));
  return { ...refuse, ...vaultHandlers(control) } as Handlers;
}
