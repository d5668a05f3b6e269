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

/** Rows per table: what a copy must hold to be the same database. */
function tableCounts(db: Db): Record<string, number> {
  const names = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
  return Object.fromEntries(names.map((n) => [n, (db.prepare(`SELECT count(*) AS n FROM "${n.replaceAll('"', '""')}"`).get() as { n: number }).n]));
}

const removeWithSidecars = (f: string) => {
  for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(`${f}${suffix}`, { force: true });
};

/**
 * Encrypts a plaintext database file under `key`, all or nothing: the WAL is folded in, a copy is
 * taken under an exclusive lock, re-keyed, checked through a fresh connection (integrity and every
 * table's row count), and only then renamed over the original. A crash at any point leaves the
 * plaintext original (and a stray temp copy, removed next time) or the encrypted file.
 */
export function encryptDatabaseFile(file: string, key: Buffer): void {
  rewriteDatabaseKey(file, { from: null, to: key });
}

/**
 * The same, all or nothing, from one key to another (a key rotation): the copy is re-keyed from
 * `from` to `to`, checked under `to`, and must no longer open under `from`.
 */
export function rewriteDatabaseKey(file: string, keys: { from: Buffer | null; to: Buffer }): void {
  const key = keys.to;
  const what = keys.from ? 'replace its key' : 'turn on encryption';
  const tmp = join(dirname(file), `.${basename(file)}.encrypting.tmp`);
  removeWithSidecars(tmp);
  const busy = () => new AppError('CONFLICT', `${file} is open elsewhere (the app, a CLI command, or a team server's sign-in connection): close it, then ${what}. Nothing was changed.`);
  const plain = new Database(file, { fileMustExist: true, timeout: 2000 });
  let before: Record<string, number>;
  try {
    if (keys.from) applyDatabaseKey(plain, keys.from);
    // Leaving WAL mode folds the WAL into the file and needs the only connection: a database the
    // app or a CLI command still has open is refused here instead of losing its latest writes.
    try {
      if (plain.pragma('journal_mode = DELETE', { simple: true }) !== 'delete') throw busy();
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_BUSY') throw busy();
      throw e;
    }
    // Held while counting and copying, so nothing is written in between.
    plain.exec('BEGIN EXCLUSIVE');
    before = tableCounts(plain);
    copyFileSync(file, tmp);
    plain.exec('ROLLBACK');
  } catch (e) {
    removeWithSidecars(tmp);
    if ((e as { code?: string }).code === 'SQLITE_BUSY') throw busy();
    throw e;
  } finally {
    plain.close();
  }
  try {
    const copy = new Database(tmp);
    try {
      // Rekeying rewrites every page through a rollback journal (SQLite3MC refuses it in WAL mode).
      if (keys.from) applyDatabaseKey(copy, keys.from);
      else selectCipher(copy);
      copy.pragma(`rekey = "x'${key.toString('hex')}'"`);
    } finally {
      copy.close();
    }
    // A fresh connection reads the file itself, not the rekeying connection's page cache.
    const check = new Database(tmp, { fileMustExist: true });
    try {
      applyDatabaseKey(check, key);
      const integrity = check.pragma('integrity_check', { simple: true });
      if (integrity !== 'ok') throw new AppError('STORAGE', `${file}: the encrypted copy failed integrity_check (${String(integrity)}); the original is untouched.`);
      const after = tableCounts(check);
      if (JSON.stringify(after) !== JSON.stringify(before)) {
        throw new AppError('STORAGE', `${file}: the encrypted copy's tables differ from the original's (${JSON.stringify(after)} vs ${JSON.stringify(before)}); the original is untouched.`);
      }
      check.pragma('journal_mode = WAL');
    } finally {
      check.close();
    }
    const fd = openSync(tmp, 'r+');
    try { fsyncSync(fd); } finally { closeSync(fd); }
    if (isPlaintextDatabase(tmp)) throw new AppError('INTERNAL', `${file}: the copy is still plaintext after rekeying; the original is untouched.`);
    if (keys.from && opensWith(tmp, keys.from)) throw new AppError('INTERNAL', `${file}: the copy still opens with the old key after rekeying; the original is untouched.`);
    rmSync(`${file}-wal`, { force: true });
    rmSync(`${file}-shm`, { force: true });
    renameSync(tmp, file);
    fsyncDir(dirname(file));
  } catch (e) {
    removeWithSidecars(tmp);
    throw e;
  }
}

/**
 * Keys a connection (when given a key) and makes its first read, which is where SQLite reports a
 * wrong key ("not a database"); throws then.
 */
export function readWith(db: Db, key?: Buffer | null): void {
  if (key) applyDatabaseKey(db, key);
  db.prepare('SELECT count(*) FROM sqlite_master').get();
}

/** Whether `key` reads the database file. */
export function opensWith(file: string, key: Buffer): boolean {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    readWith(db, key);
    return true;
  } catch {
    return false;
  } finally {
    db.close();
  }
}
