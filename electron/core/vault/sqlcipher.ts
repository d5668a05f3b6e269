import Database from 'better-sqlite3-multiple-ciphers';
import { closeSync, copyFileSync, existsSync, fsyncSync, openSync, readSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { AppError } from '../../shared/errors';
import { fsyncDir } from '../common/atomic-file';

type Db = Database.Database;

/**
 * Keys a freshly opened connection. SQLCipher 4's format (legacy=4) so standard SQLCipher tools
 * can open the file with the raw key; the key is 32 random bytes passed raw (x'…'), so SQLCipher's
 * own passphrase KDF is bypassed and the passphrase's strength lives in scrypt (key-wrap.ts).
 * kdf_iter is still set explicitly to SQLCipher 4's strong default: the library's own is weak.
 */
export function applyDatabaseKey(db: Db, key: Buffer): void {
  selectCipher(db);
  db.pragma(`key = "x'${key.toString('hex')}'"`);
}

function selectCipher(db: Db): void {
  db.pragma("cipher = 'sqlcipher'");
  db.pragma('legacy = 4');
  db.pragma('kdf_iter = 256000');
  // Sorts and temp tables that spill to disk would otherwise write pages outside the cipher's reach.
  db.pragma('temp_store = MEMORY');
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** A plain SQLite file starts with its magic header; an encrypted one starts with random salt. */
export function isPlaintextDatabase(file: string): boolean {
  if (!existsSync(file)) return false;
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(16);
    return readSync(fd, head, 0, 16, 0) === 16 && head.equals(SQLITE_HEADER);
  } finally {
    closeSync(fd);
  }
}

/**
 * Encrypts a plaintext database file under `key`, all or nothing: the WAL is folded in, a copy is
 * re-keyed and checked, and only then renamed over the original. A crash at any point leaves the
 * plaintext original (and a stray temp copy, removed next time) or the encrypted file.
 */
export function encryptDatabaseFile(file: string, key: Buffer): void {
  const tmp = join(dirname(file), `.${basename(file)}.encrypting.tmp`);
  rmSync(tmp, { force: true });
  rmSync(`${tmp}-journal`, { force: true });
  const plain = new Database(file, { fileMustExist: true });
  let tables: number;
  try {
    plain.pragma('wal_checkpoint(TRUNCATE)');
    tables = (plain.prepare('SELECT count(*) AS n FROM sqlite_master').get() as { n: number }).n;
  } finally {
    plain.close();
  }
  copyFileSync(file, tmp);
  try {
    const copy = new Database(tmp);
    try {
      // Rekeying rewrites every page through a rollback journal; SQLite3MC refuses it in WAL mode.
      copy.pragma('journal_mode = DELETE');
      selectCipher(copy);
      copy.pragma(`rekey = "x'${key.toString('hex')}'"`);
      const integrity = copy.pragma('integrity_check', { simple: true });
      if (integrity !== 'ok') throw new AppError('STORAGE', `${file}: the encrypted copy failed integrity_check (${String(integrity)}); the original is untouched.`);
      const after = (copy.prepare('SELECT count(*) AS n FROM sqlite_master').get() as { n: number }).n;
      if (after !== tables) throw new AppError('STORAGE', `${file}: the encrypted copy has ${after} schema entries, the original ${tables}; the original is untouched.`);
      copy.pragma('journal_mode = WAL');
    } finally {
      copy.close();
    }
    const fd = openSync(tmp, 'r+');
    try { fsyncSync(fd); } finally { closeSync(fd); }
    if (isPlaintextDatabase(tmp)) throw new AppError('INTERNAL', `${file}: the copy is still plaintext after rekeying; the original is untouched.`);
    rmSync(`${file}-wal`, { force: true });
    rmSync(`${file}-shm`, { force: true });
    renameSync(tmp, file);
    fsyncDir(dirname(file));
  } catch (e) {
    rmSync(tmp, { force: true });
    rmSync(`${tmp}-journal`, { force: true });
    throw e;
  }
}
