/**
 * One checkpoint, one writer. The runner child that trains into a checkpoint holds
 * `<checkpoint>.lock` (an owner record: pid and start time) for as long as it runs, so a second
 * run — a resume while an orphaned runner still trains, or two windows resuming one run — is
 * refused instead of interleaving its writes. A runner killed outright leaves its lock behind; the
 * next one sees that its owner is gone and takes it over.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { acquireLockFile, ownerAlive, parseOwner, type HeldLock, type ProcessOwner } from '../common/process-owner.js';

export const checkpointLockPath = (checkpoint: string) => `${checkpoint}.lock`;

/** The live process holding the checkpoint's lock, or null when none does. */
export function checkpointHolder(checkpoint: string): ProcessOwner | null {
  let holder: ProcessOwner | null;
  try {
    holder = parseOwner(readFileSync(checkpointLockPath(checkpoint), 'utf8'));
  } catch {
    return null;
  }
  return holder && ownerAlive(holder) ? holder : null;
}

/**
 * Takes the checkpoint's lock for this process (the writer), refusing with CONFLICT while another
 * live process holds it. Temp files a killed writer left beside the checkpoint (native code writes
 * `<checkpoint>.<pid>.tmp`, then renames it over the checkpoint) are removed: with the lock held,
 * no other process is writing one.
 */
export function takeCheckpointLock(checkpoint: string): HeldLock {
  const lock = acquireLockFile(checkpointLockPath(checkpoint), `The training checkpoint ${checkpoint}`);
  const name = basename(checkpoint);
  const dir = dirname(checkpoint);
  for (const f of readdirSync(dir)) {
    if (f.startsWith(`${name}.`) && /^\.\d+\.tmp$/.test(f.slice(name.length))) rmSync(join(dir, f), { force: true });
  }
  return lock;
}
