import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openCore } from '../../electron/core/core';
import { ensureModel, TINY } from '../fixtures/models/generate.js';
import { colorsSnapshot } from '../fixtures/datanets/colors';
import { openApp, screenshot } from '../helpers/browser';
import { call, jobResult, tempDir } from '../helpers/workspace';
import { nativeTrainer } from '../native/helpers/native.js';

const OWNER = '0x1111111111111111111111111111111111111111';
const REVIEWER = '0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';

test('Start tuning on a proposal page trains its base model on the gathered data; the adapter and its evaluation appear on the timeline', async (t) => {
  nativeTrainer();
  const workspace = tempDir(t);
  const core = openCore({ workspaceDir: workspace, host: 'test' });
  await jobResult(core, call(core, 'models.import', { path: ensureModel({ ...TINY, arch: 'llama', baseType: 'F32' }), storage: 'reference', name: 'Tiny llama' }));
  const snapshot = await colorsSnapshot(core);
  await call(core, 'proposals.setReviewers', { addresses: [REVIEWER] });
  const p = await call(core, 'proposals.create', {
    title: 'Colors', purpose: 'Name the color of things.', useCase: 'A coloring book.', baseModel: 'Tiny llama', targetDatanets: [snapshot.datanetId],
    dataRequirements: { kinds: ['instruction'], minApprovedRecords: 10 }, evaluationCriteria: { maxHeldOutLoss: 50 }, owner: OWNER,
  });
  await call(core, 'proposals.submit', { id: p.id });
  await call(core, 'proposals.transition', { id: p.id, to: 'in_review' });
  await call(core, 'proposals.vote', { id: p.id, reviewer: REVIEWER, approve: true });
  for (const to of ['approved', 'gathering_data'] as const) await call(core, 'proposals.transition', { id: p.id, to });
  await core.close();

  const { page } = await openApp(t, workspace);
  await page.getByRole('link', { name: /Proposals/ }).click();
  await page.getByRole('region', { name: 'Gathering data' }).getByRole('button', { name: 'Colors' }).click();
  await page.getByRole('heading', { name: 'Colors' }).waitFor();
  await page.getByRole('button', { name: 'Start tuning' }).click();
  const state = page.getByTestId('proposal-state');
  await state.getByText('Tuning').waitFor();
  const timeline = page.getByTestId('proposal-timeline').locator('li');
  await timeline.filter({ hasText: /Tuning: adapter ad_[0-9a-f]{16} attached: held-out loss [\d.]+ \(target ≤ 50\), meets the criteria/ }).waitFor({ timeout: 120_000 });
  assert.match(await timeline.filter({ hasText: 'Gathering data → Tuning' }).innerText(), /tuning run run_[0-9a-f]{16} started/);
  assert.match(await page.getByTestId('proposal-tuning').innerText(), /run run_[0-9a-f]{16} · adapter ad_[0-9a-f]{16} · held-out loss [\d.]+ — meets the criteria/);
  await screenshot(page, '22-proposal-tuning');
  // The adapter meets the criteria, so the proposal can now move on to feedback.
  await page.getByRole('button', { name: 'Move to Feedback' }).click();
  assert.equal(await state.getByText('Feedback').innerText(), 'Feedback');
  // Deployed: the page names the model the local API serves it under.
  await page.getByRole('button', { name: 'Move to Deployed' }).click();
  await state.getByText('Deployed').waitFor();
  assert.match(await page.getByTestId('proposal-served').innerText(), /^proposal:colors in the local API .*adapter ad_[0-9a-f]{16}/);
});
