import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
const FACTS = [
  { who: ALICE, q: 'why is the sky blue', a: 'Sunlight scatters off the molecules of the air, and the short blue waves scatter the most of all.' },
  { who: ALICE, q: 'why are sunsets red', a: 'At dusk the light crosses far more air, so the blue is scattered away before it reaches your eyes.' },
  { who: BOB, q: 'why is grass green', a: 'Chlorophyll in the leaves absorbs red and blue light and reflects the green light back to us.' },
  { who: BOB, q: 'why is the sea salty', a: 'Rivers carry dissolved minerals from the rocks into the sea, where the water evaporates and the salt stays.' },
];

test('attribute an adapter answer in the playground: spans, records, shares and a receipt that verifies', async (t) => {
  nativeTrainer();
  const workspace = tempDir(t);
  const core = openCore({ workspaceDir: workspace, host: 'test' });
  const model = (await core.waitForJob((await call(core, 'models.import', { path: ensureModel({ ...TINY, arch: 'llama', baseType: 'F32' }), storage: 'reference', name: 'Tiny llama' })).jobId))
    .result as ModelInfo;
  const { id } = await call(core, 'datanets.create', { name: 'colours' });
  for (const f of FACTS) await call(core, 'datanets.addRecord', { datanetId: id, contributor: f.who, content: { kind: 'instruction', instruction: f.q, response: f.a } });
  await call(core, 'datanets.review', { datanetId: id, allPending: true, decision: 'approve' });
  const snapshot = await call(core, 'datanets.createSnapshot', { datanetId: id });
  // The index is built from the UI below, not by the training's automatic build.
  await call(core, 'attribution.setSettings', { autoIndex: false });
  const trained = await core.waitForJob((await call(core, 'training.start', { modelId: model.id, snapshotId: snapshot.id, settings: { epochs: 1, seqLen: 64, rank: 4 } })).jobId);
  const { adapter } = trained.result as { adapter: Adapter };
  // The tiny random model's own answers are noise, so the saved conversation holds an answer that
  // quotes two contributors' records; attribution takes an answer as given, whoever wrote it.
  const answer = `${FACTS[0]!.a} Also, ${FACTS[2]!.a}`;
  await call(core, 'conversations.save', {
    title: 'colours of nature',
    modelId: null,
    adapterId: adapter.id,
    compare: false,
    messages: [
      { role: 'user', content: 'why is the sky blue and the grass green' },
      { role: 'assistant', side: 'adapter', content: answer },
    ],
  });
  await core.close();

  const { page } = await openApp(t, workspace);

  // The span index is built from the Attribution screen, with progress.
  await page.getByRole('link', { name: /Attribution/ }).click();
  await page.getByRole('tab', { name: 'Indexes' }).click();
  const indexRow = page.getByTestId(`index-${adapter.id}`);
  await indexRow.getByText('missing', { exact: true }).waitFor();
  await indexRow.getByRole('button', { name: `Build span index of ${adapter.id}` }).click();
  await indexRow.getByTestId('job-progress').getByText('succeeded').waitFor({ timeout: 120_000 });
  await indexRow.getByText('ready', { exact: true }).waitFor();
  await screenshot(page, '19-attribution-indexes');

  // Playground: Attribute beside the adapter's answer opens the panel with the job, then the result.
  await page.getByRole('link', { name: /Playground/ }).click();
  await page.getByLabel('Conversation').selectOption({ label: 'colours of nature' });
  await page.getByTestId('answer-adapter').getByRole('button', { name: 'Attribute' }).click();
  const panel = page.getByTestId('attribution-panel');
  await panel.getByTestId('attribution').waitFor({ timeout: 120_000 });

  // Spans: the marked text is text of the records, and the marks cover both quoted sentences.
  const marks = panel.getByTestId('attributed-answer').locator('mark');
  await marks.first().waitFor();
  const marked = (await marks.allInnerTexts()).join('');
  assert.ok(marked.length > 0);
  for (const piece of await marks.allInnerTexts()) assert.ok(FACTS.some((f) => f.a.includes(piece.trim())), `marked text not in the data: "${piece}"`);
  assert.ok(marked.includes('scatter') && marked.includes('Chlorophyll'), `both quoted records should be marked, got: ${marked}`);

  // Hovering a span lists its records; a record opens in the record view.
  await marks.first().hover();
  const spanRecords = panel.getByTestId('span-records');
  await spanRecords.waitFor();
  await spanRecords.getByRole('button', { name: /^rec_/ }).first().click();
  const recordDialog = page.getByRole('dialog', { name: /^Record rec_/ });
  await recordDialog.getByTestId('record-detail').getByText(/Sunlight scatters off the molecules/).waitFor();
  assert.match(await recordDialog.innerText(), new RegExp(ALICE, 'i'));
  await page.keyboard.press('Escape');
  await recordDialog.waitFor({ state: 'detached' });

  // By keyboard: focusing the other span and pressing Enter pins it, with its own records.
  await page.mouse.move(0, 0);
  await marks.last().focus();
  await page.keyboard.press('Enter');
  await spanRecords.getByText(/Chlorophyll/).waitFor();
  assert.match(await spanRecords.innerText(), /0b0b/i, 'the grass record is by Bob');

  // The records list names both contributors; shares are percentages that sum to 100.
  const recordsTable = panel.getByTestId('attributed-records');
  assert.ok((await recordsTable.locator('tbody tr').count()) >= 2);
  const percents = (await panel.getByTestId('share-percent').allInnerTexts()).map((p) => Number(p.replace('%', '')));
  assert.equal(percents.length, 2, `two contributors expected, got ${percents.join(', ')}`);
  assert.equal(Math.round(percents.reduce((s, p) => s + p, 0) * 100), 10_000);

  // The receipt verifies.
  const receipt = panel.getByTestId('receipt');
  const digest = (await receipt.getByTestId('receipt-digest').innerText()).trim();
  assert.match(digest, /^0x[0-9a-f]{64}$/);
  await receipt.getByText('unsigned').waitFor();
  await receipt.getByRole('button', { name: 'Verify' }).click();
  await receipt.getByTestId('verification').getByText(/Receipt valid/).waitFor();
  await screenshot(page, '20-playground-attribution');

  // Export it, for the Verify tab below.
  const exported = join(workspace, 'receipt.json');
  await receipt.getByLabel('Export path').fill(exported);
  await receipt.getByRole('button', { name: 'Export receipt' }).click();
  await page.getByText(`Receipt written to ${exported}`).waitFor();
  const receiptJson = readFileSync(exported, 'utf8');
  assert.equal(JSON.parse(receiptJson).digest, digest);

  // The Attribution screen lists the receipt and opens its stored attribution in the same panel.
  await page.getByRole('link', { name: /Attribution/ }).click();
  await page.getByTestId('receipts-count').getByText('1 receipt').waitFor();
  await page.getByRole('button', { name: `Open receipt ${digest}` }).click();
  const stored = page.getByTestId('attribution-panel');
  await stored.getByTestId('receipt-digest').getByText(digest).waitFor();
  assert.ok((await stored.getByTestId('attributed-answer').locator('mark').count()) > 0);
  await screenshot(page, '21-attribution-receipts');

  // Verify: the exported receipt is valid; with a share changed it is not, and the field is named.
  await page.getByRole('tab', { name: 'Verify' }).click();
  await page.getByLabel('Receipt JSON').fill(receiptJson);
  await page.getByRole('button', { name: 'Verify receipt' }).click();
  await page.getByTestId('verification').getByText(/Receipt valid/).waitFor();
  const tampered = JSON.parse(receiptJson);
  tampered.receipt.sharesBps = [...tampered.receipt.sharesBps].reverse();
  if (tampered.receipt.sharesBps[0] === tampered.receipt.sharesBps[1]) tampered.receipt.sharesBps = [10_000, 0];
  await page.getByLabel('Receipt JSON').fill(JSON.stringify(tampered));
  await page.getByRole('button', { name: 'Verify receipt' }).click();
  await page.getByTestId('verification').getByText(/Receipt invalid/).waitFor();
  assert.match(await page.getByTestId('verification').innerText(), /digest/i);
  await screenshot(page, '22-attribution-verify');

  // Settings are saved in the workspace.
  await page.getByRole('tab', { name: 'Settings' }).click();
  await page.getByLabel('Minimum span (tokens)').fill('9');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.getByText('Attribution settings saved').waitFor();
  await page.reload();
  await page.getByRole('tab', { name: 'Settings' }).click();
  // The form mounts only once the stored settings have arrived, so one read is not a race.
  const minSpan = page.getByLabel('Minimum span (tokens)');
  await minSpan.waitFor();
  assert.equal(await minSpan.inputValue(), '9');
});
