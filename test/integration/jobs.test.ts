import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { AuditLog } from '../../electron/core/audit/log';
import { openDatabase } from '../../electron/core/db/open';
import { EventBus } from '../../electron/core/events';
import { JobManager } from '../../electron/core/jobs/manager';
import { AppError } from '../../electron/shared/errors';
import type { AuditVerification } from '../../electron/shared/audit';
import type { Job } from '../../electron/shared/jobs';
import { call, tempDir, testCore } from '../helpers/workspace';

function seedAuditLog(dir: string, n: number) {
  const db = openDatabase(join(dir, 'studio.db'));
  const audit = new AuditLog(db);
  db.transaction(() => {
    for (let i = 0; i < n; i++) audit.append({ actor: 'local', action: 'test.seed', subject: `s${i}`, details: { i } });
  })();
  db.close();
}

test('a job reports progress with a rate and ETA, then its result', async (t) => {
  const dir = tempDir(t);
  seedAuditLog(dir, 40_000);
  const core = testCore(t, dir);
  const events: Job[] = [];
  core.onEvent((name, payload) => {
    if (name === 'jobs.progress' || name === 'jobs.finished') events.push(payload as Job);
  });
  const { jobId } = await call(core, 'audit.verifyChain', {});
  const job = await core.waitForJob(jobId);
  assert.equal(job.state, 'succeeded');
  assert.deepEqual((job.result as AuditVerification).checked, 40_000);
  assert.equal((job.result as AuditVerification).ok, true);
  const progress = events.filter((e) => e.id === jobId && e.state === 'running');
  assert.ok(progress.length >= 2, 'progress is reported while the job runs');
  assert.equal(progress.at(-1)!.progress.total, 40_000);
  const measured = progress.filter((e) => e.rate !== null);
  assert.ok(measured.length > 0, 'a rate is reported once measurable');
  assert.ok(measured.every((e) => e.rate! > 0 && e.etaMs !== null && e.etaMs >= 0));
  const dones = progress.map((e) => e.progress.done);
  assert.deepEqual(dones, [...dones].sort((a, b) => a - b), 'progress never goes backwards');
  assert.equal(events.at(-1)!.state, 'succeeded');
  assert.deepEqual(await call(core, 'jobs.get', { jobId }), job);
});

test('cancelling a running job stops it and records it as cancelled', async (t) => {
  const dir = tempDir(t);
  seedAuditLog(dir, 60_000);
  const core = testCore(t, dir);
  let cancelSent = false;
  core.onEvent((name, payload) => {
    const j = payload as Job;
    if (name === 'jobs.progress' && !cancelSent && j.progress.done > 0) {
      cancelSent = true;
      void core.call('jobs.cancel', { jobId: j.id });
    }
  });
  const { jobId } = await call(core, 'audit.verifyChain', {});
  const job = await core.waitForJob(jobId);
  assert.ok(cancelSent);
  assert.equal(job.state, 'cancelled');
  assert.equal(job.error?.code, 'CANCELLED');
  assert.ok(job.progress.done < 60_000, `stopped early (checked ${job.progress.done})`);
  assert.equal((await call(core, 'jobs.get', { jobId })).state, 'cancelled');
});

test('a failing job keeps its error; cancelling a finished job changes nothing', async (t) => {
  const db = openDatabase(join(tempDir(t), 'studio.db'));
  t.after(() => db.close());
  const jobs = new JobManager(db, new EventBus());
  const started = jobs.start({
    kind: 'audit.verifyChain',
    title: 'Doomed',
    unit: 'steps',
    run: async () => {
      throw new AppError('NOT_FOUND', 'the thing is gone');
    },
  });
  const done = await jobs.wait(started.id);
  assert.equal(done.state, 'failed');
  assert.deepEqual(done.error, { code: 'NOT_FOUND', message: 'the thing is gone' });
  assert.equal(jobs.cancel(started.id).state, 'failed');
});

test('a job that waits on its signal ends when cancelled', async (t) => {
  const db = openDatabase(join(tempDir(t), 'studio.db'));
  t.after(() => db.close());
  const jobs = new JobManager(db, new EventBus());
  const started = jobs.start({
    kind: 'audit.verifyChain',
    title: 'Waits forever',
    unit: 'steps',
    run: (ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted')))),
  });
  setTimeout(() => jobs.cancel(started.id), 20);
  assert.equal((await jobs.wait(started.id)).state, 'cancelled');
});

test('jobs still running when the app stopped are shown as interrupted after a restart', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'studio.db');
  const db = openDatabase(file);
  db.prepare(
    `INSERT INTO jobs (id, kind, title, state, progress, started_at) VALUES ('job_00000000000000aa', 'audit.verifyChain', 'Crashed', 'running', '{"done":5,"total":10,"unit":"x","message":""}', '2026-01-01T00:00:00.000Z')`,
  ).run();
  db.close();
  const core = testCore(t, dir);
  const job = await call(core, 'jobs.get', { jobId: 'job_00000000000000aa' });
  assert.equal(job.state, 'interrupted');
  assert.match(job.error!.message, /stopped while this job was running/);
});
