/**
 * Backup and restore of a workspace: the database through SQLite's online backup (consistent while
 * the app keeps writing), every other workspace file copied and hashed, and a manifest written last.
 * A backup is checked before it gets its final name, and again before and after a restore: every
 * hash, `integrity_check`, and the audit chain.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { AppError } from '../../shared/errors';
import { BackupManifest, type BackupReport } from '../../shared/backup';
import { nowIso } from '../common/ids';
import { AuditLog, GENESIS_HASH } from '../audit/log';
import { copyAndHash, fsyncDir, writeFileAtomic } from '../common/atomic-file';
import { openKeyed, type Db } from '../db/open';
import { ensurePrivateFile } from '../workspace/file-modes';
import { keyId, readVaultFile, unwrapKey } from '../vault/key-wrap';
import { schemaVersion } from '../db/migrate';
import { describeIssues } from '../rpc/router';

export type BackupProgress = (done: number, total: number | null, message?: string) => void;

const DB_NAME = 'studio.db';
const MANIFEST = 'manifest.json';
/** The live database and its WAL files travel through the SQLite backup, never as plain files. */
const LIVE_DB_FILES = new Set([DB_NAME, `${DB_NAME}-wal`, `${DB_NAME}-shm`, `${DB_NAME}-journal`]);
/** Temp files of atomic writes in progress, and downloads not yet finished (models/.partial). */
const isTemp = (name: string) => name.endsWith('.tmp');
const TRANSIENT_DIRS = new Set(['.partial']);

/** Stored absolute paths under the workspace: rewritten when a backup is restored somewhere else. */
const PATH_COLUMNS: readonly [table: string, column: string][] = [
  ['models', 'file'], ['adapters', 'file'], ['adapters', 'base_model_path'], ['training_runs', 'model_path'],
  ['training_runs', 'checkpoint'], ['attribution_indexes', 'dir'],
];

interface FileEntry { path: string; abs: string; bytes: number }

function workspaceFiles(root: string): FileEntry[] {
  const out: FileEntry[] = [];
  const seen = new Set<string>();
  const walk = (dir: string) => {
    // Symbolic links are followed (a models folder on another disk is still backed up), once each.
    const real = realpathSync(dir);
    if (seen.has(real)) return;
    seen.add(real);
    for (const name of readdirSync(dir).sort((a, b) => a.localeCompare(b))) {
      const abs = join(dir, name);
      let st;
      try {
        st = statSync(abs);
      } catch {
        continue; // a dangling link, or a file removed while listing
      }
      if (st.isDirectory()) {
        if (!TRANSIENT_DIRS.has(name)) walk(abs);
      } else if (st.isFile() && !isTemp(name) && !(dir === root && LIVE_DB_FILES.has(name))) {
        out.push({ path: relative(root, abs).split(sep).join('/'), abs, bytes: st.size });
      }
    }
  };
  walk(root);
  return out;
}

const inside = (root: string, p: string) => p === root || p.startsWith(root + sep);

function externalModels(db: Db, root: string): FileEntry[] {
  const files = (db.prepare('SELECT DISTINCT file FROM models ORDER BY file').all() as { file: string }[]).map((r) => r.file);
  return files.filter((f) => isAbsolute(f) && !inside(root, resolve(f)) && existsSync(f)).map((f) => ({ path: f, abs: f, bytes: statSync(f).size }));
}

function counts(db: Db): BackupManifest['counts'] {
  const n = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
  return {
    datanets: n('SELECT count(*) AS n FROM datanets'),
    records: n('SELECT count(*) AS n FROM records'),
    snapshots: n('SELECT count(*) AS n FROM snapshots'),
    adapters: n('SELECT count(*) AS n FROM adapters'),
  };
}

function auditHead(db: Db): BackupManifest['audit'] {
  const head = db.prepare('SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as { hash: string } | undefined;
  return { entries: new AuditLog(db).count(), headHash: head?.hash ?? GENESIS_HASH };
}

/** Bytes hashed so far across several files, for one progress bar. */
function byteCounter(progress: BackupProgress, total: number) {
  let base = 0;
  return {
    file: (message: string) => {
      const start = base;
      return { onBytes: (n: number) => progress(start + n, total, message), done: (bytes: number) => { base = start + bytes; } };
    },
  };
}

/** Which key a backup's database needs, or a problem saying why it cannot be read with the one at hand. */
function keyProblem(manifest: BackupManifest, key: Buffer | null): string | null {
  if (!manifest.encrypted) return null;
  if (!key) return `${DB_NAME}: encrypted, and no key was given to check it with (give the passphrase of the workspace it was taken from)`;
  if (keyId(key) !== manifest.encrypted.keyId) return `${DB_NAME}: encrypted under another workspace's key (give the passphrase of the workspace it was taken from)`;
  return null;
}

export async function createBackup({ db, key, root, destination, progress, signal }: {
  db: Db;
  /** The open workspace's database key; null when it is not encrypted. The copy stays encrypted under it. */
  key: Buffer | null;
  root: string; destination: string; progress: BackupProgress; signal?: AbortSignal;
}): Promise<BackupReport> {
  const dest = resolve(destination);
  if (inside(root, dest)) throw new AppError('BAD_INPUT', `The backup folder ${dest} is inside the workspace ${root}: choose a folder elsewhere (another disk, ideally).`);
  if (existsSync(dest) && readdirSync(dest).length > 0) throw new AppError('CONFLICT', `${dest} is not empty: choose a new or empty folder for the backup.`);
  mkdirSync(dirname(dest), { recursive: true });
  // One temp folder per backup, so two backups to the same place cannot share one.
  const tmp = mkdtempSync(`${dest}.partial-`);
  mkdirSync(join(tmp, 'files'), { mode: 0o700 });
  try {
    const files = workspaceFiles(root);
    const external = externalModels(db, root);
    const pageBytes = (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
    const total = pageBytes + files.reduce((s, f) => s + f.bytes, 0) + external.reduce((s, f) => s + f.bytes, 0);
    const dbFile = join(tmp, DB_NAME);
    // Created owner-only first: SQLite would give the copy the umask's mode (0644 under umask 022).
    ensurePrivateFile(dbFile);
    if (key) {
      // SQLite's backup API cannot copy between ciphered files; VACUUM INTO writes one consistent
      // snapshot encrypted under the same key (never a plaintext copy), in one step without progress.
      progress(0, total, 'Copying the encrypted database');
      db.prepare('VACUUM INTO ?').run(dbFile);
    } else {
      await db.backup(dbFile, {
        progress: ({ totalPages, remainingPages }) => {
          progress(Math.round(pageBytes * (1 - remainingPages / Math.max(1, totalPages))), total, 'Copying the database');
          return 256;
        },
      });
    }
    if (signal?.aborted) throw new AppError('CANCELLED', 'Backup cancelled.');
    // A self-contained file: no WAL beside it, so reading it later writes nothing.
    const copy = openKeyed(dbFile, { key: key ?? undefined, fileMustExist: true });
    let manifestBase: Omit<BackupManifest, 'database' | 'files' | 'external'>;
    try {
      copy.pragma('journal_mode = DELETE');
      manifestBase = {
        format: 1, createdAt: nowIso(), workspace: root, schemaVersion: schemaVersion(copy), counts: counts(copy), audit: auditHead(copy),
        encrypted: key ? { keyId: keyId(key) } : null,
      };
    } finally {
      copy.close();
    }
    const bytes = byteCounter(progress, total);
    const dbCopy = bytes.file('Hashing the database copy');
    const dbSha = await copyAndHash(dbFile, null, dbCopy.onBytes, signal);
    dbCopy.done(pageBytes);
    const copied: BackupManifest['files'] = [];
    for (const f of files) {
      const target = join(tmp, 'files', ...f.path.split('/'));
      mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
      const step = bytes.file(`Copying ${f.path}`);
      let sha256: string;
      try {
        sha256 = await copyAndHash(f.abs, target, step.onBytes, signal);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // removed since listing (a replaced checkpoint, say)
        throw e;
      }
      // The size of what was copied: the file may have changed since it was listed.
      const size = statSync(target).size;
      copied.push({ path: f.path, bytes: size, sha256 });
      step.done(size);
    }
    const hashedExternal: BackupManifest['external'] = [];
    for (const f of external) {
      const step = bytes.file(`Hashing the referenced model ${f.path}`);
      hashedExternal.push({ path: f.path, bytes: f.bytes, sha256: await copyAndHash(f.abs, null, step.onBytes, signal) });
      step.done(f.bytes);
    }
    const manifest: BackupManifest = { ...manifestBase, database: { file: DB_NAME, bytes: statSync(dbFile).size, sha256: dbSha }, files: copied, external: hashedExternal };
    writeFileAtomic(join(tmp, MANIFEST), [Buffer.from(JSON.stringify(BackupManifest.parse(manifest), null, 2))]);
    const report = await verifyBackup({ path: tmp, key, progress, signal });
    if (!report.ok) throw new AppError('INTERNAL', `The backup did not verify after writing: ${report.problems.join('; ')}`);
    // Only an empty folder is replaced: anything written there meanwhile makes this fail, not vanish.
    if (existsSync(dest)) rmdirSync(dest);
    renameSync(tmp, dest);
    fsyncDir(dirname(dest));
    return { ...report, path: dest };
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Forward slashes only, no empty, "." or ".." segments, nothing a platform reads as a root or drive. */
const safeRelativePath = (p: string) => p.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..' && !/[\\:\0]/.test(seg));

function readManifest(dir: string): { manifest: BackupManifest | null; problem: string | null } {
  const file = join(dir, MANIFEST);
  if (!existsSync(file)) return { manifest: null, problem: `${file} is missing: not a backup, or one that did not finish` };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return { manifest: null, problem: `${file}: not JSON (${(e as Error).message})` };
  }
  const parsed = BackupManifest.safeParse(raw);
  if (!parsed.success) return { manifest: null, problem: `${file}: ${describeIssues(parsed.error)}` };
  return { manifest: parsed.data, problem: null };
}

/** Checks a backup folder: every hash, the database's integrity and audit chain, and the counts. */
export async function verifyBackup({ path, key, progress, signal }: {
  path: string;
  /** The key an encrypted backup's database needs (its workspace's); null for a plaintext backup. */
  key: Buffer | null;
  progress: BackupProgress; signal?: AbortSignal;
}): Promise<BackupReport> {
  const dir = resolve(path);
  const { manifest, problem } = readManifest(dir);
  if (!manifest) return { path: dir, ok: false, manifest: null, problems: [problem!], externalProblems: [], bytes: 0 };
  const problems: string[] = [];
  const externalProblems: string[] = [];
  const total = manifest.database.bytes + manifest.files.reduce((s, f) => s + f.bytes, 0);
  const bytes = byteCounter(progress, total);
  const check = async (file: string, expected: { bytes: number; sha256: string }, name: string, into: string[]) => {
    if (!existsSync(file)) return into.push(`${name}: missing`);
    const size = statSync(file).size;
    if (size !== expected.bytes) return into.push(`${name}: ${size} bytes, the manifest says ${expected.bytes}`);
    const step = bytes.file(`Checking ${name}`);
    const sha = await copyAndHash(file, null, step.onBytes, signal);
    step.done(size);
    if (sha !== expected.sha256) into.push(`${name}: its sha256 differs from the manifest's`);
  };
  const dbFile = join(dir, DB_NAME);
  await check(dbFile, manifest.database, DB_NAME, problems);
  const noKey = keyProblem(manifest, key);
  if (noKey) problems.push(noKey);
  if (problems.length === 0) problems.push(...checkDatabase(dbFile, manifest, { key, sameAuditHead: true }));
  for (const f of manifest.files) {
    if (!safeRelativePath(f.path)) {
      problems.push(`${f.path}: not a plain path inside the backup`);
      continue;
    }
    await check(join(dir, 'files', ...f.path.split('/')), f, f.path, problems);
  }
  for (const f of manifest.external) {
    // Only a regular file is read: a crafted manifest naming /dev/zero must not hang the check.
    if (!isAbsolute(f.path) || !existsSync(f.path) || !statSync(f.path).isFile()) externalProblems.push(`referenced model ${f.path}: missing or not a file`);
    else await check(f.path, f, `referenced model ${f.path}`, externalProblems);
  }
  return { path: dir, ok: problems.length === 0, manifest, problems, externalProblems, bytes: total };
}

/**
 * The key an encrypted backup needs, unwrapped from the vault file it carries by the passphrase
 * its workspace had when it was taken; null for a plaintext backup.
 */
export async function backupKey(from: string, passphrase: string | null): Promise<Buffer | null> {
  const { manifest } = readManifest(resolve(from));
  if (!manifest?.encrypted) return null;
  const vault = readVaultFile(join(resolve(from), 'files', 'vault.json'));
  if (!vault) throw new AppError('CONFLICT', `${resolve(from)}: the backup is encrypted but holds no files/vault.json, so it cannot be opened.`);
  if (passphrase === null) throw new AppError('LOCKED', `${resolve(from)} is an encrypted backup: give the passphrase its workspace had when it was taken (--passphrase-file or $DATANET_STUDIO_PASSPHRASE).`);
  return unwrapKey(vault, passphrase);
}

/**
 * Restores a verified backup into a folder that holds no workspace (the app must not have it open),
 * rewriting stored paths when the folder is not the one backed up, and checks the result.
 */
export async function restoreBackup({ from, workspaceDir, key, actor, progress, signal }: {
  from: string; workspaceDir: string;
  /** For an encrypted backup: the key, unwrapped from the backup's own vault file by its passphrase. */
  key: Buffer | null;
  /** Who restores, for the audit entry the restore appends. */
  actor: string;
  progress: BackupProgress; signal?: AbortSignal;
}): Promise<BackupReport> {
  const before = await verifyBackup({ path: from, key, progress, signal });
  if (!before.ok || !before.manifest) throw new AppError('CONFLICT', `The backup at ${resolve(from)} does not verify, so nothing was restored: ${before.problems.join('; ')}`);
  const manifest = before.manifest;
  const target = resolve(workspaceDir);
  if (existsSync(target) && workspaceFiles(target).length + (existsSync(join(target, DB_NAME)) ? 1 : 0) > 0) {
    throw new AppError('CONFLICT', `${target} already holds workspace files: restore into a new or empty folder (move the old one aside first).`);
  }
  mkdirSync(dirname(target), { recursive: true });
  const tmp = mkdtempSync(`${target}.restoring-`);
  try {
    const bytes = byteCounter(progress, before.bytes);
    const copyChecked = async (src: string, dst: string, expected: string, name: string) => {
      mkdirSync(dirname(dst), { recursive: true, mode: 0o700 });
      const step = bytes.file(`Restoring ${name}`);
      const sha = await copyAndHash(src, dst, step.onBytes, signal);
      step.done(statSync(dst).size);
      if (sha !== expected) throw new AppError('CONFLICT', `${name} changed while it was being restored; nothing was restored.`);
    };
    await copyChecked(join(before.path, DB_NAME), join(tmp, DB_NAME), manifest.database.sha256, DB_NAME);
    for (const f of manifest.files) await copyChecked(join(before.path, 'files', ...f.path.split('/')), join(tmp, ...f.path.split('/')), f.sha256, f.path);
    const db = openKeyed(join(tmp, DB_NAME), { key: key ?? undefined, fileMustExist: true });
    try {
      db.transaction(() => {
        if (manifest.workspace !== target) {
          // SQLite's substr counts characters, not UTF-16 units: a path with an emoji must still match.
          const chars = [...manifest.workspace].length;
          for (const [table, column] of PATH_COLUMNS) {
            db.prepare(`UPDATE ${table} SET ${column} = ? || substr(${column}, ?) WHERE substr(${column}, 1, ?) = ?`)
              .run(target, chars + 1, chars + 1, manifest.workspace + sep);
          }
        }
        new AuditLog(db).append({ actor, action: 'workspace.restored', subject: target, details: { from: before.path, backupCreatedAt: manifest.createdAt, previousWorkspace: manifest.workspace } });
      })();
    } finally {
      db.close();
    }
    // Empty folders left by the check at the start are all that may be replaced; a workspace the
    // app created there meanwhile makes this fail instead of vanishing.
    if (existsSync(target)) removeEmptyTree(target);
    renameSync(tmp, target);
    fsyncDir(dirname(target));
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  // The restore appended its own audit entry, so the head has moved on from the manifest's.
  const problems = checkDatabase(join(target, DB_NAME), manifest, { key, sameAuditHead: false });
  return { ...before, path: target, ok: problems.length === 0, problems };
}

/** integrity_check, the audit chain, and the counts the manifest promises. */
function checkDatabase(file: string, manifest: BackupManifest, { key, sameAuditHead }: { key: Buffer | null; sameAuditHead: boolean }): string[] {
  const problems: string[] = [];
  let db: Db;
  try {
    db = openKeyed(file, { key: key ?? undefined, readonly: true, fileMustExist: true });
  } catch (e) {
    return [`${DB_NAME}: ${(e as Error).message}`];
  }
  try {
    const integrity = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
    if (integrity.join() !== 'ok') problems.push(`${DB_NAME}: integrity_check says ${integrity.slice(0, 3).join('; ')}`);
    const chain = new AuditLog(db).verify();
    if (!chain.ok) problems.push(`${DB_NAME}: the audit chain breaks at entry ${chain.firstBad?.seq} (${chain.firstBad?.reason})`);
    const head = auditHead(db);
    if (sameAuditHead && (head.entries !== manifest.audit.entries || head.headHash !== manifest.audit.headHash)) problems.push(`${DB_NAME}: the audit log's head is not the manifest's`);
    const c = counts(db);
    for (const k of Object.keys(c) as (keyof typeof c)[]) if (c[k] !== manifest.counts[k]) problems.push(`${DB_NAME}: ${c[k]} ${k}, the manifest says ${manifest.counts[k]}`);
  } finally {
    db.close();
  }
  return problems;
}

/** Removes a folder holding only empty folders; throws (ENOTEMPTY) if any file appeared in it. */
function removeEmptyTree(dir: string) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) removeEmptyTree(p);
  }
  rmdirSync(dir);
}
