import { AppError } from '../../shared/errors';

/**
 * Bounds on an imported keystore's key-derivation cost. A keystore file says how hard its own
 * password hash is; without a cap a hostile file (scrypt n = 2^30, or pbkdf2 c = 2^40) would
 * freeze the app or exhaust memory before the password is even checked. The bounds admit every
 * keystore that geth, MetaMask, MyEtherWallet and ethers write (scrypt n ≤ 2^18, r = 8, p = 1;
 * pbkdf2 c = 262144).
 */
export const KEYSTORE_LIMITS = {
  maxBytes: 64 * 1024,
  scryptMaxN: 2 ** 18,
  scryptMaxR: 16,
  scryptMaxP: 4,
  /** scrypt memory is 128·n·r bytes: 256 MiB at the limit. */
  scryptMaxMemoryBytes: 256 * 1024 * 1024,
  pbkdf2MaxC: 2 ** 20,
} as const;

export interface KeystoreKdfInfo {
  kdf: 'scrypt' | 'pbkdf2';
  /** scrypt n, or pbkdf2 c */
  cost: number;
}

const isPositiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

/**
 * Parses a keystore v3 JSON text and checks its KDF parameters against KEYSTORE_LIMITS, before
 * any decryption is attempted. Errors name the offending field; they never echo the file.
 */
export function checkKeystoreKdf(json: string, source = 'keystore'): KeystoreKdfInfo {
  if (Buffer.byteLength(json, 'utf8') > KEYSTORE_LIMITS.maxBytes) {
    throw new AppError('BAD_INPUT', `${source}: the file is larger than ${KEYSTORE_LIMITS.maxBytes / 1024} KiB; a keystore is under 2 KiB.`);
  }
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    throw new AppError('BAD_INPUT', `${source}: not valid JSON, so not a keystore v3 file.`);
  }
  if (typeof data !== 'object' || data === null) throw new AppError('BAD_INPUT', `${source}: not a JSON object, so not a keystore v3 file.`);
  const obj = data as Record<string, unknown>;
  if (Number(obj.version) !== 3) throw new AppError('BAD_INPUT', `${source}: version must be 3 (only keystore v3 files can be imported).`);
  // Keystores in the wild spell it "crypto" (the spec) or "Crypto" (geth, ethers).
  const crypto = (obj.crypto ?? obj.Crypto) as Record<string, unknown> | undefined;
  if (typeof crypto !== 'object' || crypto === null) throw new AppError('BAD_INPUT', `${source}: crypto is missing.`);
  const kdf = typeof crypto.kdf === 'string' ? crypto.kdf.toLowerCase() : '';
  const params = crypto.kdfparams as Record<string, unknown> | undefined;
  if (typeof params !== 'object' || params === null) throw new AppError('BAD_INPUT', `${source}: crypto.kdfparams is missing.`);
  const bad = (field: string, why: string) => new AppError('BAD_INPUT', `${source}: crypto.kdfparams.${field} ${why}; refusing to decrypt it.`);

  if (kdf === 'scrypt') {
    const { n, r, p } = params;
    if (!isPositiveInt(n) || (n & (n - 1)) !== 0) throw bad('n', 'must be a positive power of two');
    if (n > KEYSTORE_LIMITS.scryptMaxN) throw bad('n', `is ${n}, above the limit of 2^18 (${KEYSTORE_LIMITS.scryptMaxN}) that keeps unlocking under a few seconds`);
    if (!isPositiveInt(r)) throw bad('r', 'must be a positive integer');
    if (r > KEYSTORE_LIMITS.scryptMaxR) throw bad('r', `is ${r}, above the limit of ${KEYSTORE_LIMITS.scryptMaxR}`);
    if (!isPositiveInt(p)) throw bad('p', 'must be a positive integer');
    if (p > KEYSTORE_LIMITS.scryptMaxP) throw bad('p', `is ${p}, above the limit of ${KEYSTORE_LIMITS.scryptMaxP}`);
    if (128 * n * r > KEYSTORE_LIMITS.scryptMaxMemoryBytes) throw bad('r', `with n = ${n} needs more than ${KEYSTORE_LIMITS.scryptMaxMemoryBytes >> 20} MiB of memory`);
    return { kdf: 'scrypt', cost: n };
  }
  if (kdf === 'pbkdf2') {
    const { c } = params;
    if (!isPositiveInt(c)) throw bad('c', 'must be a positive integer');
    if (c > KEYSTORE_LIMITS.pbkdf2MaxC) throw bad('c', `is ${c}, above the limit of 2^20 (${KEYSTORE_LIMITS.pbkdf2MaxC})`);
    return { kdf: 'pbkdf2', cost: c };
  }
  throw new AppError('BAD_INPUT', `${source}: crypto.kdf must be "scrypt" or "pbkdf2".`);
}
