import { useState } from 'react';
import type { BackupReport } from '../../../../electron/shared/backup';
import { client } from '../../api';
import { JobProgress } from '../../components/JobProgress';
import { Button, Field, FormError, errorMessage, shortHash } from '../../components/ui';
import { useFollowedJob } from '../../store/jobs';

/** Back up the workspace to a folder, or check an existing backup; restoring is a CLI step with the app closed. */
export function BackupCard() {
  const [folder, setFolder] = useState('');
  const [job, followJob] = useFollowedJob('backup', ['backup.create', 'backup.verify']);
  const [error, setError] = useState<string | null>(null);
  const report = job?.state === 'succeeded' ? (job.result as BackupReport) : null;

  const start = async (method: 'backup.create' | 'backup.verify') => {
    setError(null);
    try {
      const { jobId } = method === 'backup.create'
        ? await client!.call('backup.create', { destination: folder.trim() })
        : await client!.call('backup.verify', { path: folder.trim() });
      followJob(jobId);
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  const busy = job?.state === 'running';
  return (
    <section className="card">
      <h2>Backups</h2>
      <p className="muted">
        A backup is a folder holding a consistent copy of the database and every workspace file, each with its sha256, checked
        (integrity, audit chain, hashes) before it is final. It can be taken while you work. To restore, close the app and run{' '}
        <span className="mono">backup restore &lt;folder&gt;</span> from the CLI.
      </p>
      <div className="form-row">
        <Field label="Backup folder" hint="A new or empty folder, best on another disk.">
          <input value={folder} onChange={(e) => setFolder(e.target.value)} placeholder="/media/backup/datanet-2026-12-04" spellCheck={false} />
        </Field>
      </div>
      <FormError error={error ?? (job?.state === 'failed' ? job.error?.message : null)} />
      <div className="form-actions">
        <Button variant="primary" disabled={!folder.trim() || busy} onClick={() => void start('backup.create')}>
          Back up now
        </Button>
        <Button disabled={!folder.trim() || busy} onClick={() => void start('backup.verify')}>
          Verify a backup
        </Button>
      </div>
      {job ? <JobProgress job={job} /> : null}
      {report ? (
        <div className={report.ok ? 'notice notice-ok' : 'notice notice-bad'} data-testid="backup-result">
          {report.ok && report.manifest
            ? `Verified: ${report.manifest.counts.records.toLocaleString()} records, ${report.manifest.counts.snapshots} snapshots, ${report.manifest.counts.adapters} adapters and ${report.manifest.files.length} files; audit head ${shortHash(report.manifest.audit.headHash)}`
            : `Not verified: ${report.problems.join('; ')}`}
          {report.externalProblems.length ? ` Referenced models: ${report.externalProblems.join('; ')}` : ''}
        </div>
      ) : null}
    </section>
  );
}
