import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ensureModel, TINY } from '../fixtures/models/generate.js';
import { openApp, screenshot } from '../helpers/browser';
import { tempDir } from '../helpers/workspace';

test('add a GGUF model in the UI and inspect it', async (t) => {
  const modelPath = ensureModel({ ...TINY, arch: 'llama', baseType: 'Q4_0' });
  const { page } = await openApp(t, tempDir(t));
  await page.getByRole('link', { name: /Models/ }).click();
  await page.getByRole('heading', { name: 'No models yet' }).waitFor();
  await page.getByRole('button', { name: 'Add model' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add a model' });
  await dialog.getByLabel('GGUF file').fill(modelPath);
  await dialog.getByRole('button', { name: 'Use where it is' }).click();
  await dialog.getByRole('button', { name: 'Add model' }).click();
  await dialog.getByText('succeeded').waitFor();
  await dialog.getByRole('button', { name: 'Done' }).click();
  const row = page.getByTestId('models-table').locator('tbody tr').first();
  await row.waitFor();
  assert.match(await row.innerText(), /llama\s+.*Q4_0/);
  await row.click();
  const sha = createHash('sha256').update(readFileSync(modelPath)).digest('hex');
  await page.getByTestId('model-detail').getByText(sha).waitFor();
  await screenshot(page, '05-models');
});
