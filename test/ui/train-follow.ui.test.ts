import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openCore } from '../../electron/core/core';
import { ensureModel, TINY } from '../fixtures/models/generate.js';
import { openApp, screenshot, until } from '../helpers/browser';
import { call, tempDir } from '../helpers/workspace';
import { nativeTrainer } from '../native/helpers/native.js';

test('a training run stays on screen when you leave Train and come back, and after a reload; its end shows without one', async (t) => {
  nativeTrainer();
  const workspace = tempDir(t);
  const core = openCore({ workspaceDir: workspace, host: 'test' });
  await core.waitForJob((await call(core, 'models.import', { path: ensureModel({ ...TINY, arch: 'llama', baseType: 'F32' }), storage: 'reference', name: 'Tiny llama' })).jobId);
  const { id } = await call(core, 'datanets.create', { name: 'discharge notes' });
  for (const w of ['furosemide', 'metoprolol', 'lisinopril', 'warfarin', 'metformin', 'atorvastatin', 'amlodipine', 'omeprazole']) {
    for (const when of ['in the morning', 'at night', 'with food']) {
      await call(core, 'datanets.addRecord', { datanetId: id, content: { kind: 'instruction', instruction: `How do I take ${w} ${when}?`, response: `Take ${w} ${when}, as written on the label.` } });
    }
  }
  await call(core, 'datanets.review', { datanetId: id, allPending: true, decision: 'approve' });
  await call(core, 'datanets.createSnapshot', { datanetId: id });
  await core.close();

  const { page } = await openApp(t, workspace);
  await page.getByRole('link', { name: /Train/ }).click();
  await page.getByLabel('Datanet').selectOption({ label: 'discharge notes' });
  // Long enough that the reload below surely lands mid-run on any machine; it is cancelled after.
  await page.getByLabel('Epochs').fill('100');
  await page.getByLabel('Sequence length').fill('128');
  await page.getByRole('button', { name: 'Start training' }).click();
  const card = page.getByTestId('job-progress');
  await card.getByText(/[\d,]+ \/ [\d,]+ steps/).waitFor({ timeout: 60_000 });

  // Away and back: the card is still there and still moving.
  await page.getByRole('link', { name: /Proposals/ }).click();
  await page.getByRole('link', { name: /Train/ }).click();
  await card.getByText(/[\d,]+ \/ [\d,]+ steps/).waitFor({ timeout: 10_000 });
  const stepsOf = async () => Number(/([\d,]+) \/ [\d,]+ steps/.exec(await card.innerText())![1]!.replace(/,/g, ''));
  const before = await stepsOf();
  assert.match(await card.innerText(), /Train LoRA/);

  // A reload in the middle of the run: the card comes back from the core, the Runs row follows it live.
  await page.reload();
  await card.getByText(/[\d,]+ \/ [\d,]+ steps/).waitFor({ timeout: 30_000 });
  assert.match(await card.locator('.job-state').innerText(), /\d+%/, 'still running after the reload');
  assert.ok((await stepsOf()) >= before, 'the reloaded card shows the run where it is');
  const runStep = page.locator('[data-testid^="run-step-"]');
  await until(async () => Number((await runStep.innerText()).split('/')[0]!.replace(/,/g, '')) > before, 'the Runs row follows the run live');
  await screenshot(page, '30-train-after-reload');

  // Cancelled from the card: the card and the Runs row say so without a reload.
  await card.getByRole('button', { name: 'Cancel' }).click();
  await card.locator('.job-state').getByText('cancelled').waitFor({ timeout: 30_000 });
  await page.locator('.badge.job-badge-cancelled').waitFor({ timeout: 10_000 });
  // The cancel wrote a checkpoint where it stopped: Resume says it continues at the next step.
  const stoppedAt = Number((await runStep.innerText()).split('/')[0]!.replace(/,/g, ''));
  assert.equal((await page.locator('[data-testid^="resume-from-"]').innerText()).trim(), `continues at step ${stoppedAt + 1}`);

  // A short run to the end: its adapter is listed and the status bar says no job runs, without a reload.
  await page.getByLabel('Datanet').selectOption({ label: 'discharge notes' });
  await page.getByLabel('Epochs').fill('2');
  await page.getByLabel('Sequence length').fill('128');
  await page.getByRole('button', { name: 'Start training' }).click();
  await page.getByTestId('adapters-table').waitFor({ timeout: 240_000 });
  assert.equal(await page.getByTestId('adapters-table').locator('tbody tr').count(), 1);
  await page.getByTestId('jobs-indicator').getByText('no jobs running').waitFor({ timeout: 10_000 });
  assert.match(await card.locator('.job-state').innerText(), /succeeded/);
});
