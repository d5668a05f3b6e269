/**
 * Entry point of the training child process. ggml reports broken invariants with abort(), so the
 * trainer never runs in a process that owns a window or the database: the parent forks this one,
 * sends it a job, and receives progress; if this process dies, the parent reports the failure.
 *
 * Two job types: 'start' trains (and, with an influence job, pauses at each TracIn checkpoint to
 * sketch every training example's gradient); 'influence-open' loads an influence file and then
 * answers 'influence-query' messages with one score per training example.
 *
 * This process must not outlive its parent (parent-watch.ts): when the parent is gone it aborts the
 * native training at the next micro-batch and exits. The checkpoint on disk stays whole whatever
 * moment that comes at, since native code writes it to a temp file, fsyncs it and renames it over
 * the old one. While it trains into a checkpoint it holds the checkpoint's lock (checkpoint-lock.ts).
 */
import { existsSync } from 'node:fs';
import { AppError } from '../../shared/errors.js';
import { loadAddon, loadCudaBackend, type NativeProgress, type NativeTrainer } from './addon.js';
import { InfluenceOpenJob, RunnerJob, type ParentMessage, type RunnerMessage } from './protocol.js';
import { influenceCheckpointSteps, readInfluenceFile, writeInfluenceFile, type InfluenceCheckpoint, type InfluenceData } from './influence-file.js';
import { copyAndHash } from '../common/atomic-file.js';
import { watchParent } from '../common/parent-watch.js';
import type { HeldLock } from '../common/process-owner.js';
import { takeCheckpointLock } from './checkpoint-lock.js';

// Everything this process writes is workspace data: checkpoints and adapters (native code, through
// fopen, which takes the umask's mode) and influence files. Owner-only, as workspace/file-modes.ts.
process.umask(0o077);

// Ctrl-C at a terminal signals the whole process group, this child too: the parent turns it into
// a cancel (a checkpoint at the step reached, then exit), so the runner must not die of it first.
// A parent that is gone is noticed by watchParent below.
process.on('SIGINT', () => {});

let trainer: NativeTrainer | undefined;
let cancelled = false;
/** Set while a 'start' job runs; an orphaned runner then stops it before exiting. */
let training = false;
let checkpointLock: HeldLock | undefined;
process.on('exit', () => checkpointLock?.release());

/** How long an orphaned runner waits for the native trainer to stop at a micro-batch boundary before it exits anyway. */
const ORPHAN_EXIT_MS = 2000;

watchParent(() => {
  // Nobody is left to read the result: stop, and leave the last checkpoint for `train resume`.
  cancelled = true;
  trainer?.abort();
  if (!training) process.exit(0);
  // run() exits by itself once the trainer has stopped; a micro-batch that runs long must not keep an orphan alive.
  setTimeout(() => process.exit(1), ORPHAN_EXIT_MS);
});

function send(m: RunnerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(m, undefined, undefined, () => resolve());
  });
}

/** Lets queued IPC messages (a cancel) in between synchronous native calls. */
const yieldToEvents = () => new Promise<void>((resolve) => setImmediate(resolve));

async function run(raw: unknown): Promise<void> {
  const job = RunnerJob.parse(raw);
  // Before anything reads or writes the checkpoint: a second runner on it is refused here.
  if (job.checkpointPath) checkpointLock = takeCheckpointLock(job.checkpointPath);
  const baselineRssBytes = process.memoryUsage().rss;
  const loaded = loadAddon();
  const { addon, backendsDir } = loaded;
  if (job.params.gpu) loadCudaBackend(loaded);
  const t = new addon.Trainer(job.modelPath, job.params, backendsDir);
  trainer = t;
  for (const r of job.train) t.addRow(0, r.tokens, r.labels, r.segments);
  for (const r of job.eval) t.addRow(1, r.tokens, r.labels, r.segments);
  if (job.resumeFrom && existsSync(job.resumeFrom)) t.loadCheckpoint(job.resumeFrom);
  const steps = t.steps();
  const initialEvalLoss = job.eval.length ? t.evalSet(1) : null;
  await send({ type: 'started', startStep: steps.current, totalSteps: steps.total, memory: t.memory(), initialEvalLoss, baselineRssBytes });

  const inf = job.influence;
  // Without influence: one segment to the end. With it: one segment per TracIn checkpoint (a resumed
  // run keeps only the checkpoints still ahead of it).
  const stops = inf ? influenceCheckpointSteps(steps.total, inf.checkpoints, steps.current) : [steps.total];
  const sketches: Float32Array[] = [];
  const params: Float32Array[][] = [];
  const checkpoints: InfluenceCheckpoint[] = [];
  // Progress continues across segments: the native counters restart with every train() call.
  let elapsedOffset = 0, tokensOffset = 0;
  let outcome = { status: 'finished' as 'finished' | 'aborted', step: steps.current, abortRequestedAtStep: null as number | null };
  let previousStop = steps.current;
  for (const stop of stops) {
    if (cancelled) { outcome = { status: 'aborted', step: t.steps().current, abortRequestedAtStep: t.steps().current }; break; }
    let last: NativeProgress | undefined;
    const training = t.train((p) => {
      last = p;
      void send({ type: 'progress', progress: { ...p, elapsedS: p.elapsedS + elapsedOffset, tokensSeen: p.tokensSeen + tokensOffset } });
    }, job.checkpointPath, stop);
    if (cancelled) t.abort();
    outcome = await training;
    if (last) { elapsedOffset += last.elapsedS; tokensOffset += last.tokensSeen; }
    if (outcome.status !== 'finished') break;
    if (!inf) continue;
    const sketch = await sketchExamples(t, inf, checkpoints.length + 1, stops.length);
    if (!sketch) { outcome = { status: 'aborted', step: t.steps().current, abortRequestedAtStep: t.steps().current }; break; }
    sketches.push(sketch);
    params.push(t.params().map((_, i) => t.getParam(i)));
    let lrSum = 0;
    for (let s = previousStop; s < stop; s++) lrSum += t.learningRateAt(s);
    checkpoints.push({ step: stop, learningRate: lrSum / Math.max(1, stop - previousStop), weight: lrSum });
    previousStop = stop;
  }
  const finished = outcome.status === 'finished';
  // A cancel keeps the steps already done: the trainer stopped at a step boundary (its gradient
  // accumulators zeroed), so a checkpoint written now lets a resume continue at the next step
  // instead of going back to the last periodic checkpoint.
  if (!finished && job.checkpointPath) t.saveCheckpoint(job.checkpointPath);
  let influencePath: string | null = null;
  if (finished) {
    t.saveAdapter(job.adapterPath, job.adapterMetadata);
    if (inf && checkpoints.length > 0) {
      writeInfluenceFile(inf.path, {
        header: {
          version: 1, projection: 'countsketch-splitmix64-v1', dim: inf.dim, seed: inf.seed, loss: 'mean-over-supervised-tokens', checkpoints,
          totalSteps: steps.total, examples: inf.rows.length, heldOut: inf.heldOut, unscored: inf.unscored, seqLen: inf.seqLen,
          lora: { rank: job.params.rank ?? 8, alpha: job.params.alpha ?? 16, targets: job.params.targets ?? 15, params: t.params() },
          baseModelSha256: inf.baseModelSha256, adapterSha256: await copyAndHash(job.adapterPath, null, () => {}),
        },
        sketches, params,
      });
      influencePath = inf.path;
    }
  }
  const finalEvalLoss = finished && job.eval.length ? t.evalSet(1) : null;
  await send({
    type: 'done', status: finished ? 'finished' : 'cancelled', step: outcome.step, abortRequestedAtStep: outcome.abortRequestedAtStep,
    memory: t.memory(), finalEvalLoss, influencePath,
  });
  t.free();
}

/** Sketches every example's gradient at the current parameters; null when cancelled. */
async function sketchExamples(t: NativeTrainer, inf: NonNullable<RunnerJob['influence']>, checkpoint: number, checkpoints: number): Promise<Float32Array | null> {
  const n = inf.rows.length;
  const out = new Float32Array(n * inf.dim);
  let lastSent = 0;
  for (let i = 0; i < n; i++) {
    await yieldToEvents();
    if (cancelled) return null;
    const row = inf.rows[i];
    if (row) out.set(t.gradSketch(row.tokens, row.labels, row.segments, inf.dim, inf.seed).sketch, i * inf.dim);
    const now = Date.now();
    if (i + 1 === n || now - lastSent >= 100) {
      lastSent = now;
      void send({ type: 'influence-progress', progress: { checkpoint, checkpoints, done: i + 1, total: n } });
    }
  }
  return out;
}

/** The open influence file and a trainer (no rows) to take query gradients at its checkpoints. */
let scorer: { data: InfluenceData; t: NativeTrainer } | undefined;

async function openInfluence(raw: unknown): Promise<void> {
  const job = InfluenceOpenJob.parse(raw);
  const data = readInfluenceFile(job.influencePath);
  const { lora } = data.header;
  const { addon, backendsDir } = loadAddon();
  const t = new addon.Trainer(job.modelPath, { rank: lora.rank, alpha: lora.alpha, targets: lora.targets, threads: job.threads }, backendsDir);
  const names = t.params();
  if (names.length !== lora.params.length || names.some((p, i) => p.name !== lora.params[i]!.name || p.size !== lora.params[i]!.size)) {
    t.free();
    throw new AppError('BAD_INPUT', `${job.influencePath}: its LoRA tensors do not match ${job.modelPath} (a different base model?).`);
  }
  scorer = { data, t };
  const h = data.header;
  await send({ type: 'influence-ready', examples: h.examples, dim: h.dim, checkpoints: h.checkpoints, heldOut: h.heldOut, unscored: h.unscored, seqLen: h.seqLen });
}

/** score_i = Σ_c weight_c · <S g_c(query), S g_c(example_i)>, at each checkpoint's parameters. */
function scoreQuery(row: { tokens: Int32Array; labels: Int32Array; segments: Int32Array }): { scores: Float64Array; queryLoss: number } {
  if (!scorer) throw new AppError('INTERNAL', 'no influence file is open');
  const { data, t } = scorer;
  const { dim, examples, checkpoints } = data.header;
  const scores = new Float64Array(examples);
  let queryLoss = NaN;
  checkpoints.forEach((c, ci) => {
    data.params[ci]!.forEach((p, i) => t.setParam(i, p));
    const { sketch: q, loss } = t.gradSketch(row.tokens, row.labels, row.segments, dim, data.header.seed);
    queryLoss = loss;  // ends as the loss at the final checkpoint: the trained adapter's
    const sk = data.sketches[ci]!;
    for (let i = 0, o = 0; i < examples; i++, o += dim) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += q[k]! * sk[o + k]!;
      scores[i]! += c.weight * s;
    }
  });
  return { scores, queryLoss };
}

const fail = async (e: unknown, id?: number) => {
  await send({ type: 'error', message: e instanceof Error ? e.message : String(e), ...(e instanceof AppError ? { code: e.code } : {}), ...(id !== undefined ? { id } : {}) });
};

process.on('message', (m: ParentMessage) => {
  if (m.type === 'cancel') {
    cancelled = true;
    trainer?.abort();
  } else if (m.type === 'start') {
    training = true;
    run(m.job).then(
      () => process.exit(0),
      async (e: unknown) => {
        await fail(e);
        process.exit(1);
      },
    );
  } else if (m.type === 'influence-open') {
    openInfluence(m.job).catch(async (e: unknown) => {
      await fail(e);
      process.exit(1);
    });
  } else if (m.type === 'influence-query') {
    const t0 = performance.now();
    try {
      const { scores, queryLoss } = scoreQuery(m.row);
      void send({ type: 'influence-scores', id: m.id, scores, queryLoss, millis: performance.now() - t0 });
    } catch (e) {
      void fail(e, m.id);
    }
  } else if (m.type === 'close') {
    scorer?.t.free();
    process.exit(0);
  }
});
