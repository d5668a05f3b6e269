import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openApp, screenshot } from '../helpers/browser';
import { openCore } from '../../electron/core/core';
import { REPO_ROOT, call, tempDir } from '../helpers/workspace';

test('import a file, review it, take a snapshot and see its root', async (t) => {
  const workspace = tempDir(t);
  const file = join(tempDir(t), 'contracts.jsonl');
  writeFileSync(
    file,
    [
      { instruction: 'What is consideration in contract law?', output: 'Something of value each party gives the other.' },
      { instruction: 'What makes an offer valid?', output: 'Definite terms communicated to the offeree.' },
      { instruction: 'Who do I call about the lease?', output: 'Email the landlord at landlord.smith@example.com.' },
      { text: 'A signed lease binds both parties for its term.' },
      '{"instruction": "broken row"',
    ]
      .map((r) => (typeof r === 'string' ? r : JSON.stringify(r)))
      .join('\n') + '\n',
  );
  const { page } = await openApp(t, workspace);

  await page.getByRole('button', { name: 'New datanet' }).click();
  await page.getByRole('dialog', { name: 'New datanet' }).getByLabel('Name').fill('Contract law');
  await page.getByRole('button', { name: 'Create datanet' }).click();
  await page.getByRole('heading', { name: 'Contract law' }).waitFor();

  await page.getByRole('button', { name: 'Import file' }).click();
  const wizard = page.getByRole('dialog', { name: 'Import a file' });
  await wizard.getByLabel('File path on this machine').fill(file);
  await wizard.getByRole('button', { name: 'Preview' }).click();
  await wizard.getByTestId('import-preview').waitFor();
  assert.match(await wizard.getByTestId('import-preview').innerText(), /contracts\.jsonl · JSONL/);
  await screenshot(page, '07-import-preview');
  await wizard.getByRole('button', { name: 'Import' }).click();
  await wizard.getByTestId('import-result').waitFor();
  assert.match(await wizard.getByTestId('import-result').innerText(), /Imported 4 of 5 rows · 1 rejected · 0 near-duplicates flagged · 1 with PII/);
  assert.match(await wizard.innerText(), /not valid JSON/);
  await screenshot(page, '08-import-result');
  await wizard.getByRole('button', { name: 'Done' }).click();

  const rows = page.getByTestId('records-table').locator('tbody tr');
  await rows.nth(3).waitFor();
  assert.equal(await rows.count(), 4);
  // Filters: full-text search and contributor narrow the queue; clearing restores it.
  await page.getByLabel('Search records').fill('lease');
  await page.getByLabel('Search records').press('Enter');
  await page.getByTestId('records-range').filter({ hasText: '1–2 of 2' }).waitFor();
  await page.getByLabel('Filter by contributor address').fill('0x00000000000000000000000000000000000000ff');
  await page.getByLabel('Filter by contributor address').press('Enter');
  await page.getByRole('heading', { name: 'No records match' }).waitFor();
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await page.getByTestId('records-range').filter({ hasText: '1–4 of 4' }).waitFor();
  await rows.nth(2).click();
  const detail = page.getByTestId('record-detail');
  assert.match(await detail.locator('mark.pii').innerText(), /landlord\.smith@example\.com/);
  await screenshot(page, '09-review-pii');

  // Approving everything refuses the PII record; redacting it lets it through.
  await page.getByRole('button', { name: 'Approve all pending' }).click();
  await page.getByText(/3 approved; 1 refused/).waitFor();
  await rows.nth(2).click();
  await page.getByRole('button', { name: 'Redact PII' }).click();
  await page.getByText(/Redacted 1 PII spans in 1 records/).waitFor();
  await detail.getByText(/\[EMAIL\]/).waitFor();
  await rows.nth(2).focus();
  await page.keyboard.press('a');
  await page.getByText(/1 record approved/).waitFor();
  await page.getByRole('button', { name: 'Approved' }).click();
  await page.getByTestId('records-range').filter({ hasText: '1–4 of 4' }).waitFor();

  await page.getByRole('tab', { name: 'Snapshots' }).click();
  await page.getByRole('button', { name: 'Take snapshot' }).click();
  const root = page.getByTestId('snapshot-root').first();
  await root.waitFor();
  const shown = await root.innerText();
  assert.match(shown, /^0x[0-9a-f]{64}$/);
  await screenshot(page, '10-snapshots');

  // The root the UI shows is the one the CLI reads from the same workspace.
  const cli = spawnSync(process.execPath, ['--import', 'tsx', 'electron/core/bin/cli.ts', 'datanet', 'list', '--json', '--workspace', workspace], { cwd: REPO_ROOT, encoding: 'utf8' });
  const datanetId = (JSON.parse(cli.stdout) as { items: { id: string }[] }).items[0]!.id;
  const snaps = spawnSync(process.execPath, ['--import', 'tsx', 'electron/core/bin/cli.ts', 'datanet', 'snapshots', datanetId, '--json', '--workspace', workspace], { cwd: REPO_ROOT, encoding: 'utf8' });
  const listed = JSON.parse(snaps.stdout) as { items: { root: string; recordCount: number }[] };
  assert.deepEqual(listed.items.map((s) => [s.root, s.recordCount]), [[shown, 4]]);
});

test('a large datanet pages 500 records at a time and renders only the rows in view', async (t) => {
  const workspace = tempDir(t);
  const file = join(tempDir(t), 'many.jsonl');
  writeFileSync(file, Array.from({ length: 3000 }, (_, i) => JSON.stringify({ text: `Observation ${i}: value ${(i * 7919) % 10007} recorded at bedside round ${i % 24}.` })).join('\n') + '\n');
  const core = openCore({ workspaceDir: workspace, host: 'test' });
  const { id } = await call(core, 'datanets.create', { name: 'Vitals' });
  const { jobId } = await call(core, 'datanets.importFile', { datanetId: id, path: file });
  assert.equal((await core.waitForJob(jobId)).state, 'succeeded');
  await core.close();

  const { page } = await openApp(t, workspace);
  await page.getByRole('cell', { name: /Vitals/ }).click();
  await page.getByTestId('records-range').filter({ hasText: '1–500 of 3,000' }).waitFor();
  const rows = page.locator('[data-testid="records-table"] tbody tr[data-index]');
  const inDom = await rows.count();
  assert.ok(inDom > 5 && inDom < 100, `only visible rows are rendered (${inDom})`);
  await page.locator('.split-main').evaluate((el) => el.scrollTo(0, el.scrollHeight));
  await page.locator('[data-testid="records-table"] tbody tr[data-index="499"]').waitFor();
  assert.ok((await rows.count()) < 100);
  await page.getByRole('button', { name: 'Next page' }).click();
  await page.getByTestId('records-range').filter({ hasText: '501–1,000 of 3,000' }).waitFor();
});
