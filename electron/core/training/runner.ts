/**
 * Entry point of the training child process. ggml reports broken invariants with abort(), so the
 * trainer never runs in a process that owns a window or the database: the parent forks this one,
 * sends it a job, and receives progress; if this process dies, the parent reports the failure.
 */
import { existsSync } from 'node:fs';
import { loadAddon, type NativeTrainer } from './addon.js';
import { RunnerJob, type ParentMessage, type RunnerMessage } from './protocol.js';

let trainer: NativeTrainer | undefined;
let cancelled = false;

function send(m: RunnerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(m, undefined, undefined, () => resolve());
  });
}

async function run(raw: unknown): Promise<void> {
  const job = RunnerJob.parse(raw);
  const baselineRssBytes = process.memoryUsage().rss;
  const { addon, backendsDir } = loadAddon();
  const t = new addon.Trainer(job.modelPath, job.params, backendsDir);
  trainer = t;
  for (const r of job.train) t.addRow(0, r.tokens, r.labels, r.segments);
  for (const r of job.eval) t.addRow(1, r.tokens, r.labels, r.segments);
  if (job.resumeFrom && existsSync(job.resumeFrom)) t.loadCheckpoint(job.resumeFrom);
  const steps = t.steps();
  const initialEvalLoss = job.eval.length ? t.evalSet(1) : null;
  await send({ type: 'started', startStep: steps.current, totalSteps: steps.total, memory: t.memory(), initialEvalLoss, baselineRssBytes });
  if (cancelled) t.abort();
  const outcome = await t.train((progress) => void send({ type: 'progress', progress }), job.checkpointPath);
  const finished = outcome.status === 'finished';
  if (finished) t.saveAdapter(job.adapterPath, job.adapterMetadata);
  const finalEvalLoss = finished && job.eval.length ? t.evalSet(1) : null;
  await send({
    type: 'done', status: finished ? 'finished' : 'cancelled', step: outcome.step, abortRequestedAtStep: outcome.abortRequestedAtStep,
    memory: t.memory(), finalEvalLoss,
  });
  t.free();
}

process.on('message', (m: ParentMessage) => {
  if (m.type === 'cancel') {
    cancelled = true;
    trainer?.abort();
  } else if (m.type === 'start') {
    run(m.job).then(
      () => process.exit(0),
      async (e: unknown) => {
        await send({ type: 'error', message: e instanceof Error ? e.message : String(e) });
        process.exit(1);
      },
    );
  }
});
