/**
 * Training as the app runs it: a run trains on a snapshot's frozen records, streams progress as a
 * job, checkpoints as it goes, and on success registers its adapter with its provenance (base model
 * hash, snapshot root, config hash). The trainer module is loaded only when a run starts, so hosts
 * that never train never load node-llama-cpp or the addon.
 */
import { existsSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { TrainingJobManifest, type Adapter, type TrainingRunInfo, type TrainingSettings } from '../../shared/training';
import { AppError } from '../../shared/errors';
import type { Job } from '../../shared/jobs';
import type { AuditLog } from '../audit/log';
import type { Db } from '../db/open';
import type { JobManager } from '../jobs/manager';
import { ownerColumn, recoverOrphans, type WorkRows } from '../jobs/owned-work';
import type { SnapshotStore } from '../datanets/snapshots';
import type { ModelRegistry } from '../models/registry';
import type { WorkspacePaths } from '../workspace/workspace';
import { newId, nowIso } from '../common/ids';
import { snapshotExamples } from './examples';
import { canonicalJson } from '../common/canonical-json';
import { exportTrainingJob } from './cluster-export';
import { convertPeftAdapter, readSmallText } from './peft';
import { checkpointHolder } from './checkpoint-lock';

interface RunRow {
  id: string;
  snapshot_id: string;
  snapshot_root: string;
  model_path: string;
  settings: string;
  checkpoint: string;
  state: TrainingRunInfo['state'];
  step: number;
  total_steps: number | null;
  adapter_id: string | null;
  error: string | null;
  started_at: string;
  finished_at: string | null;
}

interface AdapterRow {
  id: string;
  run_id: string;
  file: string;
  sha256: string;
  base_model_path: string;
  base_model_sha256: string;
  snapshot_id: string;
  snapshot_root: string;
  config_hash: string;
  settings: string;
  metrics: string;
  created_at: string;
}

const toRun = (r: RunRow): TrainingRunInfo => ({
  id: r.id,
  snapshotId: r.snapshot_id,
  snapshotRoot: r.snapshot_root,
  modelPath: r.model_path,
  settings: JSON.parse(r.settings) as TrainingSettings,
  state: r.state,
  step: r.step,
  totalSteps: r.total_steps,
  adapterId: r.adapter_id,
  error: r.error,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

const toAdapter = (r: AdapterRow): Adapter => ({
  id: r.id,
  runId: r.run_id,
  file: r.file,
  sha256: r.sha256,
  baseModelPath: r.base_model_path,
  baseModelSha256: r.base_model_sha256,
  snapshotId: r.snapshot_id,
  snapshotRoot: r.snapshot_root,
  configHash: r.config_hash,
  settings: JSON.parse(r.settings) as TrainingSettings,
  metrics: JSON.parse(r.metrics) as Adapter['metrics'],
  createdAt: r.created_at,
});

export interface TrainingDeps {
  db: Db;
  audit: AuditLog;
  actor: string;
  jobs: JobManager;
  snapshots: SnapshotStore;
  models: ModelRegistry;
  paths: WorkspacePaths;
  /** Called once an adapter is registered (attribution builds its span index then). */
  onAdapter?: (adapter: Adapter) => void;
}

/** Training runs as owned work: a running row names the process training it. */
export const RUN_ROWS: WorkRows = { table: 'training_runs', key: 'id', running: `state = 'running'` };

export class TrainingRuns {
  constructor(private readonly d: TrainingDeps) {
    // Runs the app was in the middle of when it stopped can be resumed from their checkpoint.
    // Only those whose process is gone: a run another process (the CLI beside the app) is training stays running.
    recoverOrphans(d.db, RUN_ROWS, `state = 'interrupted', finished_at = @now`, { now: nowIso() });
  }

  start(input: { modelId?: string; modelPath?: string; snapshotId: string; settings: TrainingSettings }): { jobId: string; runId: string } {
    const snapshot = this.d.snapshots.get(input.snapshotId);
    const modelPath = input.modelId ? this.d.models.get(input.modelId).file : input.modelPath!;
    const id = newId('run');
    this.d.db
      .prepare(
        `INSERT INTO training_runs (id, snapshot_id, snapshot_root, model_path, settings, checkpoint, state, started_at, owner)
         VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?)`,
      )
      .run(id, snapshot.id, snapshot.root, modelPath, JSON.stringify(input.settings), join(this.d.paths.checkpoints, `${id}.gguf`), nowIso(), ownerColumn());
    this.d.audit.append({ actor: this.d.actor, action: 'training.start', subject: id, details: { snapshotId: snapshot.id, snapshotRoot: snapshot.root, settings: input.settings } });
    return { jobId: this.launch(this.getRow(id), false).id, runId: id };
  }

  resume(runId: string): { jobId: string; runId: string } {
    // Checked and claimed in one (write) transaction: of two processes resuming one run at once, the
    // second sees it running; otherwise both would launch, and the loser, refused the checkpoint's
    // lock, would mark the run failed while the winner trains it.
    const row = this.d.db.transaction(() => {
      const r = this.getRow(runId);
      // Whatever the row says, a live process holding the checkpoint's lock is still training this run.
      const holder = r.checkpoint ? checkpointHolder(r.checkpoint) : null;
      if (holder) throw new AppError('CONFLICT', `Run ${runId} is still training in another process (pid ${holder.pid}): wait for it to finish or stop that process before resuming.`);
      if (r.state !== 'cancelled' && r.state !== 'interrupted' && r.state !== 'failed') {
        throw new AppError('CONFLICT', `Run ${runId} is ${r.state}; only a cancelled, interrupted or failed run can be resumed.`);
      }
      this.d.db.prepare(`UPDATE training_runs SET state = 'running', error = NULL, finished_at = NULL, owner = ? WHERE id = ?`).run(ownerColumn(), runId);
      return r;
    })();
    this.d.audit.append({ actor: this.d.actor, action: 'training.resume', subject: runId, details: { fromStep: row.step } });
    return { jobId: this.launch(this.getRow(runId), true).id, runId };
  }

  listRuns(): TrainingRunInfo[] {
    return (this.d.db.prepare('SELECT * FROM training_runs ORDER BY started_at DESC').all() as RunRow[]).map(toRun);
  }

  getAdapter(id: string): Adapter {
    const row = this.d.db.prepare('SELECT * FROM adapters WHERE id = ?').get(id) as AdapterRow | undefined;
    if (!row) throw new AppError('NOT_FOUND', `No adapter with id ${id}.`);
    return toAdapter(row);
  }

  listAdapters(): Adapter[] {
    return (this.d.db.prepare('SELECT * FROM adapters ORDER BY created_at DESC').all() as AdapterRow[]).map(toAdapter);
  }

  /** Writes a training job for a cluster (cluster-export.ts). */
  exportJob(input: { snapshotId: string; modelId: string; settings: TrainingSettings; destination: string; hfModel?: string }) {
    return exportTrainingJob(this.d, input);
  }

  /**
   * Converts a PEFT adapter trained from an exported job and registers it like a local run's
   * adapter: a succeeded run on the manifest's snapshot (no checkpoint, no steps of ours) and its
   * adapter, with the manifest's snapshot root, base model hash and config hash as provenance.
   */
  async importPeft(input: { path: string; modelId: string; manifestPath?: string; outType: 'f32' | 'f16' }) {
    const dir = resolve(input.path);
    const model = this.d.models.get(input.modelId);
    const manifestPath = input.manifestPath ? resolve(input.manifestPath) : ['datanet-manifest.json', 'manifest.json'].map((f) => join(dir, f)).find((f) => existsSync(f));
    if (!manifestPath || !existsSync(manifestPath)) {
      throw new AppError('NOT_FOUND', `No job manifest ${manifestPath ? `at ${manifestPath}` : `in ${dir} (datanet-manifest.json or manifest.json)`}: pass the exported job's manifest.json, which names the snapshot the adapter was trained on.`);
    }
    const manifestText = readSmallText(manifestPath);
    let raw: unknown;
    try {
      raw = JSON.parse(manifestText);
    } catch (e) {
      throw new AppError('BAD_INPUT', `${manifestPath} is not valid JSON: ${(e as Error).message}`);
    }
    const parsed = TrainingJobManifest.safeParse(raw);
    if (!parsed.success) throw new AppError('BAD_INPUT', `${manifestPath} is not a Datanet Studio training job manifest: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
    const manifest = parsed.data;
    if (createHash('sha256').update(canonicalJson(manifest.config)).digest('hex') !== manifest.configHash) {
      throw new AppError('BAD_INPUT', `${manifestPath}: config does not hash to configHash ${manifest.configHash}; the manifest was edited after export.`);
    }
    if (manifest.baseModel.sha256 !== model.sha256) {
      throw new AppError('BAD_INPUT', `${manifestPath} was exported for base model sha256 ${manifest.baseModel.sha256}, but ${model.id} ("${model.name}") is ${model.sha256}.`);
    }
    let snapshot;
    try {
      snapshot = this.d.snapshots.get(manifest.snapshot.id);
    } catch {
      throw new AppError('NOT_FOUND', `${manifestPath} names snapshot ${manifest.snapshot.id} (root ${manifest.snapshot.root}), which is not in this workspace.`);
    }
    if (snapshot.root !== manifest.snapshot.root) throw new AppError('BAD_INPUT', `${manifestPath}: snapshot ${snapshot.id} has root ${snapshot.root} here, the manifest says ${manifest.snapshot.root}.`);

    const adapterId = newId('ad');
    const runId = newId('run');
    const file = join(this.d.paths.adapters, `${adapterId}.gguf`);
    const conversion = convertPeftAdapter({
      dir, basePath: model.file, outPath: file, outType: input.outType, expect: { rank: manifest.lora.r, alpha: manifest.lora.alpha },
      metadata: {
        'general.name': `datanet-peft-${manifest.configHash.slice(0, 12)}`,
        'datanet.base_model_sha256': model.sha256,
        'datanet.snapshot_root': snapshot.root,
        'datanet.config_hash': manifest.configHash,
        'datanet.config': canonicalJson(manifest.config),
        'datanet.origin': 'peft',
      },
    });
    const { sha256File } = await import('./index.js');
    const settings = manifest.config.settings;
    const now = nowIso();
    const adapter: Adapter = {
      id: adapterId, runId, file, sha256: await sha256File(file), baseModelPath: model.file, baseModelSha256: model.sha256,
      snapshotId: snapshot.id, snapshotRoot: snapshot.root, configHash: manifest.configHash, settings,
      metrics: { steps: 0, initialEvalLoss: null, finalEvalLoss: null, lastLoss: null, tokensPerSecond: 0, trainRows: 0, evalRows: 0, memoryEstimateBytes: 0, measuredPeakBytes: 0 },
      createdAt: now,
    };
    try {
      this.registerImport(adapter, model.file, { source: dir, manifestSha256: createHash('sha256').update(manifestText).digest('hex'), tensors: conversion.tensors, rank: conversion.rank, alpha: conversion.alpha });
    } catch (e) {
      rmSync(file, { force: true });
      throw e;
    }
    this.d.onAdapter?.(adapter);
    const { safetensorsFile: _file, ...summary } = conversion;
    return { adapter, conversion: summary };
  }

  private registerImport(adapter: Adapter, modelPath: string, details: Record<string, unknown>): void {
    const { db } = this.d;
    const { runId, settings, createdAt: now } = adapter;
    db.transaction(() => {
      db.prepare(
        `INSERT INTO training_runs (id, snapshot_id, snapshot_root, model_path, settings, checkpoint, state, step, total_steps, adapter_id, started_at, finished_at)
         VALUES (?, ?, ?, ?, ?, '', 'succeeded', 0, NULL, ?, ?, ?)`,
      ).run(runId, adapter.snapshotId, adapter.snapshotRoot, modelPath, JSON.stringify(settings), adapter.id, now, now);
      db.prepare(
        `INSERT INTO adapters (id, run_id, file, sha256, base_model_path, base_model_sha256, snapshot_id, snapshot_root, config_hash, settings, metrics, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(adapter.id, runId, adapter.file, adapter.sha256, adapter.baseModelPath, adapter.baseModelSha256, adapter.snapshotId, adapter.snapshotRoot, adapter.configHash, JSON.stringify(settings), JSON.stringify(adapter.metrics), now);
      this.d.audit.append({
        actor: this.d.actor,
        action: 'adapter.import',
        subject: adapter.id,
        details: { runId, sha256: adapter.sha256, baseModelSha256: adapter.baseModelSha256, snapshotRoot: adapter.snapshotRoot, configHash: adapter.configHash, ...details },
      });
    })();
  }

  private getRow(id: string): RunRow {
    const row = this.d.db.prepare('SELECT * FROM training_runs WHERE id = ?').get(id) as RunRow | undefined;
    if (!row) throw new AppError('NOT_FOUND', `No training run with id ${id}.`);
    return row;
  }

  /** The QLoRA base: a quantized copy of the model in the workspace, made once per (model, type). */
  private async quantizedBase(modelPath: string, quant: NonNullable<TrainingSettings['quant']>, ctx: { progress(d: number, t: number | null, m?: string): void }) {
    const { sha256File } = await import('./index.js');
    const sha = await sha256File(modelPath);
    const target = join(this.d.paths.models, `${sha.slice(0, 16)}.${quant}.gguf`);
    if (!existsSync(target)) {
      ctx.progress(0, null, `Quantizing the base model to ${quant.toUpperCase()} for QLoRA`);
      const { requantizeModel } = await import('../models/requantize');
      requantizeModel(modelPath, target, quant);
    }
    return target;
  }

  private launch(row: RunRow, resume: boolean): Job {
    const { db } = this.d;
    const settings = JSON.parse(row.settings) as TrainingSettings;
    return this.d.jobs.start({
      kind: 'training.run',
      title: `Train LoRA on snapshot ${row.snapshot_id}`,
      unit: 'steps',
      run: async (ctx) => {
        const setStep = db.prepare('UPDATE training_runs SET step = ?, total_steps = ? WHERE id = ?');
        const finish = db.prepare('UPDATE training_runs SET state = ?, error = ?, adapter_id = ?, finished_at = ? WHERE id = ?');
        try {
          const { startTraining, sha256File } = await import('./index.js');
          const modelPath = settings.quant ? await this.quantizedBase(row.model_path, settings.quant, ctx) : row.model_path;
          const adapterId = newId('ad');
          const adapterPath = join(this.d.paths.adapters, `${adapterId}.gguf`);
          ctx.progress(0, null, resume ? 'Resuming from the last checkpoint' : 'Tokenizing the snapshot');
          const run = await startTraining(
            {
              modelPath,
              examples: snapshotExamples(this.d.snapshots, row.snapshot_id),
              ...withoutQuant(settings),
              adapterPath,
              checkpointPath: row.checkpoint,
              resume,
              provenance: { snapshotRoot: row.snapshot_root },
              ...(settings.influenceCheckpoints > 0 ? { influence: { checkpoints: settings.influenceCheckpoints, dim: INFLUENCE_DIM, seed: settings.seed } } : {}),
            },
            (p) => {
              setStep.run(p.step, p.totalSteps, row.id);
              if (p.phase === 'influence' && p.influence) {
                const inf = p.influence;
                ctx.progress(p.step, p.totalSteps, `Sketching gradients for attribution: checkpoint ${inf.checkpoint} of ${inf.checkpoints}, record ${inf.done} of ${inf.total}`);
                return;
              }
              const evalPart = p.evalLoss === null ? '' : ` · eval ${p.evalLoss.toFixed(3)}`;
              ctx.progress(p.step, p.totalSteps, `loss ${p.loss.toFixed(3)}${evalPart} · ${Math.round(p.tokensPerSecond)} tokens/s`);
            },
            ctx.signal,
          );
          const r = await run.result;
          ctx.throwIfCancelled();
          if (r.status !== 'finished' || !r.adapterPath) throw new AppError('INTERNAL', 'The trainer stopped without writing an adapter.');
          // The adapter records what it was trained with: a sequence length capped at the model's context.
          const trained: TrainingSettings = r.seqLen === settings.seqLen ? settings : { ...settings, seqLen: r.seqLen };
          const adapter: Adapter = {
            id: adapterId,
            runId: row.id,
            file: r.adapterPath,
            sha256: await sha256File(r.adapterPath),
            baseModelPath: modelPath,
            baseModelSha256: r.baseModelSha256,
            snapshotId: row.snapshot_id,
            snapshotRoot: row.snapshot_root,
            configHash: r.configHash,
            settings: trained,
            metrics: {
              steps: r.steps,
              initialEvalLoss: r.initialEvalLoss,
              finalEvalLoss: r.finalEvalLoss,
              lastLoss: r.lastLoss,
              tokensPerSecond: r.tokensPerSecond,
              trainRows: r.trainRows,
              evalRows: r.evalRows,
              memoryEstimateBytes: r.memoryEstimate.estimateBytes,
              measuredPeakBytes: Math.max(0, r.memoryAfter.peakRssBytes - r.baselineRssBytes),
            },
            createdAt: nowIso(),
          };
          db.transaction(() => {
            db.prepare(
              `INSERT INTO adapters (id, run_id, file, sha256, base_model_path, base_model_sha256, snapshot_id, snapshot_root, config_hash, settings, metrics, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            ).run(adapter.id, row.id, adapter.file, adapter.sha256, adapter.baseModelPath, adapter.baseModelSha256, adapter.snapshotId, adapter.snapshotRoot, adapter.configHash, JSON.stringify(trained), JSON.stringify(adapter.metrics), adapter.createdAt);
            finish.run('succeeded', null, adapter.id, nowIso(), row.id);
            this.d.audit.append({
              actor: this.d.actor,
              action: 'adapter.register',
              subject: adapter.id,
              details: { runId: row.id, sha256: adapter.sha256, baseModelSha256: adapter.baseModelSha256, snapshotRoot: adapter.snapshotRoot, configHash: adapter.configHash },
            });
          })();
          this.d.onAdapter?.(adapter);
          return { runId: row.id, adapter, notes: r.notes };
        } catch (e) {
          finish.run(ctx.signal.aborted ? 'cancelled' : 'failed', ctx.signal.aborted ? null : (e as Error).message, null, nowIso(), row.id);
          throw e;
        }
      },
    });
  }
}

/** Floats per record and checkpoint in the influence sketches: dot products keep ~1/sqrt(256) relative error. */
const INFLUENCE_DIM = 256;

function withoutQuant(settings: TrainingSettings): Omit<TrainingSettings, 'quant' | 'influenceCheckpoints'> {
  const { quant: _quant, influenceCheckpoints: _influence, ...rest } = settings;
  return rest;
}
