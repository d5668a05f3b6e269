import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openApp, screenshot } from '../helpers/browser';
import { tempDir } from '../helpers/workspace';

test('back up the workspace from Settings while it is open, verify the backup there, and export the audit log', async (t) => {
  const { page } = await openApp(t, tempDir(t));
  await page.getByRole('button', { name: 'New datanet' }).click();
  const create = page.getByRole('dialog', { name: 'New datanet' });
  await create.getByLabel('Name').fill('Intake notes');
  await create.getByRole('button', { name: 'Create datanet' }).click();
  await page.getByRole('heading', { name: 'Intake notes' }).waitFor();

  await page.getByRole('link', { name: /Settings/ }).click();
  const destination = join(tempDir(t), 'backup-1');
  await page.getByLabel('Backup folder').fill(destination);
  await page.getByRole('button', { name: 'Back up now' }).click();
  const result = page.getByTestId('backup-result');
  await result.waitFor({ timeout: 60_000 });
  assert.match(await result.innerText(), /^Verified: 0 records, 0 snapshots, 0 adapters/);
  const manifest = JSON.parse(readFileSync(join(destination, 'manifest.json'), 'utf8')) as { counts: { datanets: number } };
  assert.equal(manifest.counts.datanets, 1);
  await screenshot(page, '50-backup');

  // Verifying a folder that is no backup names what is missing.
  await page.getByLabel('Backup folder').fill(join(destination, 'files'));
  await page.getByRole('button', { name: 'Verify a backup' }).click();
  await page.getByText(/Not verified: .*manifest\.json is missing/).waitFor();
  assert.equal(existsSync(join(destination, 'files', 'manifest.json')), false);

  // The audit log, for a compliance officer.
  const exportFile = join(tempDir(t), 'audit.json');
  await page.getByLabel('Export file').fill(exportFile);
  await page.getByRole('button', { name: 'Export audit log' }).click();
  const exported = page.getByTestId('audit-export-result');
  await exported.waitFor();
  assert.match(await exported.innerText(), /^Exported \d+ entries to .*audit\.json; chain intact$/);
  assert.equal((JSON.parse(readFileSync(exportFile, 'utf8')) as { format: string }).format, 'datanet-audit-export/1');
});
