import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { test } from 'node:test';
import { acquireLockFile, currentOwner, ownerAlive, parseOwner } from '../../electron/core/common/process-owner';

function dir(t: { after(f: () => void): void }) {
  const d = mkdtempSync(join(tmpdir(), 'dstudio-owner-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test('this process is alive; a process that exited is not; a reused pid with another start time is not', async () => {
  const me = currentOwner();
  assert.equal(ownerAlive(me), true);
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  await once(child, 'spawn');
  const childOwner = { ...me, pid: child.pid!, startTicks: readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]! };
  assert.equal(ownerAlive(childOwner), true, 'a running child is alive');
  assert.equal(ownerAlive({ ...childOwner, startTicks: '1' }), false, 'same pid, other start time: the pid was reused');
  child.kill('SIGKILL');
  await once(child, 'exit');
  assert.equal(ownerAlive(childOwner), false, 'a killed child is gone');
  assert.equal(ownerAlive({ ...childOwner, host: 'some-other-machine' }), true, 'another machine cannot be checked: counted as alive');
  assert.deepEqual(parseOwner(JSON.stringify(me)), me);
  assert.equal(parseOwner('not json'), null);
});

test('a lock held by a live process is refused with its pid; a stale one is taken over; release frees it', async (t) => {
  const d = dir(t);
  const path = join(d, 'run.lock');
  const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  await once(holder, 'spawn');
  const ticks = readFileSync(`/proc/${holder.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]!;
  writeFileSync(path, JSON.stringify({ pid: holder.pid, startTicks: ticks, host: currentOwner().host }));
  assert.throws(() => acquireLockFile(path, 'Training run run_x'), (e: Error) => e.message.includes(`pid ${holder.pid}`) && e.message.includes('Training run run_x'));
  holder.kill('SIGKILL');
  await once(holder, 'exit');
  const lock = acquireLockFile(path, 'Training run run_x');
  assert.deepEqual(parseOwner(readFileSync(path, 'utf8')), currentOwner());
  lock.release();
  assert.equal(existsSync(path), false);
  // A lock that another holder took after ours was released is not removed by a late release.
  const again = acquireLockFile(path, 'x');
  writeFileSync(path, JSON.stringify({ ...currentOwner(), pid: 1 }));
  again.release();
  assert.equal(existsSync(path), true);
});

test('processes taking over one stale lock at the same moment: exactly one gets it', async (t) => {
  // Each round, every child tries the same lock at the same millisecond; the lock starts stale (its
  // record names this test process with a start time it never had). Winners keep holding it. On
  // the old takeover (remove, then create) two children held one lock in several of 100 rounds.
  const d = dir(t);
  const rounds = 100;
  const stepMs = 25;
  const stale = JSON.stringify({ ...currentOwner(), startTicks: '1' });
  for (let r = 0; r < rounds; r++) writeFileSync(join(d, `${r}.lock`), stale);
  const modulePath = join(import.meta.dirname, '../../electron/core/common/process-owner.ts');
  // Each child says it is ready, then waits for the start time on stdin.
  const script = `
    const { acquireLockFile } = await import(${JSON.stringify(modulePath)});
    process.stdout.write('ready\\n');
    const startAt = await new Promise((resolve) => process.stdin.once('data', (b) => resolve(Number(String(b)))));
    process.stdin.destroy();
    const won = [];
    for (let r = 0; r < ${rounds}; r++) {
      const at = startAt + r * ${stepMs};
      while (Date.now() < at) {}
      try { acquireLockFile(${JSON.stringify(d)} + '/' + r + '.lock', 'lock ' + r); won.push(r); } catch {}
    }
    process.stdout.write(JSON.stringify(won) + '\\n');`;
  const children = Array.from({ length: 4 }, () => {
    const c = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
    t.after(() => c.kill('SIGKILL'));
    let out = '';
    let onReady: () => void;
    const ready = new Promise<void>((resolve) => (onReady = resolve));
    c.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.startsWith('ready\n')) onReady();
    });
    const won = once(c, 'exit').then(([code]) => {
      assert.equal(code, 0);
      return JSON.parse(out.slice('ready\n'.length)) as number[];
    });
    return { c, ready, won };
  });
  await Promise.all(children.map((x) => x.ready));
  const startAt = Date.now() + 200;
  for (const { c } of children) c.stdin.end(String(startAt));
  const results = await Promise.all(children.map((x) => x.won));
  const winners = Array.from({ length: rounds }, (_, r) => results.filter((won) => won.includes(r)).length);
  const doubled = winners.map((n, r) => [r, n]).filter(([, n]) => n! > 1);
  assert.deepEqual(doubled, [], 'rounds where two processes both hold the lock');
  assert.ok(winners.every((n) => n === 1), `every round has one holder: ${winners.join(',')}`);
});
