/**
 * Workspace files hold patient records, keystores and the audit log: only their owner may read
 * them, whatever the umask (022, the usual default, would leave new files 0644 and folders 0755).
 * Folders are made 0700 and files 0600; a workspace made by an older version, or copied with the
 * umask's modes, is tightened when it opens. Windows has no such modes; there the calls are
 * harmless and the user profile's ACLs are what protect the files.
 */
import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates `dir` (and missing parents) owner-only; an existing folder is made owner-only too. */
export function makePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  chmodSync(dir, PRIVATE_DIR_MODE);
}

/**
 * Makes sure `file` exists with mode 0600 before a library creates it with the umask's mode:
 * SQLite gives studio.db's -wal, -shm and -journal files the mode of studio.db itself.
 */
export function ensurePrivateFile(file: string): void {
  closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  chmodSync(file, PRIVATE_FILE_MODE);
}

/** Removes the group and other bits of `path` (a file keeps its owner's execute bit). */
export function makePrivate(path: string): void {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return;
  const mode = st.mode & 0o777;
  const wanted = st.isDirectory() ? PRIVATE_DIR_MODE : (mode & 0o700) | PRIVATE_FILE_MODE;
  if (mode !== wanted) chmodSync(path, wanted);
}

/**
 * Walks `root` once and makes every folder and file in it owner-only, changing only those that
 * are not already. Symbolic links are not followed: a models folder linked to another disk is the
 * user's to protect, and its files may be shared on purpose. Returns how many entries changed.
 */
export function tightenTree(root: string): number {
  let changed = 0;
  const walk = (path: string) => {
    let st;
    try {
      st = lstatSync(path);
    } catch {
      return; // removed while walking
    }
    if (st.isSymbolicLink() || !(st.isDirectory() || st.isFile())) return;
    const mode = st.mode & 0o777;
    const wanted = st.isDirectory() ? PRIVATE_DIR_MODE : (mode & 0o700) | PRIVATE_FILE_MODE;
    if (mode !== wanted) {
      try {
        chmodSync(path, wanted);
        changed++;
      } catch {
        // Not ours to change (another user's file copied in): it stays as it is.
      }
    }
    if (st.isDirectory()) {
      let names: string[] = [];
      try { names = readdirSync(path); } catch { /* unreadable: nothing below to fix */ }
      for (const name of names) walk(join(path, name));
    }
  };
  walk(root);
  return changed;
}
