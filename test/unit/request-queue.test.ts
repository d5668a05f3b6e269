import assert from 'node:assert/strict';
import { test } from 'node:test';
import { QueueFull, RequestQueue } from '../../electron/core/serving/request-queue';

/** A job the test finishes by hand, recording when it started. */
function gate(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  return { job: () => (log.push(name), done.then(() => name)), finish };
}
const tick = () => new Promise((r) => setImmediate(r));

test('one runs at a time, each key has a bounded number waiting, and past it run refuses at once with QueueFull', async () => {
  const q = new RequestQueue({ maxWaitingPerKey: 2 });
  const log: string[] = [];
  const jobs = ['a1', 'a2', 'a3'].map((n) => gate(log, n));
  const runs = jobs.map((g) => q.run('a', g.job));
  await tick();
  assert.deepEqual(log, ['a1']);
  assert.equal(q.waitingCount('a'), 2);
  const refused = await q.run('a', async () => 'never').catch((e: unknown) => e);
  assert.ok(refused instanceof QueueFull);
  assert.equal(refused.limit, 2);
  assert.ok(refused.retryAfterSeconds >= 1 && Number.isInteger(refused.retryAfterSeconds));
  // Another key has places of its own.
  const b = gate(log, 'b1');
  const bRun = q.run('b', b.job);
  assert.equal(q.waitingCount(), 3);
  for (const g of [...jobs, b]) {
    g.finish();
    await tick();
  }
  assert.deepEqual(await Promise.all([...runs, bRun]), ['a1', 'a2', 'a3', 'b1']);
  assert.deepEqual(log, ['a1', 'a2', 'b1', 'a3'], 'keys take turns: b is not kept behind all of a');
  assert.equal(q.waitingCount(), 0);
  assert.equal(q.runningCount(), 0);
});

test('a waiter whose signal aborts leaves the queue, frees its place and never runs', async () => {
  const q = new RequestQueue({ maxWaitingPerKey: 1 });
  const log: string[] = [];
  const first = gate(log, 'first');
  const running = q.run('m', first.job);
  const leaving = new AbortController();
  const left = q.run('m', async () => (log.push('left'), 'left'), leaving.signal).catch((e: unknown) => e);
  await tick();
  assert.ok((await q.run('m', async () => 'x').catch((e: unknown) => e)) instanceof QueueFull, 'the one place is taken');
  leaving.abort(new Error('client left'));
  assert.equal(((await left) as Error).message, 'client left');
  assert.equal(q.waitingCount('m'), 0);
  const next = gate(log, 'next');
  const nextRun = q.run('m', next.job);
  first.finish();
  next.finish();
  assert.deepEqual(await Promise.all([running, nextRun]), ['first', 'next']);
  assert.deepEqual(log, ['first', 'next'], 'the request that left never ran');
  await assert.rejects(q.run('m', async () => 'x', AbortSignal.abort(new Error('gone already'))), /gone already/);
});

test('with no places (maxWaitingPerKey 0) a busy queue refuses; a failing job frees its slot', async () => {
  const q = new RequestQueue({ maxWaitingPerKey: 0 });
  const log: string[] = [];
  const g = gate(log, 'busy');
  const busy = q.run('m', g.job);
  assert.ok((await q.run('m', async () => 'x').catch((e: unknown) => e)) instanceof QueueFull);
  g.finish();
  await busy;
  await assert.rejects(q.run('m', async () => { throw new Error('boom'); }), /boom/);
  assert.equal(await q.run('m', async () => 'free again'), 'free again');
});
