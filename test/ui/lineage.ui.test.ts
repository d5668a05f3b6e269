import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openCore } from '../../electron/core/core';
import type { ModelInfo } from '../../electron/shared/models';
import type { Adapter } from '../../electron/shared/training';
import { ensureModel, TINY } from '../fixtures/models/generate.js';
import { openApp, screenshot } from '../helpers/browser';
import { call, tempDir } from '../helpers/workspace';
import { nativeTrainer } from '../native/helpers/native.js';

const ALICE = '0x00000000000000000000000000000000000a11ce';
const BOB = '0x0000000000000000000000000000000000000b0b';

test("open a record's lineage, see the snapshots and the adapter it fed (marked after a revocation), and click through to the adapter", async (t) => {
  nativeTrainer();
  const workspace = tempDir(t);
  const core = openCore({ workspaceDir: workspace, host: 'test' });
  const model = (await core.waitForJob((await call(core, 'models.import', { path: ensureModel({ ...TINY, arch: 'llama', baseType: 'F32' }), storage: 'reference', name: 'Tiny llama' })).jobId)).result as ModelInfo;
  const { id } = await call(core, 'datanets.create', { name: 'sky facts' });
  const bobs = await call(core, 'datanets.addRecord', { datanetId: id, contributor: BOB, content: { kind: 'instruction', instruction: 'why is grass green', response: 'Chlorophyll reflects the green light.' } });
  const alices = await call(core, 'datanets.addRecord', { datanetId: id, contributor: ALICE, content: { kind: 'instruction', instruction: 'why is the sky blue', response: 'Short blue waves scatter the most.' } });
  await call(core, 'datanets.review', { datanetId: id, allPending: true, decision: 'approve' });
  const first = await call(core, 'datanets.createSnapshot', { datanetId: id });
  const second = await call(core, 'datanets.createSnapshot', { datanetId: id });
  await call(core, 'attribution.setSettings', { autoIndex: false });
  const trained = await core.waitForJob((await call(core, 'training.start', { modelId: model.id, snapshotId: first.id, settings: { epochs: 1, seqLen: 64, rank: 4 } })).jobId);
  assert.equal(trained.state, 'succeeded', trained.error?.message);
  const { adapter } = trained.result as { adapter: Adapter };
  const { revocation } = await call(core, 'consent.revoke', { contributor: BOB, reason: 'asked to be removed' });
  await core.close();

  const { page } = await openApp(t, workspace);
  await page.getByRole('link', { name: /Datanets/ }).click();
  await page.getByText('sky facts').click();
  await page.getByTestId('records-table').locator('tbody tr').filter({ hasText: 'why is grass green' }).click();
  await page.getByTestId('record-detail').getByRole('button', { name: 'Lineage' }).click();

  const lineage = page.getByRole('dialog', { name: 'Lineage' }).getByTestId('lineage');
  await lineage.getByTestId(`lineage-adapter-${adapter.id}`).waitFor();
  assert.match(await lineage.getByTestId('lineage-subject').innerText(), new RegExp(`record ${bobs.id}`));
  await lineage.getByTestId(`lineage-snapshot-${first.id}`).waitFor();
  await lineage.getByTestId(`lineage-snapshot-${second.id}`).waitFor();
  assert.match(await lineage.getByTestId(`lineage-record-${bobs.id}`).innerText(), /consent revoked/);
  assert.match(await lineage.innerText(), /trained on revoked data/);
  await screenshot(page, '50-lineage-record');

  // Click through to the adapter: its own lineage lists the records it was trained on.
  await lineage.getByTestId(`lineage-adapter-${adapter.id}`).click();
  await lineage.getByTestId('lineage-subject').getByText(`adapter ${adapter.id}`).waitFor();
  await lineage.getByTestId(`lineage-record-${bobs.id}`).waitFor();
  assert.match(await lineage.innerText(), /Records \(2\)/i);
  assert.ok(revocation.recordIds.includes(bobs.id));

  // One click queues the retrain without the revoked record.
  await lineage.getByRole('button', { name: 'Retrain without revoked data' }).click();
  await lineage.getByText(/retraining as run_[0-9a-f]{16}/).waitFor();

  // Back returns to the record; from the adapter, alice's record can be opened and revoked here too.
  await lineage.getByRole('button', { name: 'Back' }).click();
  await lineage.getByTestId('lineage-subject').getByText(`record ${bobs.id}`).waitFor();
  await lineage.getByTestId(`lineage-adapter-${adapter.id}`).click();
  await lineage.getByTestId(`lineage-record-${alices.id}`).getByRole('button', { name: alices.id }).click();
  await lineage.getByTestId('lineage-subject').getByText(`record ${alices.id}`).waitFor();
  await lineage.getByLabel('Reason for revoking').fill('moving elsewhere');
  await lineage.getByRole('button', { name: 'Revoke consent for this record' }).click();
  await lineage.getByTestId(`lineage-record-${alices.id}`).getByText('consent revoked').waitFor();
  await lineage.getByRole('button', { name: 'Retrain without revoked data' }).waitFor();
});
