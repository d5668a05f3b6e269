import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test, type TestContext } from 'node:test';
import { readGguf } from '../../electron/core/models/gguf/index.js';
import { readAdapterInfo, sha256File } from '../../electron/core/training/index.js';
import type { Job } from '../../electron/shared/jobs';
import type { ModelInfo } from '../../electron/shared/models';
import type { Adapter } from '../../electron/shared/training';
import { ensureModel, TINY } from '../fixtures/models/generate.js';
import { REPO_ROOT, call, tempDir, testCore } from '../helpers/workspace';
import { nativeTrainer } from './helpers/native.js';
import { colorsSnapshot } from '../fixtures/datanets/colors';

const SETTINGS = { rank: 8, alpha: 16, learningRate: 5e-3, warmupSteps: 2, epochs: 4, gradAccum: 2, seqLen: 96, seed: 7, evalFraction: 0.2, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as ('q' | 'k' | 'v' | 'o' | 'gate' | 'up' | 'down')[] };

/** A workspace with an approved, snapshotted instruction datanet, as a user would have made it. */
async function snapshotted(t: TestContext) {
  const dir = tempDir(t);
  const core = testCore(t, dir);
  return { core, dir, snapshot: await colorsSnapshot(core) };
}

test('training from a snapshot through the app lowers held-out loss and registers the adapter with its provenance', async (t) => {
  nativeTrainer();
  const modelPath = ensureModel({ ...TINY, arch: 'llama', baseType: 'F32' });
  const { core, snapshot } = await snapshotted(t);
  const progress: Job[] = [];
  core.onEvent((name, p) => {
    if (name === 'jobs.progress') progress.push(p as Job);
  });
  // The base is a registered model, as a user picks it in the Train screen.
  const model = (await core.waitForJob((await call(core, 'models.import', { path: modelPath, storage: 'reference' })).jobId)).result as ModelInfo;
  const { jobId, runId } = await call(core, 'training.start', { modelId: model.id, snapshotId: snapshot.id, settings: SETTINGS });
  const job = await core.waitForJob(jobId);
  assert.equal(job.state, 'succeeded', job.error?.message);
  const { adapter } = job.result as { adapter: Adapter };
  console.log(`app training: held-out loss ${adapter.metrics.initialEvalLoss?.toFixed(4)} -> ${adapter.metrics.finalEvalLoss?.toFixed(4)} in ${adapter.metrics.steps} steps`);
  assert.ok(adapter.metrics.finalEvalLoss! < adapter.metrics.initialEvalLoss! * 0.8, 'held-out loss fell');
  assert.equal(adapter.snapshotRoot, snapshot.root);
  assert.equal(adapter.sha256, await sha256File(adapter.file));
  assert.equal(adapter.baseModelSha256, await sha256File(modelPath));
  assert.equal(adapter.baseModelSha256, model.sha256);
  const info = await readAdapterInfo(adapter.file);
  assert.deepEqual([info.snapshotRoot, info.baseModelSha256, info.configHash, info.sha256], [snapshot.root, adapter.baseModelSha256, adapter.configHash, adapter.sha256]);
  assert.deepEqual((await call(core, 'training.listAdapters', {})).items, [adapter]);
  const run = (await call(core, 'training.listRuns', {})).items[0]!;
  assert.deepEqual([run.id, run.state, run.adapterId, run.step], [runId, 'succeeded', adapter.id, adapter.metrics.steps]);
  const steps = progress.filter((p) => p.id === jobId && p.progress.total !== null);
  assert.ok(steps.some((p) => /loss \d+\.\d+ .* tokens\/s/.test(p.progress.message)), 'progress shows loss and speed');
  // By default the run ends by sketching gradients for attribution, and says so.
  assert.ok(steps.some((p) => /Sketching gradients for attribution: checkpoint \d of \d/.test(p.progress.message)), 'progress shows the sketch phase');
  const actions = (await call(core, 'audit.listEntries', {})).items.map((e) => e.action);
  assert.ok(actions.includes('training.start') && actions.includes('adapter.register'));
});

test('a cancelled run resumes from its checkpoint; the CLI trains with --json', async (t) => {
  nativeTrainer();
  const modelPath = ensureModel({ ...TINY, arch: 'llama', baseType: 'F32' });
  const { core, dir, snapshot } = await snapshotted(t);
  let cancelled = false;
  core.onEvent((name, p) => {
    const j = p as Job;
    if (name === 'jobs.progress' && j.kind === 'training.run' && !cancelled && j.progress.done >= 3) {
      cancelled = true;
      void core.call('jobs.cancel', { jobId: j.id });
    }
  });
  const started = await call(core, 'training.start', { modelPath, snapshotId: snapshot.id, settings: { ...SETTINGS, checkpointEvery: 1 } });
  const first = await core.waitForJob(started.jobId);
  assert.equal(first.state, 'cancelled');
  const stopped = (await call(core, 'training.listRuns', {})).items[0]!;
  assert.equal(stopped.state, 'cancelled');
  assert.ok(stopped.step >= 3 && stopped.step < stopped.totalSteps!);
  assert.deepEqual((await call(core, 'training.listAdapters', {})).items, [], 'a cancelled run writes no adapter');

  const again = await call(core, 'training.resume', { runId: started.runId });
  const second = await core.waitForJob(again.jobId);
  assert.equal(second.state, 'succeeded', second.error?.message);
  assert.equal((await call(core, 'training.listRuns', {})).items[0]!.state, 'succeeded');
  const refused = await core.call('training.resume', { runId: started.runId });
  assert.equal(!refused.ok && refused.error.code, 'CONFLICT');

  const cli = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'electron/core/bin/cli.ts', 'train', '--model', modelPath, '--snapshot', snapshot.id, '--epochs', '1', '--seq-len', '96', '--rank', '4', '--quant', 'q4_k', '--json', '--workspace', dir],
    { cwd: REPO_ROOT, encoding: 'utf8' },
  );
  assert.equal(cli.status, 0, cli.stderr + cli.stdout);
  const job = JSON.parse(cli.stdout) as Job;
  assert.equal(job.state, 'succeeded');
  const qlora = (job.result as { adapter: Adapter }).adapter;
  assert.deepEqual([qlora.settings.rank, qlora.settings.quant], [4, 'q4_k']);
  // QLoRA: the run trained against a Q4_K copy of the F32 base, made in the workspace.
  assert.match(qlora.baseModelPath, /\.q4_k\.gguf$/);
  const base = readGguf(qlora.baseModelPath);
  assert.equal(base.tensors.find((x) => x.name === 'blk.0.attn_q.weight')!.type, 'Q4_K');
  assert.equal(base.tensors.find((x) => x.name === 'token_embd.weight')!.type, 'F32');
  assert.equal(qlora.baseModelSha256, await sha256File(qlora.baseModelPath));
  const bad = spawnSync(process.execPath, ['--import', 'tsx', 'electron/core/bin/cli.ts', 'train', '--model', modelPath, '--snapshot', 'snap_0000000000000000', '--workspace', dir], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /No snapshot with id snap_0000000000000000/);
});
