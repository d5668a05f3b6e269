import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './workspace';

export interface ServeChild {
  child: ChildProcess;
  pid: number;
  port: number;
  /** The address serve printed (local mode: with the launch token in the fragment). */
  openUrl: string;
  /** The launch token (local mode), parsed from openUrl; '' in team mode. */
  token: string;
  /** Everything serve wrote so far, stdout and stderr. */
  output(): string;
  /** True while the process has not exited and still answers signal 0. */
  running(): boolean;
  stop(): Promise<void>;
}

/**
 * The real `serve` command as a child process (local mode, or team mode with --tls-cert …),
 * resolved once it printed its address. Stopped when `owner` (a test, or a file's `after` hook) ends.
 */
export function startServeProcess(owner: { after(fn: () => Promise<void>): void }, args: string[]): Promise<ServeChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'electron/core/bin/serve.ts'), ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (exited()) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  owner.after(stop);
  const running = () => {
    if (exited()) return false;
    try {
      process.kill(child.pid!, 0);
      return true;
    } catch {
      return false;
    }
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not print its address in 60 s:\n${out}`)), 60_000);
    child.stderr!.on('data', (d: Buffer) => (out += String(d)));
    child.stdout!.on('data', (d: Buffer) => {
      out += String(d);
      const m = /open:\s+(https?:\/\/[^\s/]+:(\d+)\/\S*)/.exec(out);
      if (m) {
        clearTimeout(timer);
        const token = /#token=(\S+)/.exec(m[1]!)?.[1] ?? '';
        resolve({ child, pid: child.pid!, port: Number(m[2]), openUrl: m[1]!, token, output: () => out, running, stop });
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code ?? signal}) before printing its address:\n${out}`));
    });
  });
}
