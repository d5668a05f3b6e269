/**
 * First run in the browser: an empty workspace shows the four steps and the three ways to start;
 * "Try the demo" runs the whole spine (small size) through serve and shows its report. Real serve,
 * real core, native trainer and anvil underneath; nothing is faked.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { openApp, screenshot } from '../helpers/browser';
import { REPO_ROOT, tempDir } from '../helpers/workspace';

test('an empty workspace explains the spine and runs the demo to a claimed reward', async (t) => {
  assert.equal(spawnSync(process.execPath, ['native/build.mjs'], { cwd: REPO_ROOT, stdio: 'inherit' }).status, 0, 'build:native failed');
  assert.equal(spawnSync(process.execPath, ['scripts/build-contracts.mjs'], { cwd: REPO_ROOT, stdio: 'inherit' }).status, 0, 'build:contracts failed');
  const workspace = tempDir(t);
  const { page } = await openApp(t, workspace);

  const welcome = page.getByTestId('welcome');
  await welcome.getByRole('heading', { name: 'Welcome to Datanet Studio' }).waitFor();
  const steps = await welcome.getByRole('list', { name: 'The four steps' }).getByRole('heading').allInnerTexts();
  assert.deepEqual(steps, ['Datanet', 'Train', 'Ask', 'Reward']);
  // The usual empty state stays below, so a person who wants to start by hand still can.
  await page.getByRole('heading', { name: 'No datanets yet' }).waitFor();
  await screenshot(page, 'welcome-first-run');

  // "Add a model" leads to Models; "Create a datanet" opens the dialog.
  await welcome.getByRole('button', { name: 'Open Models' }).click();
  await page.getByRole('heading', { name: 'Models', exact: true }).waitFor();
  await page.goBack();
  await welcome.getByRole('button', { name: 'Create a datanet' }).click();
  await page.getByRole('dialog', { name: 'New datanet' }).waitFor();
  await page.keyboard.press('Escape');

  await page.evaluate("localStorage.setItem('datanet-studio-demo-size', 'small')");
  await welcome.getByRole('button', { name: 'Try the demo' }).click();
  const progress = welcome.getByTestId('job-progress');
  await progress.waitFor();
  assert.match(await progress.innerText(), /Run the demo/);
  await page.getByText(/Train a LoRA adapter/).first().waitFor({ timeout: 300_000 });
  await screenshot(page, 'welcome-demo-running');

  const report = welcome.getByTestId('demo-report');
  await report.waitFor({ timeout: 600_000 });
  assert.match(await report.getByTestId('demo-snapshot-root').innerText(), /^0x[0-9a-f]{64}$/);
  const loss = /base ([\d.]+) → adapter ([\d.]+)/.exec(await report.getByTestId('demo-loss').innerText());
  assert.ok(loss && Number(loss[2]) < Number(loss[1]), `held-out loss ${loss?.[0]}`);
  assert.match(await report.getByTestId('demo-claim').innerText(), /claimed [\d.]+ \S+ \(balance 0\.0 → [\d.]+\)/);
  await screenshot(page, 'welcome-demo-report');

  // The report is kept: a reload shows it again; the person's own workspace is still empty.
  await page.reload();
  await welcome.getByTestId('demo-report').waitFor();
  await page.getByRole('heading', { name: 'No datanets yet' }).waitFor();
});
