import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { launchBrowser, newPage, screenshot, startServe } from '../helpers/browser';
import { tempDir } from '../helpers/workspace';

const PASSPHRASE = 'four words make a passphrase';

test('encrypt the workspace from Settings, lock it, get a clear error for a wrong passphrase, unlock and find the data', async (t) => {
  const browser = await launchBrowser(t);
  const workspace = tempDir(t);
  const serve = await startServe(workspace, t);
  const page = await newPage(browser, t);
  await page.goto(serve.openUrl);
  await page.getByRole('button', { name: 'New datanet' }).click();
  const create = page.getByRole('dialog', { name: 'New datanet' });
  await create.getByLabel('Name').fill('Canary-Intake-4471');
  await create.getByRole('button', { name: 'Create datanet' }).click();
  await page.getByRole('heading', { name: 'Canary-Intake-4471' }).waitFor();

  await page.getByRole('link', { name: /Settings/ }).click();
  const card = page.getByRole('region', { name: 'Encryption at rest' });
  assert.match(await card.getByTestId('encryption-status').innerText(), /^Not encrypted/);
  await card.getByLabel('New passphrase', { exact: true }).fill('too short');
  await card.getByText('At least 10 characters.').waitFor();
  await card.getByLabel('New passphrase', { exact: true }).fill(PASSPHRASE);
  await card.getByLabel('Repeat new passphrase').fill(PASSPHRASE);
  await card.getByRole('button', { name: 'Encrypt workspace' }).click();
  await card.getByText(/^Encrypted\. The workspace database is encrypted/).waitFor({ timeout: 30_000 });
  const files = readdirSync(workspace, { recursive: true, encoding: 'utf8' }).map((p) => join(workspace, p)).filter((p) => statSync(p).isFile());
  assert.deepEqual(files.filter((f) => readFileSync(f).includes('Canary-Intake-4471')), [], 'no workspace file holds the datanet name in the clear');
  // Serve mode has no OS keychain: the option is shown, off, and says why.
  const keychain = card.getByRole('checkbox', { name: /Unlock at start on this computer account/ });
  assert.equal(await keychain.isDisabled(), true);
  assert.match(await card.getByTestId('keyring-note').innerText(), /^Only the desktop app can keep the key in the OS keychain/);
  await screenshot(page, '55-encryption');

  await card.getByRole('button', { name: 'Lock now' }).click();
  await page.getByRole('heading', { name: 'Workspace locked' }).waitFor();
  await page.getByLabel('Passphrase').fill('not the passphrase at all');
  await page.getByRole('button', { name: 'Unlock' }).click();
  await page.getByRole('alert').filter({ hasText: 'Wrong passphrase: the workspace stays locked and nothing was changed.' }).waitFor();
  await screenshot(page, '56-unlock');

  await page.getByLabel('Passphrase').fill(PASSPHRASE);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await page.getByRole('link', { name: /Datanets/ }).click();
  await page.getByText('Canary-Intake-4471').first().waitFor();
  assert.equal(await page.getByRole('heading', { name: 'Workspace locked' }).count(), 0);

  // A new passphrase and a new key: the database is rewritten, the vault names another key, the data stays.
  const keyBefore = JSON.parse(readFileSync(join(workspace, 'vault.json'), 'utf8')).keyId as string;
  await page.getByRole('link', { name: /Settings/ }).click();
  await card.getByLabel('Current passphrase').fill(PASSPHRASE);
  await card.getByLabel('New passphrase', { exact: true }).fill('five words make a longer one');
  await card.getByLabel('Repeat new passphrase').fill('five words make a longer one');
  await card.getByRole('checkbox', { name: /Replace the key too/ }).check();
  await card.getByRole('button', { name: 'Change passphrase' }).click();
  await page.getByText('Passphrase changed and key replaced').waitFor({ timeout: 30_000 });
  assert.notEqual(JSON.parse(readFileSync(join(workspace, 'vault.json'), 'utf8')).keyId, keyBefore);
  await page.getByRole('link', { name: /Datanets/ }).click();
  await page.getByText('Canary-Intake-4471').first().waitFor();
});
