import { useState } from 'react';
import type { AuditVerification } from '../../../../electron/shared/audit';
import { client } from '../../api';
import { JobProgress } from '../../components/JobProgress';
import { Button, Field, FormError, errorMessage } from '../../components/ui';
import { useFollowedJob } from '../../store/jobs';

/** Writes the whole log, its hash rule and its verification to a file for a compliance officer. */
export function AuditExportForm() {
  const [path, setPath] = useState('');
  const [job, followJob] = useFollowedJob('audit-export', 'audit.export');
  const [error, setError] = useState<string | null>(null);
  const done = job?.state === 'succeeded' ? (job.result as { path: string; entries: number; verification: AuditVerification }) : null;
  const start = async () => {
    setError(null);
    try {
      followJob((await client!.call('audit.export', { path: path.trim() })).jobId);
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <div className="audit-export">
      <div className="form-row">
        <Field label="Export file" hint="A new JSON file: every entry, how each hash is made, and this verification. `audit verify-export` checks it without the app's database.">
          <input value={path} onChange={(e) => setPath(e.target.value)} placeholder="/media/compliance/audit-2026-12.json" spellCheck={false} />
        </Field>
      </div>
      <FormError error={error ?? (job?.state === 'failed' ? job.error?.message : null)} />
      <div className="form-actions">
        <Button disabled={!path.trim() || job?.state === 'running'} onClick={() => void start()}>
          Export audit log
        </Button>
      </div>
      {job && !done ? <JobProgress job={job} /> : null}
      {done ? (
        <div className={done.verification.ok ? 'notice notice-ok' : 'notice notice-bad'} data-testid="audit-export-result">
          {`Exported ${done.entries.toLocaleString()} entries to ${done.path}; ${done.verification.ok ? 'chain intact' : `broken at entry ${done.verification.firstBad?.seq}`}`}
        </div>
      ) : null}
    </div>
  );
}
