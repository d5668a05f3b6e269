import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Locator } from 'playwright-core';
import { launchBrowser, newPage, screenshot, startServe } from '../helpers/browser';
import { tempDir } from '../helpers/workspace';

test('create a datanet and records in the UI; after restarting serve they are still there', async (t) => {
  const workspace = tempDir(t);
  const browser = await launchBrowser(t);
  let serve = await startServe(workspace, t);
  let page = await newPage(browser, t);
  await page.goto(serve.openUrl);

  // Empty workspace: the empty state explains what a datanet is and offers to create one.
  await page.getByRole('heading', { name: 'No datanets yet' }).waitFor();
  assert.match(await page.getByTestId('statusbar').innerText(), new RegExp(workspace.split('/').pop()!));
  await screenshot(page, '01-datanets-empty');

  await page.getByRole('button', { name: 'New datanet' }).click();
  const createDialog = page.getByRole('dialog', { name: 'New datanet' });
  await createDialog.getByLabel('Name').fill('Cardiology notes');
  await createDialog.getByLabel('Description').fill('Discharge summaries, de-identified');
  await createDialog.getByRole('button', { name: 'Create datanet' }).click();
  await page.getByRole('heading', { name: 'Cardiology notes' }).waitFor();
  await page.getByRole('heading', { name: 'No records yet' }).waitFor();

  // An instruction record, then a text record.
  await page.getByRole('button', { name: 'Add record' }).first().click();
  let dialog = page.getByRole('dialog', { name: 'Add a record' });
  await dialog.getByRole('textbox', { name: 'Instruction', exact: true }).fill('What is the first-line treatment for stable angina?');
  await dialog.getByRole('textbox', { name: 'Response', exact: true }).fill('Sublingual nitroglycerin for symptoms, plus a beta-blocker for prevention.');
  await dialog.getByRole('button', { name: 'Add record' }).click();
  await dialog.waitFor({ state: 'detached' });

  await page.getByRole('button', { name: 'Add record' }).first().click();
  dialog = page.getByRole('dialog', { name: 'Add a record' });
  await dialog.getByRole('tab', { name: 'Text' }).click();
  await dialog.getByRole('textbox', { name: 'Text', exact: true }).fill('Patients with chest pain at rest need an ECG within ten minutes.');
  await dialog.getByLabel('Contributor').fill('0x00000000000000000000000000000000000000ab');
  await dialog.getByRole('button', { name: 'Add record' }).click();
  await dialog.waitFor({ state: 'detached' });

  // A bad record is refused with the field named, and nothing is added.
  await page.getByRole('button', { name: 'Add record' }).first().click();
  dialog = page.getByRole('dialog', { name: 'Add a record' });
  await dialog.getByRole('textbox', { name: 'Instruction', exact: true }).fill('Only an instruction');
  await dialog.getByRole('button', { name: 'Add record' }).click();
  assert.match(await dialog.getByRole('alert').innerText(), /content\.response: must not be empty/);
  await dialog.getByRole('button', { name: 'Close' }).first().click();

  const rows = page.getByTestId('records-table').locator('tbody tr');
  await assertRows(rows, 2);
  assert.equal(await page.getByTestId('records-range').innerText(), '1–2 of 2');
  await rows.nth(1).click();
  const detail = page.getByTestId('record-detail');
  await detail.getByText(/ECG within ten minutes/).waitFor();
  assert.match(await detail.innerText(), /0x00000000000000000000000000000000000000ab/);
  await screenshot(page, '02-datanet-records');

  // Every section has landed (Proposals was the last): its link opens the section, not the not-available screen.
  await page.getByRole('link', { name: /Proposals/ }).click();
  await page.getByRole('heading', { name: 'Proposals', level: 1 }).waitFor();
  assert.equal(await page.getByTestId('not-available').count(), 0);

  // Restart serve on the same workspace: a new token, the same data. (The old tab would keep
  // trying to reconnect to the stopped server, so it is closed first.)
  await page.context().close();
  await serve.stop();
  serve = await startServe(workspace, t);
  page = await newPage(browser, t);
  await page.goto(serve.openUrl);
  await page.getByRole('cell', { name: /Cardiology notes/ }).click();
  await assertRows(page.getByTestId('records-table').locator('tbody tr'), 2);
  assert.match(await page.getByTestId('records-table').innerText(), /first-line treatment for stable angina/);

  // The audit log recorded every change, and its chain verifies.
  await page.getByRole('link', { name: /Settings/ }).click();
  await page.getByRole('button', { name: 'Verify audit log' }).click();
  await page.getByTestId('audit-result').waitFor();
  assert.match(await page.getByTestId('audit-result').innerText(), /Intact: 3 entries verified/);
  await screenshot(page, '04-settings-audit');

  // The Train screen offers the datanet's snapshots (none yet) and explains what to do.
  await page.getByRole('link', { name: /Train/ }).click();
  await page.getByLabel('Datanet').selectOption({ label: 'Cardiology notes' });
  await page.getByText('This datanet has no snapshot yet').waitFor();
  await screenshot(page, '06-train');

  // Keyboard: the command palette reaches datanets; dark theme.
  await page.keyboard.press('Control+k');
  await page.getByPlaceholder('Type a command or a datanet name…').fill('dark');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Control+k');
  await page.getByPlaceholder('Type a command or a datanet name…').fill('Cardiology');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Cardiology notes' }).waitFor();
  assert.equal(await page.locator('html').getAttribute('data-theme'), 'dark');
  await screenshot(page, '11-datanet-dark');
});

test('a page opened without the access token says how to open the app', async (t) => {
  const browser = await launchBrowser(t);
  const serve = await startServe(tempDir(t), t);
  const page = await newPage(browser, t);
  await page.goto(serve.openUrl.replace(/#.*$/, ''));
  assert.match(await page.locator('body').innerText(), /needs the address that was printed/);
});

async function assertRows(rows: Locator, n: number) {
  await rows.nth(n - 1).waitFor();
  assert.equal(await rows.count(), n);
}
