import { ShieldCheck } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import { toast } from 'sonner';
import type { AuditEntry, AuditVerification } from '../../../../electron/shared/audit';
import type { ServingStatus, UsageRow } from '../../../../electron/shared/serving';
import { client } from '../../api';
import { JobProgress } from '../../components/JobProgress';
import { Button, PageHeader, errorMessage, formatTime, shortHash } from '../../components/ui';
import { useApp } from '../../store/app';
import { useFollowedJob } from '../../store/jobs';
import { BackupCard } from './BackupCard';
import { EncryptionCard } from './EncryptionCard';
import { AuditExportForm } from './AuditExport';
import { TeamAccountsCard } from './TeamAccountsCard';
import { useMay } from '../team/access';

export function SettingsScreen() {
  const { info, theme, setTheme } = useApp();
  // A team reviewer sees the audit log and appearance; the rest is the owner's.
  const may = useMay();
  const [entries, setEntries] = useState<{ items: AuditEntry[]; total: number } | null>(null);
  const [verifyJob, followVerifyJob] = useFollowedJob('audit-verify', 'audit.verifyChain');
  // The outcome is announced once, when the check ends while the screen is open, not at every visit after.
  const verifyWasRunning = useRef(false);

  useEffect(() => {
    let live = true;
    void client?.call('audit.listEntries', { offset: 0, limit: 25 }).then((page) => {
      if (live) setEntries(page);
    });
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    if (verifyJob?.state === 'running') verifyWasRunning.current = true;
    else if (verifyJob?.state === 'succeeded' && verifyWasRunning.current) {
      verifyWasRunning.current = false;
      const r = verifyJob.result as AuditVerification;
      if (r.ok) toast.success(`Audit log intact: ${r.checked.toLocaleString()} entries`);
      else toast.error(`Audit log broken at entry ${r.firstBad?.seq}: ${r.firstBad?.reason}`);
    }
  }, [verifyJob?.state, verifyJob?.result]);

  const verify = async () => {
    const { jobId } = await client!.call('audit.verifyChain', {});
    verifyWasRunning.current = true;
    followVerifyJob(jobId);
  };
  const result = verifyJob?.state === 'succeeded' ? (verifyJob.result as AuditVerification) : null;

  return (
    <div className="page">
      <PageHeader title="Settings" subtitle="This workspace, the app's appearance, and the audit log." />
      <section className="card">
        <h2>Workspace</h2>
        <dl className="meta">
          <dt>Folder</dt>
          <dd className="mono">{info?.workspace}</dd>
          <dt>Database schema</dt>
          <dd>version {info?.schemaVersion}</dd>
          <dt>App</dt>
          <dd>
            {info?.name} {info?.version} ({info?.host === 'desktop' ? 'desktop app' : 'serve mode, in a browser'})
          </dd>
          <dt>Network</dt>
          <dd>{info?.network.description}</dd>
          <dt>Name detection</dt>
          <dd data-testid="name-detection">
            {info?.nameDetection.mode === 'model' ? 'local NER model' : info?.nameDetection.mode === 'heuristic' ? 'heuristic only' : 'off'} — {info?.nameDetection.note}
          </dd>
        </dl>
      </section>
      {may('vault.lock') ? <EncryptionCard /> : null}
      {may('serving.start') ? <LocalApiCard /> : null}
      {may('backup.create') ? <BackupCard /> : null}
      {may('team.listUsers') ? <TeamAccountsCard /> : null}
      <section className="card">
        <h2>Appearance</h2>
        <div className="segmented" role="group" aria-label="Theme">
          {(['light', 'dark'] as const).map((t) => (
            <button key={t} type="button" data-state={theme === t ? 'active' : 'inactive'} onClick={() => setTheme(t)}>
              {t === 'light' ? 'Light' : 'Dark'}
            </button>
          ))}
        </div>
      </section>
      <section className="card">
        <div className="card-head">
          <h2>Audit log</h2>
          {may('audit.verifyChain') ? (
            <Button onClick={() => void verify()} disabled={verifyJob?.state === 'running'}>
              <ShieldCheck size={14} /> Verify audit log
            </Button>
          ) : null}
        </div>
        <p className="muted">
          Every change to your data is written here, and each entry commits to the one before it by hash, so an edit or deletion
          anywhere in the history is detected.
        </p>
        {may('audit.export') ? <AuditExportForm /> : null}
        {verifyJob ? <JobProgress job={verifyJob} /> : null}
        {result ? (
          <div className={result.ok ? 'notice notice-ok' : 'notice notice-bad'} data-testid="audit-result">
            {result.ok
              ? `Intact: ${result.checked.toLocaleString()} entries verified; head ${shortHash(result.headHash)}`
              : `Broken at entry ${result.firstBad?.seq}: ${result.firstBad?.reason}`}
          </div>
        ) : null}
        {entries ? (
          <table className="table compact">
            <thead>
              <tr>
                <th className="num">#</th>
                <th>When</th>
                <th>Action</th>
                <th>Subject</th>
                <th>Hash</th>
              </tr>
            </thead>
            <tbody>
              {entries.items.map((e) => (
                <tr key={e.seq}>
                  <td className="num">{e.seq}</td>
                  <td>{formatTime(e.at)}</td>
                  <td>{e.action}</td>
                  <td className="mono muted">{e.subject}</td>
                  <td className="mono muted">{shortHash(e.hash)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        {entries && entries.total > entries.items.length ? (
          <div className="muted small">Newest {entries.items.length} of {entries.total.toLocaleString()} entries.</div>
        ) : null}
      </section>
    </div>
  );
}

/** The OpenAI-compatible API: start and stop it, see its address, key and usage. */
function LocalApiCard() {
  const [status, setStatus] = useState<ServingStatus | null>(null);
  const [usage, setUsage] = useState<UsageRow[]>([]);
  useEffect(() => {
    void client?.call('serving.status', {}).then(setStatus);
    void client?.call('serving.usage', {}).then((r) => setUsage(r.items));
  }, []);
  const toggle = async () => {
    try {
      setStatus(status?.running ? await client!.call('serving.stop', {}) : await client!.call('serving.start', {}));
      setUsage((await client!.call('serving.usage', {})).items);
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };
  return (
    <section className="card">
      <div className="card-head">
        <h2>Local API (OpenAI-compatible)</h2>
        <Button onClick={() => void toggle()}>{status?.running ? 'Stop API' : 'Start API'}</Button>
      </div>
      <p className="muted">Other tools on this machine can use your models and adapters through it. It listens on 127.0.0.1 only and needs the key.</p>
      {status?.running ? (
        <dl className="meta" data-testid="api-status">
          <dt>Base URL</dt>
          <dd className="mono">{status.url}/v1</dd>
          <dt>API key</dt>
          <dd className="mono">{status.token}</dd>
        </dl>
      ) : null}
      {usage.length ? (
        <table className="table compact">
          <thead>
            <tr>
              <th>Day</th>
              <th>Model</th>
              <th className="num">Requests</th>
              <th className="num">Prompt tokens</th>
              <th className="num">Completion tokens</th>
            </tr>
          </thead>
          <tbody>
            {usage.map((u) => (
              <tr key={`${u.day}-${u.model}`}>
                <td>{u.day}</td>
                <td className="mono">{u.model}</td>
                <td className="num">{u.requests}</td>
                <td className="num">{u.promptTokens}</td>
                <td className="num">{u.completionTokens}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
