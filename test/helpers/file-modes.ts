import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

/** Every folder and file under `root` (itself included) whose mode lets the group or others in, as "path 0755". */
export function exposed(root: string): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) return;
    if ((st.mode & 0o077) !== 0) out.push(`${p} ${(st.mode & 0o777).toString(8).padStart(4, '0')}`);
    if (st.isDirectory()) for (const name of readdirSync(p)) walk(join(p, name));
  };
  walk(root);
  return out;
}

/** How many folders and files there are under `root`, so that an empty tree cannot pass for a private one. */
export function countEntries(root: string): number {
  let n = 0;
  const walk = (p: string) => {
    n++;
    if (lstatSync(p).isDirectory()) for (const name of readdirSync(p)) walk(join(p, name));
  };
  walk(root);
  return n;
}

/** Runs the rest of the test (and the child processes it starts, which inherit it) under umask 022. */
export function underUmask022(t: TestContext): void {
  const before = process.umask(0o022);
  t.after(() => process.umask(before));
}
