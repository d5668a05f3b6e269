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
