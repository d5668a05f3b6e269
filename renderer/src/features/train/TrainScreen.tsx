import { FlaskConical, Play, RotateCcw } from 'lucide-react';
import { useEffect, useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import type { Snapshot } from '../../../../electron/shared/curation';
import type { EvaluationResult } from '../../../../electron/shared/inference';
import type { ModelInfo } from '../../../../electron/shared/models';
import { LORA_TARGETS, TrainingSettings, type Adapter, type TrainingRunInfo } from '../../../../electron/shared/training';
import { client } from '../../api';
import { JobProgress } from '../../components/JobProgress';
import { Button, EmptyState, Field, PageHeader, formatTime, shortHash, errorMessage, FormError } from '../../components/ui';
import { useApp } from '../../store/app';
import { useDatanets } from '../../store/datanets';
import { useFollowedJob, useReloadWhenJobsSettle } from '../../store/jobs';
import { useTraining } from '../../store/training';
import { PublishOnChain } from '../network/PublishOnChain';

const DEFAULTS = TrainingSettings.parse({});

/** Fine-tune a LoRA adapter on a snapshot: settings, a live run with loss and ETA, runs and adapters. */
export function TrainScreen() {
  const datanets = useDatanets((s) => s.datanets);
  const { runs, adapters, load } = useTraining();
  const [datanetId, setDatanetId] = useState('');
  const [snapshots, setSnapshots] = useState<Snapshot[]>([]);
  const [snapshotId, setSnapshotId] = useState('');
  const [modelPath, setModelPath] = useState('');
  const [models, setModels] = useState<ModelInfo[]>([]);
  const [modelId, setModelId] = useState('');
  const [settings, setSettings] = useState(DEFAULTS);
  const [error, setError] = useState<string | null>(null);
  // The run's card survives leaving the screen and reloading; runs and adapters follow its end.
  const [job, followJob] = useFollowedJob('train', 'training.run');
  useReloadWhenJobsSettle(['training.run'], () => void load());

  useEffect(() => {
    void load();
    void client?.call('models.list', {}).then((r) => {
      setModels(r.items);
      if (r.items[0]) setModelId(r.items[0].id);
    });
  }, [load]);

  const pickDatanet = async (id: string) => {
    setDatanetId(id);
    setSnapshotId('');
    const items = id ? (await client!.call('datanets.listSnapshots', { datanetId: id })).items : [];
    setSnapshots(items);
    if (items[0]) setSnapshotId(items[0].id);
  };

  const start = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const model = modelId ? { modelId } : { modelPath: modelPath.trim() };
      const r = await client!.call('training.start', { ...model, snapshotId, settings });
      followJob(r.jobId);
      void load();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  const resume = async (runId: string) => {
    try {
      followJob((await client!.call('training.resume', { runId })).jobId);
      void load();
    } catch (err) {
      toast.error(errorMessage(err));
    }
  };
  const set = <K extends keyof typeof settings>(k: K, v: (typeof settings)[K]) => setSettings({ ...settings, [k]: v });
  const numberField = (label: string, k: 'rank' | 'alpha' | 'learningRate' | 'epochs' | 'seqLen', step = 1) => (
    <Field label={label}>
      <input type="number" step={step} value={settings[k]} onChange={(e) => set(k, Number(e.target.value))} />
    </Field>
  );
  // While one run trains, its row shows the live step rather than the last one written down.
  const liveRun = job?.state === 'running' && runs.filter((r) => r.state === 'running').length === 1 ? job : undefined;

  return (
    <div className="page">
      <PageHeader title="Train" subtitle="Fine-tune a base model with LoRA on a snapshot, on this machine." />
      <section className="card">
        <h2>New training run</h2>
        <form className="form" onSubmit={(e) => void start(e)}>
          <div className="form-row">
            <Field label="Datanet">
              <select aria-label="Datanet" value={datanetId} onChange={(e) => void pickDatanet(e.target.value)}>
                <option value="">Choose a datanet…</option>
                {datanets.map((d) => (
                  <option key={d.id} value={d.id}>
                    {d.name}
                  </option>
                ))}
              </select>
            </Field>
            <Field label="Snapshot" hint={datanetId && snapshots.length === 0 ? 'This datanet has no snapshot yet: take one in its Snapshots tab.' : 'Training reads only the frozen, approved records.'}>
              <select aria-label="Snapshot" value={snapshotId} onChange={(e) => setSnapshotId(e.target.value)} disabled={!snapshots.length}>
                {snapshots.map((s) => (
                  <option key={s.id} value={s.id}>
                    v{s.version} · {s.recordCount} records · {shortHash(s.root)}
                  </option>
                ))}
              </select>
            </Field>
          </div>
          <div className="form-row">
            <Field label="Base model" hint="Llama, Mistral, SmolLM, Qwen2/2.5/3, DeepSeek-R1-Distill-Qwen. A quantized model (Q4_K, Q4_0, Q8_0) trains as QLoRA.">
              <select aria-label="Base model" value={modelId} onChange={(e) => setModelId(e.target.value)}>
                {models.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.name} · {m.architecture} · {m.quantization}
                  </option>
                ))}
                <option value="">A GGUF file path…</option>
              </select>
            </Field>
            {modelId ? null : (
              <Field label="GGUF file on this machine">
                <input name="model" value={modelPath} onChange={(e) => setModelPath(e.target.value)} placeholder="/home/you/models/SmolLM2-135M-Instruct.Q8_0.gguf" spellCheck={false} />
              </Field>
            )}
            <Field label="Compute on" hint="CUDA runs on the first NVIDIA GPU through node-llama-cpp's CUDA backend (a driver and the CUDA 13 runtime are needed); where there is none, the run stops and says why.">
              <select aria-label="Compute on" value={settings.device} onChange={(e) => set('device', e.target.value === 'cuda' ? 'cuda' : 'cpu')}>
                <option value="cpu">CPU</option>
                <option value="cuda">NVIDIA GPU (CUDA)</option>
              </select>
            </Field>
          </div>
          <div className="settings-grid">
            {numberField('Rank', 'rank')}
            {numberField('Alpha', 'alpha')}
            {numberField('Learning rate', 'learningRate', 0.0001)}
            {numberField('Epochs', 'epochs')}
            {numberField('Sequence length', 'seqLen', 16)}
          </div>
          <fieldset className="targets">
            <legend>Adapt these projections</legend>
            {LORA_TARGETS.map((t) => (
              <label key={t}>
                <input
                  type="checkbox"
                  checked={settings.targets.includes(t)}
                  onChange={(e) => set('targets', e.target.checked ? [...settings.targets, t] : settings.targets.filter((x) => x !== t))}
                />{' '}
                {t}
              </label>
            ))}
          </fieldset>
          <FormError error={error} />
          <div className="form-actions">
            <Button variant="primary" type="submit" disabled={!snapshotId || (!modelId && !modelPath.trim()) || job?.state === 'running'}>
              <Play size={14} /> Start training
            </Button>
          </div>
        </form>
        {job ? <JobProgress job={job} /> : null}
      </section>
      <section className="card">
        <h2>Adapters</h2>
        {adapters.length === 0 ? (
          <EmptyState icon={<FlaskConical size={24} />} title="No adapters yet">
            <p>A finished run registers its adapter here with the snapshot root, base model hash and held-out loss before and after.</p>
          </EmptyState>
        ) : (
          <table className="table compact" data-testid="adapters-table">
            <thead>
              <tr>
                <th>Adapter</th>
                <th>Held-out loss</th>
                <th className="num">Steps</th>
                <th>Snapshot root</th>
                <th>sha256</th>
                <th>Created</th>
                <th>Held-out evaluation (base → adapter)</th>
                <th>On chain</th>
              </tr>
            </thead>
            <tbody>
              {adapters.map((a) => (
                <tr key={a.id}>
                  <td className="mono">{a.id}</td>
                  <td>
                    {a.metrics.initialEvalLoss?.toFixed(3) ?? '—'} → <strong>{a.metrics.finalEvalLoss?.toFixed(3) ?? '—'}</strong>
                  </td>
                  <td className="num">{a.metrics.steps}</td>
                  <td className="mono muted">{shortHash(a.snapshotRoot)}</td>
                  <td className="mono muted">{shortHash(`0x${a.sha256}`)}</td>
                  <td>{formatTime(a.createdAt)}</td>
                  <td>
                    <AdapterEvaluation adapter={a} />
                  </td>
                  <td>
                    <PublishOnChain kind="adapter" subject={a.id} name={`Adapter ${a.id}`} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {runs.length ? (
        <section className="card">
          <h2>Runs</h2>
          <table className="table compact">
            <thead>
              <tr>
                <th>Run</th>
                <th>State</th>
                <th className="num">Step</th>
                <th>Started</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => (
                <tr key={r.id}>
                  <td className="mono">{r.id}</td>
                  <td>
                    <span className={`badge job-badge-${r.state}`}>{r.state}</span>
                    {r.error ? <span className="muted small"> {r.error}</span> : null}
                  </td>
                  <td className="num" data-testid={`run-step-${r.id}`}>
                    {r.state === 'running' && liveRun ? liveRun.progress.done : r.step}/{(r.state === 'running' ? liveRun?.progress.total : null) ?? r.totalSteps ?? '?'}
                  </td>
                  <td>{formatTime(r.startedAt)}</td>
                  <td>
                    {r.state === 'cancelled' || r.state === 'interrupted' || r.state === 'failed' ? (
                      <>
                        <span className="muted small" data-testid={`resume-from-${r.id}`}>
                          {resumeNote(r)}{' '}
                        </span>
                        <Button variant="ghost" onClick={() => void resume(r.id)}>
                          <RotateCcw size={13} /> Resume
                        </Button>
                      </>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
    </div>
  );
}

/**
 * Where a resume picks up. A cancel writes a checkpoint at the step it stopped; a crash keeps only
 * the last periodic one (every `checkpointEvery` steps), so the step shown may be ahead of it.
 */
function resumeNote(r: TrainingRunInfo): string {
  const every = r.settings.checkpointEvery;
  if (r.state === 'cancelled') return `continues at step ${r.step + 1}`;
  return `continues from the last checkpoint (one every ${every} step${every === 1 ? '' : 's'}; at most ${every} steps redone)`;
}

/** Runs the held-out evaluation of an adapter and of its base, and shows them side by side. */
function AdapterEvaluation({ adapter }: { adapter: Adapter }) {
  const jobs = useApp((s) => s.jobs);
  const [ids, setIds] = useState<{ base: string; adapter: string } | null>(null);
  const run = async () => {
    try {
      const common = { snapshotId: adapter.snapshotId };
      const tuned = await client!.call('inference.evaluate', { ...common, adapterId: adapter.id });
      // The base on the same split: the adapter at scale 0 is exactly its base model.
      const base = await client!.call('inference.evaluate', { ...common, adapterId: adapter.id, adapterScale: 0 });
      setIds({ base: base.jobId, adapter: tuned.jobId });
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };
  const base = ids ? jobs[ids.base] : undefined;
  const tuned = ids ? jobs[ids.adapter] : undefined;
  if (!ids) {
    return (
      <Button variant="ghost" onClick={() => void run()}>
        Evaluate
      </Button>
    );
  }
  if (base?.state !== 'succeeded' || tuned?.state !== 'succeeded') {
    const failed = [base, tuned].find((j) => j && j.state !== 'running' && j.state !== 'succeeded');
    return <span className="muted small">{failed ? `failed: ${failed.error?.message}` : 'evaluating…'}</span>;
  }
  const b = base.result as EvaluationResult;
  const t = tuned.result as EvaluationResult;
  const pct = (x: number | null) => (x === null ? '—' : `${Math.round(x * 100)}%`);
  return (
    <span className="small" data-testid="evaluation">
      perplexity {b.perplexity.toFixed(1)} → <strong>{t.perplexity.toFixed(2)}</strong> · exact {pct(b.exactMatch)} → {pct(t.exactMatch)} · contains {pct(b.containsAnswer)} → {pct(t.containsAnswer)}
    </span>
  );
}
