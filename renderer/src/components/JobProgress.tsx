import type { Job } from '../../../electron/shared/jobs';
import { client } from '../api';
import { Button } from './ui';

export function formatEta(ms: number | null): string {
  if (ms === null) return 'estimating…';
  const s = Math.round(ms / 1000);
  if (s < 1) return 'almost done';
  if (s < 60) return `${s}s left`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m ${s % 60}s left` : `${Math.floor(m / 60)}h ${m % 60}m left`;
}

/** Slow work (a training step a second) keeps its decimals: rounding said "0 steps/s". */
export function formatRate(perSecond: number): string {
  if (perSecond >= 10) return Math.round(perSecond).toLocaleString();
  return perSecond >= 1 ? perSecond.toFixed(1) : perSecond.toPrecision(2);
}

/** A job's progress bar with counts, rate, ETA and a cancel button while it runs. */
export function JobProgress({ job }: { job: Job }) {
  const { done, total, unit, message } = job.progress;
  const frac = total ? Math.min(1, done / total) : null;
  const running = job.state === 'running';
  return (
    <div className={`job job-${job.state}`} data-testid="job-progress">
      <div className="job-row">
        <span className="job-title">{job.title}</span>
        <span className="job-state">{running ? (frac === null ? 'starting…' : `${Math.round(frac * 100)}%`) : job.state}</span>
      </div>
      <div
        className="progress"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={total ?? undefined}
        aria-valuenow={done}
        aria-label={job.title}
      >
        <div className="progress-fill" style={{ width: `${(frac ?? (running ? 0.05 : 1)) * 100}%` }} />
      </div>
      <div className="job-row job-meta">
        <span>
          {done.toLocaleString()}
          {total !== null ? ` / ${total.toLocaleString()}` : ''} {unit}
          {job.rate ? ` · ${formatRate(job.rate)} ${unit}/s` : ''}
          {running ? ` · ${formatEta(job.etaMs)}` : ''}
        </span>
        {running && client ? (
          <Button variant="ghost" onClick={() => void client!.call('jobs.cancel', { jobId: job.id })}>
            Cancel
          </Button>
        ) : null}
      </div>
      {message ? <div className="job-message">{message}</div> : null}
      {job.error && job.state === 'failed' ? <div className="job-error">{job.error.message}</div> : null}
    </div>
  );
}
