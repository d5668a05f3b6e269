import { Box, Plus, Trash2 } from 'lucide-react';
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import type { Output } from '../../../../electron/shared/contract';
import type { CatalogEntry, ModelInfo } from '../../../../electron/shared/models';
import { client } from '../../api';
import { JobProgress } from '../../components/JobProgress';
import { Button, Dialog, EmptyState, Field, PageHeader, errorMessage, formatTime, FormError } from '../../components/ui';
import { useApp } from '../../store/app';

const gib = (b: number) => (b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(2)} GiB` : `${(b / 2 ** 20).toFixed(1)} MiB`);
const params = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)}B` : `${(n / 1e6).toFixed(1)}M`);

/** Base models on this machine: added from a GGUF file (validated and hashed), inspected, removed. */
export function ModelsScreen() {
  const [models, setModels] = useState<ModelInfo[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const load = useCallback(() => void client?.call('models.list', {}).then((r) => setModels(r.items)), []);
  useEffect(load, [load]);
  const m = models.find((x) => x.id === selected) ?? null;
  const remove = async (model: ModelInfo) => {
    try {
      const r = await client!.call('models.delete', { id: model.id });
      toast.success(`Removed ${model.name}${r.fileDeleted ? ' and its copy' : ''}`);
      setSelected(null);
      load();
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };
  const add = (
    <Button variant="primary" onClick={() => setAdding(true)}>
      <Plus size={14} /> Add model
    </Button>
  );
  return (
    <div className="page">
      <PageHeader title="Models" subtitle="Base models (GGUF) on this machine. Downloading from the catalog comes later; add a file you have." actions={models.length ? add : null} />
      {models.length === 0 ? (
        <EmptyState icon={<Box size={28} />} title="No models yet" action={add}>
          <p>Add a GGUF file — SmolLM2, Qwen2.5, Llama 3.2, Mistral or a DeepSeek-R1 distill. It is checked before anything opens it, hashed, and copied into the workspace or used where it is.</p>
        </EmptyState>
      ) : (
        <div className="split">
          <div className="split-main">
            <table className="table" data-testid="models-table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Architecture</th>
                  <th className="num">Parameters</th>
                  <th>Weights</th>
                  <th className="num">Context</th>
                  <th className="num">Size</th>
                </tr>
              </thead>
              <tbody>
                {models.map((x) => (
                  <tr key={x.id} tabIndex={0} className={`clickable${selected === x.id ? ' selected' : ''}`} onClick={() => setSelected(x.id)} onFocus={() => setSelected(x.id)}>
                    <td className="strong">{x.name}</td>
                    <td>{x.architecture}</td>
                    <td className="num">{params(x.parameters)}</td>
                    <td>
                      <span className="badge">{x.quantization}</span>
                    </td>
                    <td className="num">{x.contextLength?.toLocaleString() ?? '?'}</td>
                    <td className="num">{gib(x.sizeBytes)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {m ? (
            <aside className="detail" aria-label="Model detail" data-testid="model-detail">
              <dl className="meta">
                <dt>Model</dt>
                <dd className="mono">{m.id}</dd>
                <dt>File</dt>
                <dd className="mono wrap">{m.file}</dd>
                <dt>Stored</dt>
                <dd>{m.storage === 'copy' ? 'copied into the workspace' : 'used where it is (referenced)'}</dd>
                <dt>sha256</dt>
                <dd className="mono wrap">{m.sha256}</dd>
                <dt>Shape</dt>
                <dd>
                  {m.layers ?? '?'} layers · embedding {m.embeddingLength ?? '?'} · vocabulary {m.vocabularySize?.toLocaleString() ?? '?'}
                </dd>
                <dt>Added</dt>
                <dd>{formatTime(m.createdAt)}</dd>
              </dl>
              <div className="detail-label" style={{ marginTop: 12 }}>
                Chat template
              </div>
              <pre className="sample">{m.chatTemplate ?? 'none in the file: a default template is used'}</pre>
              <div className="detail-actions">
                <Button variant="danger" onClick={() => void remove(m)}>
                  <Trash2 size={13} /> Remove
                </Button>
              </div>
            </aside>
          ) : null}
        </div>
      )}
      <CatalogCard onAdded={load} />
      {adding ? (
        <AddModelDialog
          onClose={() => {
            setAdding(false);
            load();
          }}
        />
      ) : null}
    </div>
  );
}

function AddModelDialog({ onClose }: { onClose(): void }) {
  const [path, setPath] = useState('');
  const [storage, setStorage] = useState<'copy' | 'reference'>('copy');
  const [jobId, setJobId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const job = useApp((s) => (jobId ? s.jobs[jobId] : undefined));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      setJobId((await client!.call('models.import', { path: path.trim(), storage })).jobId);
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <Dialog open onOpenChange={(o) => !o && onClose()} title="Add a model" description="A GGUF file on this machine. It is validated before anything opens it.">
      <form className="form" onSubmit={(e) => void submit(e)}>
        <Field label="GGUF file">
          <input name="path" value={path} onChange={(e) => setPath(e.target.value)} placeholder="/home/you/models/qwen2.5-0.5b-instruct-q8_0.gguf" spellCheck={false} autoFocus />
        </Field>
        <div className="segmented" role="group" aria-label="Storage">
          <button type="button" data-state={storage === 'copy' ? 'active' : 'inactive'} onClick={() => setStorage('copy')}>
            Copy into workspace
          </button>
          <button type="button" data-state={storage === 'reference' ? 'active' : 'inactive'} onClick={() => setStorage('reference')}>
            Use where it is
          </button>
        </div>
        {job ? <JobProgress job={job} /> : null}
        <FormError error={error} />
        <div className="form-actions">
          <Button onClick={onClose}>{job && job.state !== 'running' ? 'Done' : 'Cancel'}</Button>
          <Button variant="primary" type="submit" disabled={!path.trim() || job?.state === 'running'}>
            Add model
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

/** Curated models to download: progress, resume and hash checks come with the download job. */
function CatalogCard({ onAdded }: { onAdded(): void }) {
  const [catalog, setCatalog] = useState<Output<'models.catalog'> | null>(null);
  const [jobIds, setJobIds] = useState<Record<string, string>>({});
  const jobs = useApp((s) => s.jobs);
  useEffect(() => {
    void client?.call('models.catalog', {}).then(setCatalog);
  }, []);
  const download = async (e: CatalogEntry) => {
    try {
      const { jobId } = await client!.call('models.download', { url: e.url, name: e.name, ...(e.sha256 ? { sha256: e.sha256 } : {}), ...(e.sizeBytes ? { sizeBytes: e.sizeBytes } : {}) });
      setJobIds({ ...jobIds, [e.id]: jobId });
    } catch (err) {
      toast.error(errorMessage(err));
    }
  };
  const finished = Object.values(jobIds).filter((id) => jobs[id]?.state === 'succeeded').length;
  useEffect(() => {
    if (finished) onAdded();
  }, [finished, onAdded]);
  if (!catalog) return null;
  return (
    <section className="card" style={{ marginTop: 14 }}>
      <h2>Catalog</h2>
      <p className="muted">{catalog.note} Downloading is the one thing here that uses the network.</p>
      <table className="table compact" data-testid="catalog-table">
        <thead>
          <tr>
            <th>Model</th>
            <th>Parameters</th>
            <th>License</th>
            <th>Checked</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {catalog.models.map((e) => {
            const job = jobIds[e.id] ? jobs[jobIds[e.id]!] : undefined;
            return (
              <tr key={e.id}>
                <td className="strong">{e.name}</td>
                <td>{e.parameters}</td>
                <td>{e.license}</td>
                <td className="muted small">{e.sha256 ? 'size and sha256' : 'not yet verified'}</td>
                <td>{job ? <JobProgress job={job} /> : <Button variant="ghost" onClick={() => void download(e)}>Download</Button>}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
