import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import type { ChatAnswer, EvaluationResult } from '../../electron/shared/inference';
import type { Job } from '../../electron/shared/jobs';
import type { Adapter } from '../../electron/shared/training';
import { ensureModel, TINY } from '../fixtures/models/generate.js';
import { REPO_ROOT, call, tempDir, testCore } from '../helpers/workspace';
import { nativeTrainer } from './helpers/native.js';
import { colorsSnapshot } from '../fixtures/datanets/colors';


test('evaluation with and without an adapter, exact from logits, and chat through the adapter', async (t) => {
  nativeTrainer();
  const modelPath = ensureModel({ ...TINY, arch: 'llama', baseType: 'F32' });
  const dir = tempDir(t);
  const core = testCore(t, dir);
  const snapshot = await colorsSnapshot(core);
  const settings = { rank: 8, alpha: 16, learningRate: 5e-3, warmupSteps: 2, epochs: 8, gradAccum: 2, seqLen: 96, seed: 7, evalFraction: 0.2, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as ('q' | 'k' | 'v' | 'o' | 'gate' | 'up' | 'down')[] };
  const trained = await core.waitForJob((await call(core, 'training.start', { modelPath, snapshotId: snapshot.id, settings })).jobId);
  assert.equal(trained.state, 'succeeded', trained.error?.message);
  const { adapter } = trained.result as { adapter: Adapter };

  const evaluate = async (input: Parameters<typeof call<'inference.evaluate'>>[2]) => {
    const job = await core.waitForJob((await call(core, 'inference.evaluate', input)).jobId);
    assert.equal(job.state, 'succeeded', job.error?.message);
    return job.result as EvaluationResult;
  };
  const base = await evaluate({ modelPath, snapshotId: snapshot.id });
  const tuned = await evaluate({ adapterId: adapter.id, snapshotId: snapshot.id });
  console.log(`held-out: base loss ${base.loss.toFixed(4)} (ppl ${base.perplexity.toFixed(1)}), adapter ${tuned.loss.toFixed(4)} (ppl ${tuned.perplexity.toFixed(2)}), trainer said ${adapter.metrics.finalEvalLoss?.toFixed(4)}; exact match ${base.exactMatch} → ${tuned.exactMatch}`);
  assert.equal(base.examples, 2, 'without an adapter: the default split (10% of 20)');
  assert.equal(tuned.examples, 4, "with an adapter: the split its training held out (20% of 20)");
  assert.ok(tuned.loss < base.loss * 0.5, 'the adapter lowers held-out loss');
  assert.ok(Math.abs(tuned.loss - adapter.metrics.finalEvalLoss!) < 1e-3, `node-llama-cpp's loss equals the trainer's (${tuned.loss} vs ${adapter.metrics.finalEvalLoss})`);
  assert.ok(Math.abs(tuned.perplexity - Math.exp(tuned.loss)) < 1e-9);

  const all = await evaluate({ adapterId: adapter.id, snapshotId: snapshot.id, split: 'all' });
  const baseAll = await evaluate({ modelPath, snapshotId: snapshot.id, split: 'all' });
  assert.equal(all.examples, 20);
  assert.ok(all.containsAnswer! > baseAll.containsAnswer!, `trained answers appear (${baseAll.containsAnswer} → ${all.containsAnswer})`);

  const answer = await core.waitForJob(
    (await call(core, 'inference.chat', { adapterId: adapter.id, messages: [{ role: 'user', content: 'what is the color of the sun?' }], temperature: 0, maxTokens: 24 })).jobId,
  );
  assert.equal(answer.state, 'succeeded', answer.error?.message);
  const r = answer.result as ChatAnswer;
  console.log(`chat with adapter: ${JSON.stringify(r.text)} (${r.completionTokens} tokens)`);
  assert.ok(r.completionTokens > 0 && r.text.length > 0);
  assert.equal(r.adapterId, adapter.id);

  const cli = spawnSync(process.execPath, ['--import', 'tsx', 'electron/core/bin/cli.ts', 'chat', '--model', modelPath, '--prompt', 'hello', '--max-tokens', '8', '--temperature', '0', '--json', '--workspace', dir], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  assert.equal(cli.status, 0, cli.stderr);
  const job = JSON.parse(cli.stdout) as Job;
  assert.equal(job.state, 'succeeded');
  assert.equal((job.result as ChatAnswer).adapterId, null);
  const noModel = spawnSync(process.execPath, ['--import', 'tsx', 'electron/core/bin/cli.ts', 'chat', '--prompt', 'hi', '--workspace', dir], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(noModel.status, 2);
});
