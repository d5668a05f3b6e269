/**
 * Native programs (anvil) that must not outlive this process. A program we do not write cannot
 * watch its parent, and nothing portable makes the kernel end it with us (Linux has
 * PR_SET_PDEATHSIG, Windows job objects, macOS neither), so a small Node watchdog sits in between:
 * this process starts the watchdog with an IPC channel, the watchdog starts the program, and when
 * the channel closes — the kernel closes it when this process dies, even by SIGKILL — or its
 * parent pid changes (parent-watch.ts), the watchdog kills the program and exits.
 *
 * The watchdog is inline JavaScript run with `node -e` (Electron's own binary as Node inside the
 * app), so no bundled file has to be found for it. If the watchdog itself is killed, this process
 * kills the program by pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { AppError } from '../../shared/errors';

const WATCHDOG = String.raw`'use strict';
const { spawn } = require('node:child_process');
const parent = process.ppid;
let child = null;
const running = () => child && child.exitCode === null && child.signalCode === null;
const end = () => { if (running()) child.kill('SIGKILL'); process.exit(0); };
process.once('disconnect', end);
if (!process.connected) end();
setInterval(() => {
  let gone = process.ppid !== parent;
  if (!gone) try { process.kill(parent, 0); } catch (e) { gone = e.code !== 'EPERM'; }
  if (gone) end();
}, 500).unref();
for (const s of ['SIGTERM', 'SIGHUP']) process.on(s, end);
// Ctrl-C reaches the whole process group; the parent decides what a cancel means.
process.on('SIGINT', () => {});
const tell = (m, then) => { if (process.connected) process.send(m, () => then && then()); else if (then) then(); };
process.on('message', (m) => {
  if (m.type === 'spawn' && !child) {
    child = spawn(m.command, m.args, { stdio: ['ignore', 'ignore', 'inherit'], windowsHide: true });
    child.once('spawn', () => tell({ type: 'spawned', pid: child.pid }));
    child.once('error', (e) => tell({ type: 'error', message: e.message }, () => process.exit(0)));
    child.once('exit', (code, signal) => tell({ type: 'exited', code, signal }, () => process.exit(0)));
  } else if (m.type === 'kill' && running()) {
    child.kill(m.signal);
  }
});
`;

type WatchdogMessage =
  | { type: 'spawned'; pid: number }
  | { type: 'error'; message: string }
  | { type: 'exited'; code: number | null; signal: NodeJS.Signals | null };

export interface TiedChild {
  /** The program's own process id. */
  pid: number;
  /** The program's stderr (through the watchdog). */
  stderr: Readable;
  /** Settles when the program has exited, with its exit code (null when a signal ended it). */
  exited: Promise<number | null>;
  /** Sends the program a signal (through the watchdog, so it works the same on Windows). */
  kill(signal: NodeJS.Signals): void;
}

/** Starts `command` so that it ends when this process ends; resolves once it has started. */
export async function spawnTied(command: string, args: string[]): Promise<TiedChild> {
  // Inside Electron, process.execPath is the Electron binary: make the watchdog a plain Node process.
  const env = process.versions.electron ? { ...process.env, ELECTRON_RUN_AS_NODE: '1' } : process.env;
  const watchdog: ChildProcess = spawn(process.execPath, ['-e', WATCHDOG], { env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], windowsHide: true });
  let pid: number | null = null;
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    watchdog.on('message', (m: WatchdogMessage) => {
      if (m.type === 'exited') {
        exitCode = m.code;
        resolve(m.code);
      }
    });
    watchdog.once('exit', (_code, signal) => {
      // The watchdog exits by itself only once the program has ended; one ended by a signal from
      // outside leaves the program unguarded, so it is ended here.
      if (signal !== null && pid !== null && exitCode === undefined) {
        try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
      }
    });
    // 'close' comes after the last message and once the program has let go of stderr too.
    watchdog.once('close', () => resolve(exitCode ?? null));
  });
  watchdog.once('error', () => undefined);
  pid = await new Promise<number>((resolve, reject) => {
    watchdog.on('message', (m: WatchdogMessage) => {
      if (m.type === 'spawned') resolve(m.pid);
      else if (m.type === 'error') reject(new AppError('NOT_AVAILABLE', `Could not start ${command}: ${m.message}`));
    });
    watchdog.once('exit', (code, signal) => reject(new AppError('INTERNAL', `The watchdog for ${command} ended before it started (${signal ?? `exit code ${code}`}).`)));
    watchdog.once('error', (e) => reject(new AppError('INTERNAL', `Could not start the watchdog for ${command}: ${e.message}`)));
    watchdog.send({ type: 'spawn', command, args });
  });
  return {
    pid,
    stderr: watchdog.stderr!,
    exited,
    kill(signal) {
      if (exitCode !== undefined) return;
      if (watchdog.connected) watchdog.send({ type: 'kill', signal });
      else try { process.kill(pid!, signal); } catch { /* already gone */ }
    },
  };
}
