import { AppError, isAppError } from '../../shared/errors';
import type { Job, JobKind } from '../../shared/jobs';
import type { Db } from '../db/open';
import type { EventBus } from '../events';
import { newId, nowIso } from '../common/ids';
import { ownerAlive, parseOwner } from '../common/process-owner';
import { ownerColumn, recoverOrphans, type WorkRows } from './owned-work';

export interface JobContext {
  /** Aborted when the job is cancelled; pass it down to everything that can stop early. */
  signal: AbortSignal;
  progress(done: number, total: number | null, message?: string): void;
  /** Throws the cancellation error if the job was cancelled: call it between units of work. */
  throwIfCancelled(): void;
}

export interface JobSpec<R> {
  kind: JobKind;
  title: string;
  unit: string;
  run(ctx: JobContext): Promise<R>;
  /**
   * The run answers a cancel by returning what it has so far (a streamed answer cut short by Stop):
   * the job still ends cancelled, but keeps that result instead of dropping it.
   */
  keepsPartialResult?: boolean;
}

/** How often a running job may emit progress, so a tight loop cannot flood the transports. */
const PROGRESS_INTERVAL_MS = 100;
/** How often a running job's progress is written to its row, for other processes listing jobs. */
const PROGRESS_PERSIST_MS = 1000;

export const JOB_ROWS: WorkRows = { table: 'jobs', key: 'id', running: `state = 'running'` };

interface Running {
  job: Job;
  controller: AbortController;
  lastEmit: number;
  lastPersist: number;
  startedMs: number;
  finished: Promise<Job>;
}

/**
 * Runs long work as jobs: the caller gets an id at once, progress streams as `jobs.progress`
 * events with a rate and ETA, `cancel` aborts the job's signal, and the outcome is kept in the
 * jobs table so a restart still shows what happened. Each row names the process running it:
 * running jobs found at start whose process is gone were interrupted by a crash or quit and are
 * marked so; those of another live process (the CLI beside the app) are left running.
 */
export class JobManager {
  private readonly running = new Map<string, Running>();

  constructor(
    private readonly db: Db,
    private readonly events: EventBus,
  ) {
    recoverOrphans(db, JOB_ROWS, `state = 'interrupted', finished_at = @now, error = @error`, {
      now: nowIso(),
      error: JSON.stringify({ code: 'CANCELLED', message: 'The app stopped while this job was running.' }),
    });
  }

  start<R>(spec: JobSpec<R>): Job {
    const controller = new AbortController();
    const job: Job = {
      id: newId('job'),
      kind: spec.kind,
      title: spec.title,
      state: 'running',
      progress: { done: 0, total: null, unit: spec.unit, message: '' },
      rate: null,
      etaMs: null,
      startedAt: nowIso(),
      finishedAt: null,
      error: null,
      result: null,
    };
    this.db
      .prepare('INSERT INTO jobs (id, kind, title, state, progress, started_at, owner) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(job.id, job.kind, job.title, job.state, JSON.stringify(job.progress), job.startedAt, ownerColumn());
    const entry: Running = { job, controller, lastEmit: 0, lastPersist: Date.now(), startedMs: Date.now(), finished: Promise.resolve(job) };
    this.running.set(job.id, entry);

    const ctx: JobContext = {
      signal: controller.signal,
      progress: (done, total, message) => this.report(entry, done, total, message),
      throwIfCancelled: () => {
        if (controller.signal.aborted) throw new AppError('CANCELLED', `${spec.title} was cancelled.`);
      },
    };
    entry.finished = (async () => {
      // Let the caller receive the id before the first progress event.
      await new Promise((r) => setImmediate(r));
      try {
        ctx.throwIfCancelled();
        const result = await spec.run(ctx);
        if (controller.signal.aborted && spec.keepsPartialResult) {
          return this.finish(entry, 'cancelled', { code: 'CANCELLED', message: `${spec.title} was stopped.` }, result);
        }
        ctx.throwIfCancelled();
        return this.finish(entry, 'succeeded', null, result);
      } catch (e) {
        if (controller.signal.aborted) {
          return this.finish(entry, 'cancelled', { code: 'CANCELLED', message: `${spec.title} was cancelled.` }, null);
        }
        const error = isAppError(e)
          ? { code: e.code, message: e.message }
          : { code: 'INTERNAL' as const, message: `${spec.title} failed: ${(e as Error).message}` };
        return this.finish(entry, 'failed', error, null);
      }
    })();
    return { ...job };
  }

  /** Resolves with the job's final state (for the CLI and tests). */
  async wait(jobId: string): Promise<Job> {
    const entry = this.running.get(jobId);
    return entry ? entry.finished : this.get(jobId);
  }

  cancel(jobId: string): Job {
    const entry = this.running.get(jobId);
    if (!entry) {
      const row = this.db.prepare(`SELECT owner FROM jobs WHERE id = ? AND state = 'running'`).get(jobId) as { owner: string | null } | undefined;
      const owner = parseOwner(row?.owner);
      if (owner && ownerAlive(owner)) {
        throw new AppError(
          'CONFLICT',
          `Job ${jobId} runs in another process (pid ${owner.pid}) on this workspace: cancel it there (Ctrl-C in its terminal, or in the app that started it). From here you can follow it with jobs list.`,
        );
      }
      return this.get(jobId); // already finished: cancelling is a no-op
    }
    entry.controller.abort();
    return { ...entry.job };
  }

  get(jobId: string): Job {
    const live = this.running.get(jobId);
    if (live) return { ...live.job };
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(jobId) as JobRow | undefined;
    if (!row) throw new AppError('NOT_FOUND', `No job with id ${jobId}.`);
    return fromRow(row);
  }

  list(limit = 50): Job[] {
    const rows = this.db.prepare('SELECT * FROM jobs ORDER BY started_at DESC LIMIT ?').all(limit) as JobRow[];
    return rows.map((r) => this.running.get(r.id)?.job ?? fromRow(r)).map((j) => ({ ...j }));
  }

  /** Whether any job is still running (an idle lock waits for it). */
  busy(): boolean {
    return this.running.size > 0;
  }

  /** Cancels everything still running and waits for it to settle (on shutdown). */
  async shutdown(): Promise<void> {
    const pending = [...this.running.values()];
    for (const e of pending) e.controller.abort();
    await Promise.all(pending.map((e) => e.finished));
  }

  private report(entry: Running, done: number, total: number | null, message?: string) {
    const { job } = entry;
    job.progress = { ...job.progress, done, total, message: message ?? job.progress.message };
    const elapsed = (Date.now() - entry.startedMs) / 1000;
    job.rate = elapsed > 0.2 && done > 0 ? done / elapsed : null;
    job.etaMs = job.rate && total !== null ? Math.max(0, ((total - done) / job.rate) * 1000) : null;
    const now = Date.now();
    if (now - entry.lastEmit >= PROGRESS_INTERVAL_MS || (total !== null && done >= total)) {
      entry.lastEmit = now;
      this.events.emit('jobs.progress', { ...job });
    }
    if (now - entry.lastPersist >= PROGRESS_PERSIST_MS) {
      entry.lastPersist = now;
      try {
        this.db.prepare('UPDATE jobs SET progress = ? WHERE id = ?').run(JSON.stringify(job.progress), job.id);
      } catch (e) {
        // Only other processes read this copy; a busy database must not fail the job itself.
        console.error(`[jobs] progress of ${job.id} not saved:`, (e as Error).message);
      }
    }
  }

  private finish(entry: Running, state: Job['state'], error: Job['error'], result: unknown): Job {
    const { job } = entry;
    job.state = state;
    job.error = error;
    job.result = result ?? null;
    job.finishedAt = nowIso();
    // Rate and ETA describe running work only; a finished job reads the same live or from disk.
    job.rate = null;
    job.etaMs = null;
    this.db
      .prepare('UPDATE jobs SET state = ?, progress = ?, error = ?, result = ?, finished_at = ? WHERE id = ?')
      .run(
        job.state,
        JSON.stringify(job.progress),
        error ? JSON.stringify(error) : null,
        result === null || result === undefined ? null : JSON.stringify(result),
        job.finishedAt,
        job.id,
      );
    this.running.delete(job.id);
    const final = { ...job };
    this.events.emit('jobs.finished', final);
    return final;
  }
}

interface JobRow {
  id: string;
  kind: string;
  title: string;
  state: string;
  progress: string;
  error: string | null;
  result: string | null;
  started_at: string;
  finished_at: string | null;
}

function fromRow(r: JobRow): Job {
  return {
    id: r.id,
    kind: r.kind as Job['kind'],
    title: r.title,
    state: r.state as Job['state'],
    progress: JSON.parse(r.progress) as Job['progress'],
    rate: null,
    etaMs: null,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    error: r.error ? (JSON.parse(r.error) as Job['error']) : null,
    result: r.result ? (JSON.parse(r.result) as unknown) : null,
  };
}
