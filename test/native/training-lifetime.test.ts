// Children must not outlive their parent, and one checkpoint has one writer (issue 19, item 3).
// The parents here are real separate processes (the CLI, a small script) killed with SIGKILL, so
// nothing of theirs runs on the way down; the children are found in the process table (Linux).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { acquireLockFile } from '../../electron/core/common/process-owner.js';
import { openCore } from '../../electron/core/core.js';
import { metaNumber, metaString, readGguf } from '../../electron/core/models/gguf/index.js';
import { startTraining, type TrainingExample } from '../../electron/core/training/index.js';
import type { Job } from '../../electron/shared/jobs';
import type { Adapter } from '../../electron/shared/training';
import { colorsSnapshot } from '../fixtures/datanets/colors';
import { ensureModel, TINY } from '../fixtures/models/generate.js';
import { childrenOf, endsWithin, waitFor } from '../fixtures/processes/tree.js';
import { REPO_ROOT, tempDir } from '../helpers/workspace';
import { nativeTrainer } from './helpers/native.js';

const CLI = ['--import', 'tsx', 'electron/core/bin/cli.ts'];
const cli = (args: string[]) => spawnSync(process.execPath, [...CLI, ...args], { cwd: REPO_ROOT, encoding: 'utf8' });

function checkpointStep(path: string): number | null {
  try {
    const f = readGguf(path);
    return metaString(f, 'general.type') === 'datanet.checkpoint' ? metaNumber(f, 'checkpoint.step') : null;
  } catch {
    return null;
  }
}

test('kill -9 of the CLI during train: the runner ends within 5 s, the checkpoint is whole, a locked run is refused, and train resume finishes it', async (t) => {
  nativeTrainer();
  const modelPath = ensureModel({ ...TINY, arch: 'llama', baseType: 'F32' });
  const dir = tempDir(t);
  const setup = openCore({ workspaceDir: dir, host: 'test' });
  const snapshot = await colorsSnapshot(setup);
  await setup.close();

  // 72 steps. An orphan that goes on is caught either way: still running 5 s after the kill, or
  // (on a fast machine) finished, with its last checkpoint at step 72 and an adapter written.
  const settings = ['--epochs', '8', '--grad-accum', '2', '--seq-len', '96', '--checkpoint-every', '1', '--seed', '7'];
  const parent = spawn(process.execPath, [...CLI, 'train', '--model', modelPath, '--snapshot', snapshot.id, ...settings, '--progress', 'none', '--workspace', dir], {
    cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'],
  });
  t.after(() => parent.kill('SIGKILL'));
  let parentErr = '';
  parent.stderr.on('data', (d: Buffer) => (parentErr = (parentErr + String(d)).slice(-4000)));
  const checkpoints = join(dir, 'checkpoints');
  const checkpoint = await waitFor('a checkpoint at step 3', 60_000, () => {
    if (parent.exitCode !== null) assert.fail(`train exited (${parent.exitCode}) before its third checkpoint: ${parentErr}`);
    const f = existsSync(checkpoints) ? readdirSync(checkpoints).find((n) => n.endsWith('.gguf')) : undefined;
    return f && (checkpointStep(join(checkpoints, f)) ?? 0) >= 3 ? join(checkpoints, f) : null;
  });
  const [runner] = childrenOf(parent.pid!, /runner/);
  assert.ok(runner, 'the CLI has a training runner child');
  t.after(() => { try { process.kill(runner.pid, 'SIGKILL'); } catch { /* gone, as it should be */ } });
  process.kill(parent.pid!, 'SIGKILL');
  assert.ok(await endsWithin(runner.pid, 5000), `the runner (pid ${runner.pid}) still ran 5 s after its parent was killed`);

  const step = checkpointStep(checkpoint);
  assert.ok(step !== null && step >= 3 && step < 72, `the checkpoint is a whole checkpoint of this run, short of its end (step ${step})`);
  assert.deepEqual(readdirSync(join(dir, 'adapters')), [], 'no adapter was written after the parent died');
  const runId = basename(checkpoint, '.gguf');

  // Another process holds the run's lock (this test process stands in for a runner still writing it): resume is refused, naming it.
  const held = acquireLockFile(`${checkpoint}.lock`, 'a stand-in runner');
  const refused = cli(['train', 'resume', runId, '--workspace', dir]);
  held.release();
  assert.equal(refused.status, 1, refused.stdout + refused.stderr);
  assert.match(refused.stderr, new RegExp(`Run ${runId} .*pid ${process.pid}\\b`));
  assert.equal(checkpointStep(checkpoint), step, 'the refused resume left the checkpoint alone');

  const resumed = cli(['train', 'resume', runId, '--json', '--progress', 'json', '--workspace', dir]);
  assert.equal(resumed.status, 0, resumed.stderr + resumed.stdout);
  const job = JSON.parse(resumed.stdout) as Job;
  assert.equal(job.state, 'succeeded');
  const adapter = (job.result as { adapter: Adapter }).adapter;
  assert.equal(adapter.metrics.steps, 72);
  const firstStep = resumed.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { total: number | null; done: number }).find((p) => p.total !== null);
  assert.equal(firstStep?.done, step + 1, 'training went on from the checkpoint');
  assert.deepEqual(readdirSync(checkpoints).filter((n) => n.endsWith('.tmp') || n.endsWith('.lock')), [], 'no temp file or lock is left behind');

  // The influence scorer is a runner child too: it ends with its parent.
  const scorerParent = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/processes/open-scorer.ts', adapter.baseModelPath, `${adapter.file}.influence`], {
    cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => scorerParent.kill('SIGKILL'));
  await new Promise<void>((resolve, reject) => {
    scorerParent.stdout.on('data', (d: Buffer) => String(d).includes('ready') && resolve());
    scorerParent.once('exit', (code) => reject(new Error(`the scorer's parent exited (${code}) before it was ready`)));
  });
  const [scorer] = childrenOf(scorerParent.pid!, /runner/);
  assert.ok(scorer, 'the scorer runs in a runner child');
  t.after(() => { try { process.kill(scorer.pid, 'SIGKILL'); } catch { /* gone */ } });
  process.kill(scorerParent.pid!, 'SIGKILL');
  assert.ok(await endsWithin(scorer.pid, 5000), `the influence scorer (pid ${scorer.pid}) still ran 5 s after its parent was killed`);
});

test('two runs cannot write one checkpoint: the second is refused, naming the runner that holds it', async (t) => {
  nativeTrainer();
  const modelPath = ensureModel({ ...TINY, arch: 'llama', baseType: 'F32' });
  const dir = tempDir(t);
  const examples = ['sun', 'moon', 'water', 'fire', 'earth', 'air', 'king', 'queen'].map((thing): TrainingExample => ({ kind: 'instruction', instruction: `what is the ${thing}?`, response: `the ${thing} is red.` }));
  const options = {
    modelPath, examples, evalFraction: 0, rank: 4, epochs: 200, seqLen: 64, seed: 3, threads: 1, checkpointEvery: 1,
    checkpointPath: join(dir, 'run.ckpt'), adapterPath: join(dir, 'a.gguf'),
  };
  const stop = new AbortController();
  let stepped!: () => void;
  const firstStep = new Promise<void>((resolve) => (stepped = resolve));
  const first = await startTraining(options, (p) => p.step >= 1 && stepped(), stop.signal);
  t.after(() => { try { process.kill(first.pid, 'SIGKILL'); } catch { /* ended */ } });
  await firstStep;

  await assert.rejects(
    async () => (await startTraining({ ...options, adapterPath: join(dir, 'b.gguf'), resume: true })).result,
    (e: Error & { code?: string }) => e.code === 'CONFLICT' && new RegExp(`run\\.ckpt.*pid ${first.pid}\\b`).test(e.message),
  );
  stop.abort();
  assert.equal((await first.result).status, 'cancelled', 'the first run was not disturbed and stopped when asked');
  assert.ok(!existsSync(join(dir, 'b.gguf')));
});
