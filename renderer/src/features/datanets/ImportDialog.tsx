import { FileUp } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import type { Output } from '../../../../electron/shared/contract';
import type { ImportSummary } from '../../../../electron/shared/curation';
import { client } from '../../api';
import { JobProgress } from '../../components/JobProgress';
import { Button, Dialog, Field, errorMessage, FormError } from '../../components/ui';
import { useApp } from '../../store/app';

type Preview = Output<'datanets.previewFile'>;

const MAPPABLE = ['instruction', 'input', 'response', 'text', 'contributor', 'license'] as const;

/**
 * The import wizard: a file on this machine → a preview (format, a few rows, CSV columns mapped to
 * record fields) → the import as a job with progress, cancel and a report of every rejected row.
 */
export function ImportDialog({ datanetId, onOpenChange }: { datanetId: string; onOpenChange(o: boolean): void }) {
  const [path, setPath] = useState('');
  const [preview, setPreview] = useState<Preview | null>(null);
  const [mapping, setMapping] = useState<Record<string, string>>({});
  const [license, setLicense] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const job = useApp((s) => (jobId ? s.jobs[jobId] : undefined));

  const loadPreview = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const p = await client!.call('datanets.previewFile', { path: path.trim() });
      setPreview(p);
      setMapping(p.suggestedMapping ?? {});
    } catch (err) {
      setPreview(null);
      setError(errorMessage(err));
    }
  };

  const start = async () => {
    setError(null);
    try {
      const chosen = Object.fromEntries(Object.entries(mapping).filter(([, v]) => v));
      const { jobId } = await client!.call('datanets.importFile', {
        datanetId,
        path: path.trim(),
        format: preview?.format,
        mapping: preview?.format === 'csv' ? (chosen as never) : undefined,
        license: license.trim() || undefined,
      });
      setJobId(jobId);
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  const result = job?.state === 'succeeded' ? (job.result as ImportSummary) : null;
  return (
    <Dialog open onOpenChange={onOpenChange} title="Import a file" width={720} description="JSONL (OpenAI chat, Alpaca, ShareGPT, text), CSV, TXT, Markdown, PDF or DOCX. The file is read where it is; nothing is uploaded anywhere.">
      {!jobId ? (
        <form className="form" onSubmit={(e) => void loadPreview(e)}>
          <div className="form-row-wide">
            <Field label="File path on this machine">
              <input name="path" value={path} onChange={(e) => setPath(e.target.value)} placeholder="/home/you/data/notes.jsonl" spellCheck={false} autoFocus />
            </Field>
            <Button type="submit" disabled={!path.trim()}>
              Preview
            </Button>
          </div>
          {preview ? (
            <div className="preview" data-testid="import-preview">
              <div className="muted">
                {preview.fileName} · {preview.format.toUpperCase()} · {(preview.bytes / 1024).toFixed(1)} KB
              </div>
              {preview.columns ? (
                <div className="mapping">
                  {MAPPABLE.map((field) => (
                    <label key={field} className="mapping-row">
                      <span>{field}</span>
                      <select aria-label={`Column for ${field}`} value={mapping[field] ?? ''} onChange={(e) => setMapping({ ...mapping, [field]: e.target.value })}>
                        <option value="">—</option>
                        {preview.columns!.map((c) => (
                          <option key={c} value={c}>
                            {c}
                          </option>
                        ))}
                      </select>
                    </label>
                  ))}
                </div>
              ) : null}
              <pre className="sample">{preview.sample.map((s) => JSON.stringify(s)).join('\n')}</pre>
              <Field label="License for rows that name none" hint="e.g. CC-BY-4.0; empty means unspecified">
                <input name="license" value={license} onChange={(e) => setLicense(e.target.value)} />
              </Field>
            </div>
          ) : null}
          <FormError error={error} />
          <div className="form-actions">
            <Button onClick={() => onOpenChange(false)}>Cancel</Button>
            <Button variant="primary" disabled={!preview} onClick={() => void start()}>
              <FileUp size={14} /> Import
            </Button>
          </div>
        </form>
      ) : (
        <div className="form">
          {job ? <JobProgress job={job} /> : <div className="muted">Starting…</div>}
          {result ? (
            <div className="notice notice-ok" data-testid="import-result">
              Imported {result.rowsImported.toLocaleString()} of {result.rowsSeen.toLocaleString()} rows · {result.rowsRejected} rejected ·{' '}
              {result.nearDuplicates} near-duplicates flagged · {result.piiRecords} with PII
            </div>
          ) : null}
          {result && result.problems.length ? (
            <div className="problems">
              <table className="table compact">
                <thead>
                  <tr>
                    <th className="num">Row</th>
                    <th>Field</th>
                    <th>Problem</th>
                  </tr>
                </thead>
                <tbody>
                  {result.problems.slice(0, 200).map((p, i) => (
                    <tr key={i}>
                      <td className="num">{p.row}</td>
                      <td className="mono">{p.field ?? '—'}</td>
                      <td>{p.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
          <div className="form-actions">
            <Button variant={job && job.state !== 'running' ? 'primary' : 'secondary'} onClick={() => onOpenChange(false)}>
              {job?.state === 'running' ? 'Hide (keeps running)' : 'Done'}
            </Button>
          </div>
        </div>
      )}
    </Dialog>
  );
}
