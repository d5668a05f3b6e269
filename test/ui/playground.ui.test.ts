import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openCore } from '../../electron/core/core';
import type { ModelInfo } from '../../electron/shared/models';
import type { Adapter } from '../../electron/shared/training';
import { ensureModel, TINY } from '../fixtures/models/generate.js';
import { openApp, screenshot } from '../helpers/browser';
import { call, tempDir } from '../helpers/workspace';
import { nativeTrainer } from '../native/helpers/native.js';

test('chat with the base model and an adapter side by side; the conversation is kept', async (t) => {
  nativeTrainer();
  const workspace = tempDir(t);
  const core = openCore({ workspaceDir: workspace, host: 'test' });
  const model = (await core.waitForJob((await call(core, 'models.import', { path: ensureModel({ ...TINY, arch: 'llama', baseType: 'F32' }), storage: 'reference', name: 'Tiny llama' })).jobId))
    .result as ModelInfo;
  const { id } = await call(core, 'datanets.create', { name: 'greetings' });
  for (const w of ['hello', 'hi', 'hey', 'greetings', 'morning', 'evening']) {
    await call(core, 'datanets.addRecord', { datanetId: id, content: { kind: 'instruction', instruction: `say ${w}`, response: `${w} to you too.` } });
  }
  await call(core, 'datanets.review', { datanetId: id, allPending: true, decision: 'approve' });
  const snapshot = await call(core, 'datanets.createSnapshot', { datanetId: id });
  const trained = await core.waitForJob((await call(core, 'training.start', { modelId: model.id, snapshotId: snapshot.id, settings: { epochs: 1, seqLen: 64, rank: 4 } })).jobId);
  const { adapter } = trained.result as { adapter: Adapter };
  await core.close();

  const { page } = await openApp(t, workspace);
  await page.getByRole('link', { name: /Playground/ }).click();
  await page.getByLabel('Adapter').selectOption(adapter.id);
  await page.getByLabel('Message').fill('say hello');
  await page.getByRole('button', { name: 'Send' }).click();
  const base = page.getByTestId('answer-base').last();
  const tuned = page.getByTestId('answer-adapter').last();
  await base.getByText(/tokens\/s/).waitFor({ timeout: 150_000 });
  await tuned.getByText(/tokens\/s/).waitFor({ timeout: 150_000 });
  assert.match(await base.innerText(), /Tiny llama/);
  assert.match(await tuned.innerText(), new RegExp(adapter.id));
  assert.ok((await tuned.locator('.bubble').innerText()).trim().length > 0);
  // The status bar says what is really in memory now: the base model with the adapter on it.
  await page.getByTestId('statusbar-memory').getByText(/Tiny llama \+ 1 adapter · \d+ MiB/).waitFor({ timeout: 10_000 });
  assert.equal(await page.getByTestId('statusbar-network').innerText(), 'Offline');
  await screenshot(page, '12-playground');

  // The conversation was saved in the workspace: it is there after a reload.
  await page.reload();
  await page.getByRole('link', { name: /Playground/ }).click();
  await page.getByLabel('Conversation').selectOption({ label: 'say hello' });
  await page.getByTestId('chat').getByText('say hello').waitFor();
  assert.equal(await page.getByTestId('answer-adapter').count(), 1);

  // Train shows an evaluation next to the adapter: perplexity and accuracy, base → adapter.
  await page.getByRole('link', { name: /Train/ }).click();
  await page.getByTestId('adapters-table').getByRole('button', { name: 'Evaluate' }).click();
  const evaluation = page.getByTestId('evaluation');
  await evaluation.waitFor({ timeout: 60_000 });
  assert.match(await evaluation.innerText(), /perplexity [\d.]+ → [\d.]+ · exact \d+% → \d+%/);

  // Settings starts and stops the local API, showing its address and key.
  await page.getByRole('link', { name: /Settings/ }).click();
  await page.getByRole('button', { name: 'Start API' }).click();
  await page.getByTestId('api-status').getByText(/http:\/\/127\.0\.0\.1:\d+\/v1/).waitFor();
  await page.getByRole('button', { name: 'Stop API' }).click();
  await page.getByRole('button', { name: 'Start API' }).waitFor();
});
