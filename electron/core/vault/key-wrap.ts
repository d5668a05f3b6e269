import { createCipheriv, createDecipheriv, createHash, randomBytes, scrypt } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { AppError } from '../../shared/errors';
import { describeIssues } from '../rpc/router';
import { writeFileAtomic } from '../common/atomic-file';

/**
 * scrypt cost for new wrappings: 2^17 × r 8 is 128 MiB and about half a second, the cost geth
 * uses for keystores. Reading accepts up to 2^20 so a hostile vault file cannot ask for gigabytes.
 */
export const DEFAULT_SCRYPT_N = 2 ** 17;
const MAX_SCRYPT_N = 2 ** 20;
const SCRYPT_R = 8;
const SCRYPT_P = 1;

const Hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`), `must be ${bytes} bytes of lowercase hex`);

const Wrap = z.object({
  kdf: z.literal('scrypt'),
  n: z.number().int().min(2 ** 10).max(MAX_SCRYPT_N).refine((n) => (n & (n - 1)) === 0, 'must be a power of two'),
  r: z.literal(SCRYPT_R),
  p: z.literal(SCRYPT_P),
  salt: Hex(16),
  iv: Hex(12),
  ciphertext: Hex(32),
  tag: Hex(16),
});

/** vault.json: the database key, wrapped by the passphrase. Holds nothing that opens the data without it. */
export const VaultFile = z.object({
  format: z.literal(1),
  /** How the database itself is encrypted: SQLCipher 4's page format, keyed with the raw 32-byte key. */
  cipher: z.literal('sqlcipher-4'),
  /** sha256 of the key, to tell which key a backup was taken under; reveals nothing of a random key. */
  keyId: Hex(32),
  wrap: Wrap,
  /**
   * A key rotation under way: the new key, wrapped by the new passphrase, written before the
   * database is rewritten under it and promoted once it is; an unlock finishes or drops it.
   */
  pending: z.object({ keyId: Hex(32), wrap: Wrap }).nullable().default(null),
  idleLockMinutes: z.number().int().min(0),
  /** The same key encrypted by the OS keychain (Electron safeStorage), base64; only this computer account can open it. */
  keyring: z.object({ blob: z.string().min(1).max(8192) }).nullable().default(null),
  createdAt: z.string(),
});
export type VaultFile = z.infer<typeof VaultFile>;

export const keyId = (key: Buffer): string => createHash('sha256').update(key).digest('hex');

function deriveKek(passphrase: string, salt: Buffer, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(passphrase.normalize('NFKC'), salt, 32, { N: n, r: SCRYPT_R, p: SCRYPT_P, maxmem: 256 * n * SCRYPT_R }, (e, k) => (e ? reject(e) : resolve(k))),
  );
}

/** Wraps `key` under `passphrase` (AES-256-GCM with an scrypt-derived key); the file keeps the other fields. */
export async function wrapKey(key: Buffer, passphrase: string, options: { scryptN?: number } = {}): Promise<VaultFile['wrap']> {
  const n = options.scryptN ?? DEFAULT_SCRYPT_N;
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const kek = await deriveKek(passphrase, salt, n);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(Buffer.from('datanet-studio vault key v1'));
  const ciphertext = Buffer.concat([cipher.update(key), cipher.final()]);
  kek.fill(0);
  return { kdf: 'scrypt', n, r: SCRYPT_R, p: SCRYPT_P, salt: salt.toString('hex'), iv: iv.toString('hex'), ciphertext: ciphertext.toString('hex'), tag: cipher.getAuthTag().toString('hex') };
}

/** The database key, or a clear error when the passphrase is wrong (the GCM tag does not verify). */
export async function unwrapKey(vault: Pick<VaultFile, 'keyId' | 'wrap'>, passphrase: string): Promise<Buffer> {
  const w = vault.wrap;
  const kek = await deriveKek(passphrase, Buffer.from(w.salt, 'hex'), w.n);
  const decipher = createDecipheriv('aes-256-gcm', kek, Buffer.from(w.iv, 'hex'));
  decipher.setAAD(Buffer.from('datanet-studio vault key v1'));
  decipher.setAuthTag(Buffer.from(w.tag, 'hex'));
  let key: Buffer;
  try {
    key = Buffer.concat([decipher.update(Buffer.from(w.ciphertext, 'hex')), decipher.final()]);
  } catch {
    throw new AppError('UNAUTHORIZED', 'Wrong passphrase: the workspace stays locked and nothing was changed.');
  } finally {
    kek.fill(0);
  }
  if (keyId(key) !== vault.keyId) throw new AppError('STORAGE', 'The vault file is inconsistent: its key does not match its key id. Restore it from a backup.');
  return key;
}

export function readVaultFile(file: string): VaultFile | null {
  if (!existsSync(file)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new AppError('STORAGE', `${file}: cannot read the vault file (${(e as Error).message}). Restore it from a backup: without it the workspace cannot be opened.`);
  }
  const parsed = VaultFile.safeParse(raw);
  if (!parsed.success) throw new AppError('STORAGE', `${file}: not a valid vault file (${describeIssues(parsed.error)}).`);
  return parsed.data;
}

export function writeVaultFile(file: string, vault: z.input<typeof VaultFile>): void {
  writeFileAtomic(file, [Buffer.from(JSON.stringify(VaultFile.parse(vault), null, 2) + '\n')]);
}
