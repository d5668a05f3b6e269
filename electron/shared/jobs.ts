import { z } from 'zod';
import { ErrorInfo } from './errors';
import { JobId, Timestamp } from './common';

/** Long work (imports, training, downloads, index builds) runs as a job: id now, progress events, cancel. */
export const JOB_KINDS = ['audit.verifyChain', 'datanets.importFile', 'datanets.undoImport', 'training.run', 'models.import', 'models.download', 'inference.chat', 'inference.evaluate', 'attribution.buildIndex', 'attribution.attribute', 'chain.startDevnet', 'chain.transaction', 'rewards.closeEpoch', 'rewards.claim', 'demo.run', 'backup.create', 'backup.verify', 'audit.export'] as const;
export const JobKind = z.enum(JOB_KINDS);
export type JobKind = z.infer<typeof JobKind>;

export const JobState = z.enum(['running', 'succeeded', 'failed', 'cancelled', 'interrupted']);
export type JobState = z.infer<typeof JobState>;

export const Job = z.object({
  id: JobId,
  kind: JobKind,
  title: z.string(),
  state: JobState,
  progress: z.object({
    done: z.number(),
    /** null while the amount of work is not known yet. */
    total: z.number().nullable(),
    unit: z.string(),
    message: z.string(),
  }),
  /** Units per second over the run so far, and the estimated time left; null until measurable. */
  rate: z.number().nullable(),
  etaMs: z.number().nullable(),
  startedAt: Timestamp,
  finishedAt: Timestamp.nullable(),
  error: ErrorInfo.nullable(),
  result: z.unknown().nullable(),
});
export type Job = z.infer<typeof Job>;

export const JobRef = z.object({ jobId: JobId });

export const jobMethods = {
  'jobs.list': { input: z.object({}).strict(), output: z.object({ items: z.array(Job) }) },
  'jobs.get': { input: z.object({ jobId: JobId }).strict(), output: Job },
  'jobs.cancel': { input: z.object({ jobId: JobId }).strict(), output: Job },
} as const;

export const jobEvents = {
  'jobs.progress': Job,
  'jobs.finished': Job,
} as const;

