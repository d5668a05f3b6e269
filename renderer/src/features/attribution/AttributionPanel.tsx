import { Fingerprint, X } from 'lucide-react';
import type { Attribution } from '../../../../electron/shared/attribution';
import { JobProgress } from '../../components/JobProgress';
import { useApp } from '../../store/app';
import { AttributionView } from './AttributionView';

/** What the panel shows: a running attribution job, or an attribution already at hand. */
export type AttributionSource = { jobId: string } | { attribution: Attribution };

/** A side panel beside the answers (or receipts): the job while it runs, then the attribution. */
export function AttributionPanel({ source, onClose }: { source: AttributionSource; onClose(): void }) {
  const job = useApp((s) => ('jobId' in source ? s.jobs[source.jobId] : undefined));
  const attribution = 'attribution' in source ? source.attribution : job?.state === 'succeeded' ? (job.result as Attribution) : null;
  return (
    <aside className="attribution-side" aria-label="Attribution" data-testid="attribution-panel">
      <div className="attribution-side-head">
        <h2>
          <Fingerprint size={14} aria-hidden /> Attribution
        </h2>
        <button type="button" className="icon-btn" aria-label="Close attribution" onClick={onClose}>
          <X size={16} />
        </button>
      </div>
      {attribution ? (
        <AttributionView attribution={attribution} />
      ) : job ? (
        <JobProgress job={job} />
      ) : (
        <div className="muted">Starting…</div>
      )}
    </aside>
  );
}
