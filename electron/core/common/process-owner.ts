import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { AppError } from '../../shared/errors';

/**
 * Who owns a piece of running work (a job row, a training run, a checkpoint): the process id plus
 * the process's start time, because pids are reused — after a reboot or a long day a new process
 * may carry the pid of the one that died. Where the start time cannot be read (not Linux) the pid
 * alone decides.
 */
export interface ProcessOwner {
  pid: number;
  /** Clock ticks since boot at which the process started (/proc/<pid>/stat field 22); null where unknown. */
  startTicks: string | null;
  host: string;
}

function startTicksOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

let self: ProcessOwner | undefined;

/** This process, as an owner record. */
export function currentOwner(): ProcessOwner {
  self ??= { pid: process.pid, startTicks: startTicksOf(process.pid), host: hostname() };
  return self;
}

/**
 * Whether the process an owner record names is still running. A record from another machine (a
 * workspace on a shared drive) cannot be checked and counts as alive: never take over work that
 * may still be running.
 */
export function ownerAlive(owner: ProcessOwner): boolean {
  if (owner.host !== hostname()) return true;
  if (owner.pid === process.pid) return owner.startTicks === currentOwner().startTicks;
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    // EPERM: it exists but belongs to someone else, so it is running.
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (owner.startTicks === null) return true;
  const now = startTicksOf(owner.pid);
  return now === null || now === owner.startTicks;
}

export function parseOwner(raw: string | null | undefined): ProcessOwner | null {
  if (!raw) return null;
  try {
    const o = JSON.parse(raw) as Partial<ProcessOwner>;
    if (typeof o.pid !== 'number' || typeof o.host !== 'string') return null;
    return { pid: o.pid, host: o.host, startTicks: typeof o.startTicks === 'string' ? o.startTicks : null };
  } catch {
    return null;
  }
}

/** A takeover that died half-way leaves its guard file; after this long it no longer blocks. */
const TAKEOVER_GUARD_STALE_MS = 10_000;

/**
 * Removes a lock file whose owner is gone, if it still holds the `seen` record. Two processes may
 * find the same stale lock at once: without care, the slower one removes the lock the faster one
 * has just taken, and both believe they hold it. So only the process that creates
 * `<lock>.takeover` may remove the lock, and only while it still holds what was seen as stale.
 * False when another process is taking it over right now.
 */
function removeStaleLock(path: string, seen: string): boolean {
  const guard = `${path}.takeover`;
  let fd: number;
  try {
    fd = openSync(guard, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const age = Date.now() - (statSync(guard, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if (age > TAKEOVER_GUARD_STALE_MS) rmSync(guard, { force: true });
    return false;
  }
  try {
    let now: string | null = null;
    try { now = readFileSync(path, 'utf8'); } catch { /* gone: nothing to remove */ }
    if (now === seen) rmSync(path, { force: true });
    return true;
  } finally {
    closeSync(fd);
    rmSync(guard, { force: true });
  }
}

export interface HeldLock {
  path: string;
  release(): void;
}

/**
 * Takes an exclusive lock file holding this process's owner record. A lock whose owner is gone is
 * stale and taken over; one whose owner runs is refused with a CONFLICT naming `what` and the pid.
 */
export function acquireLockFile(path: string, what: string, owner: ProcessOwner = currentOwner()): HeldLock {
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let seen: string | null = null;
      try { seen = readFileSync(path, 'utf8'); } catch { /* removed meanwhile: try again */ }
      const holder = parseOwner(seen);
      // An unreadable record that is brand new is another process between creating and writing it.
      const justMade = !holder && Date.now() - (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0) < 2000;
      if (justMade || (holder && ownerAlive(holder))) {
        if (!holder) throw new AppError('CONFLICT', `${what} is being taken by another process at the same moment: try again.`);
        throw new AppError('CONFLICT', `${what} is in use by another process (pid ${holder.pid}${holder.host !== hostname() ? ` on ${holder.host}` : ''}): wait for it to finish or stop it first.`);
      }
      if (seen !== null && !removeStaleLock(path, seen)) break;
      continue;
    }
    try { writeSync(fd, JSON.stringify(owner)); } finally { closeSync(fd); }
    const text = JSON.stringify(owner);
    return {
      path,
      release() {
        try {
          if (readFileSync(path, 'utf8') === text) rmSync(path, { force: true });
        } catch { /* already gone */ }
      },
    };
  }
  throw new AppError('CONFLICT', `${what} is being taken by another process at the same moment: try again.`);
}
