import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openCore } from '../../electron/core/core';
import type { ModelInfo } from '../../electron/shared/models';
import { ensureModel, TINY } from '../fixtures/models/generate.js';
import { openApp, screenshot } from '../helpers/browser';
import { call, tempDir } from '../helpers/workspace';

const OWNER = '0x1111111111111111111111111111111111111111';
const REVIEWER = '0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const CORRECTED = 'Hello! How can I help you today?';

test('an answer rated bad in the playground, with its correction, lands in the proposal\'s feedback datanet under the rater', async (t) => {
  const workspace = tempDir(t);
  const core = openCore({ workspaceDir: workspace, host: 'test' });
  const model = (await core.waitForJob((await call(core, 'models.import', { path: ensureModel({ ...TINY, arch: 'llama', baseType: 'F32' }), storage: 'reference', name: 'Tiny llama' })).jobId))
    .result as ModelInfo;
  // A proposal that takes feedback: reviewed, approved, its data requirement met, now tuning.
  const { id: datanetId } = await call(core, 'datanets.create', { name: 'greetings' });
  await call(core, 'datanets.addRecord', { datanetId, content: { kind: 'instruction', instruction: 'say hello', response: 'hello to you too.' } });
  await call(core, 'datanets.review', { datanetId, allPending: true, decision: 'approve' });
  await call(core, 'proposals.setReviewers', { addresses: [REVIEWER] });
  const p = await call(core, 'proposals.create', {
    title: 'Greeter', purpose: 'Greet people kindly.', useCase: 'A reception desk.', baseModel: model.name, targetDatanets: [datanetId],
    dataRequirements: { kinds: ['instruction'], minApprovedRecords: 1 }, evaluationCriteria: { maxHeldOutLoss: 5 }, owner: OWNER,
  });
  await call(core, 'proposals.submit', { id: p.id });
  await call(core, 'proposals.transition', { id: p.id, to: 'in_review' });
  await call(core, 'proposals.vote', { id: p.id, reviewer: REVIEWER, approve: true });
  for (const to of ['approved', 'gathering_data', 'tuning'] as const) await call(core, 'proposals.transition', { id: p.id, to });
  // The rater is the workspace wallet's account.
  const { accounts } = await call(core, 'wallet.import', { kind: 'privateKey', privateKey: `0x${'42'.repeat(32)}`, password: 'a long wallet password', label: 'Rater' });
  const rater = accounts[0]!.address;
  await core.close();

  const { serve, page } = await openApp(t, workspace);
  await page.getByRole('link', { name: /Playground/ }).click();
  // Ratings go to the one proposal that takes feedback, chosen for the user.
  await page.waitForFunction(`document.querySelector('select[aria-label="Feedback to"]')?.value === ${JSON.stringify(p.id)}`);
  await page.getByLabel('Message').fill('say hello');
  await page.getByRole('button', { name: 'Send' }).click();
  const answer = page.getByTestId('answer-base').last();
  await answer.getByText(/tokens\/s/).waitFor({ timeout: 150_000 });
  const answerText = (await answer.locator('.bubble').innerText()).trim();
  assert.ok(answerText.length > 0);

  // A bad rating cannot be sent without the corrected answer; with it, it can.
  await answer.getByRole('button', { name: 'Bad' }).click();
  const form = answer.getByRole('form', { name: 'Answer feedback' });
  assert.equal(await form.getByLabel('Rate as').inputValue(), rater);
  const sendFeedback = form.getByRole('button', { name: 'Send feedback' });
  assert.equal(await sendFeedback.isDisabled(), true);
  await form.getByText('A bad rating needs the corrected answer.').waitFor();
  await form.getByLabel('Corrected answer').fill(CORRECTED);
  await screenshot(page, '21-playground-feedback');
  await sendFeedback.click();
  await answer.getByTestId('feedback-sent').getByText(/Rated bad · recorded as feedback for “Greeter”/).waitFor();

  // The feedback datanet now holds the corrected answer, contributed by the rater.
  await page.getByRole('link', { name: /Datanets/ }).click();
  await page.getByTestId('datanet-table').getByText('Greeter — feedback').click();
  await page.getByRole('heading', { name: 'Greeter — feedback' }).waitFor();
  await page.getByLabel('Filter by contributor address').fill(rater);
  await page.getByLabel('Filter by contributor address').press('Enter');
  await page.getByTestId('records-range').filter({ hasText: '1–1 of 1' }).waitFor();
  await page.getByTestId('records-table').locator('tbody tr').filter({ hasText: 'say hello' }).click();
  const detail = page.getByTestId('record-detail');
  await detail.getByText(CORRECTED).first().waitFor();
  assert.match(await detail.innerText(), new RegExp(rater, 'i'));
  // The app is closed before the workspace is opened here.
  await serve.stop();

  // And through the contract, exactly: one record, the prompt with the correction, under the rater.
  const after = openCore({ workspaceDir: workspace, host: 'test' });
  t.after(() => after.close());
  const proposal = (await call(after, 'proposals.get', { id: p.id })).proposal;
  assert.ok(proposal.feedbackDatanetId);
  const records = (await call(after, 'datanets.listRecords', { datanetId: proposal.feedbackDatanetId })).items;
  assert.equal(records.length, 1);
  assert.equal(records[0]!.contributor?.toLowerCase(), rater.toLowerCase());
  assert.deepEqual(records[0]!.content, { kind: 'instruction', instruction: 'say hello', input: '', response: CORRECTED });
});
