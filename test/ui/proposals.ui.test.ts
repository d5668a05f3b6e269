import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openApp, screenshot } from '../helpers/browser';
import { tempDir } from '../helpers/workspace';

const OWNER = '0x1111111111111111111111111111111111111111';
const R1 = '0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const R2 = '0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';

test('create a proposal, move it through review by the configured reviewers, and see its timeline', async (t) => {
  const { page } = await openApp(t, tempDir(t));
  await page.getByRole('button', { name: 'New datanet' }).click();
  const createDatanet = page.getByRole('dialog', { name: 'New datanet' });
  await createDatanet.getByLabel('Name').fill('Contracts');
  await createDatanet.getByRole('button', { name: 'Create datanet' }).click();
  await page.getByRole('heading', { name: 'Contracts' }).waitFor();

  await page.getByRole('link', { name: /Proposals/ }).click();
  await page.getByRole('heading', { name: 'No proposals yet' }).waitFor();
  await page.getByLabel('Reviewers').fill(`${R1}, ${R2}`);
  await page.getByRole('button', { name: 'Save reviewers' }).click();

  await page.getByRole('button', { name: 'New proposal' }).click();
  const dialog = page.getByRole('dialog', { name: 'New proposal' });
  await dialog.getByLabel('Title').fill('Clause explainer');
  await dialog.getByLabel('Purpose').fill('Explain contract clauses in plain words.');
  await dialog.getByLabel('Use case').fill('Small firms reading supplier contracts.');
  await dialog.getByLabel('Base model').fill('tiny-llama');
  await dialog.getByLabel('Owner address').fill(OWNER);
  await dialog.getByRole('button', { name: 'Create proposal' }).click();
  await dialog.waitFor({ state: 'detached' });

  const state = page.getByTestId('proposal-state');
  await page.getByRole('heading', { name: 'Clause explainer' }).waitFor();
  assert.equal(await state.innerText(), 'Draft');
  assert.match(await page.getByTestId('proposal-data').innerText(), /0 of 100 approved records/);
  await page.getByRole('button', { name: 'Move to Submitted' }).click();
  await page.getByRole('button', { name: 'Move to In review' }).click();
  await page.getByRole('button', { name: `Approve as ${R1}` }).waitFor();

  // One vote of two is not a majority: the move is refused with the reason.
  await page.getByRole('button', { name: `Approve as ${R1}` }).click();
  await page.getByRole('button', { name: 'Move to Approved' }).click();
  await page.getByRole('alert').getByText(/approval needs 2 approving votes of 2 reviewers; it has 1/).waitFor();
  await page.getByRole('button', { name: `Approve as ${R2}` }).click();
  await page.getByRole('button', { name: 'Move to Approved' }).click();
  await page.getByRole('button', { name: 'Move to Gathering data' }).waitFor();
  assert.equal(await state.innerText(), 'Approved');

  const timeline = page.getByTestId('proposal-timeline').locator('li');
  assert.equal(await timeline.count(), 4);
  const lines = await timeline.allInnerTexts();
  assert.match(lines[0]!, /Draft by local/);
  assert.match(lines[1]!, /Draft → Submitted/);
  assert.match(lines[2]!, /Submitted → In review/);
  assert.match(lines[3]!, /In review → Approved/);
  await screenshot(page, '20-proposal-timeline');

  await page.getByRole('button', { name: 'All proposals' }).click();
  await page.getByRole('region', { name: 'Approved' }).getByRole('button', { name: 'Clause explainer' }).waitFor();
});
