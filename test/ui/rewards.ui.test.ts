/**
 * The chain half of the spine in the browser, on a real anvil devnet started from the UI: import a
 * wallet, publish a snapshot root (approving each transaction in the wallet's dialog), close a
 * reward epoch over real attribution receipts, and claim a contributor's reward, watching the
 * token balance change by exactly the claimed amount.
 *
 * Set-up in-process, through the contract: a datanet whose records credit two accounts of a fixed
 * phrase, a tiny adapter trained on it by the native trainer, and three attributed answers (the
 * receipts). Only the wallet import happens in the UI, so the phrase's accounts are known first.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { HDNodeWallet, Mnemonic, formatUnits } from 'ethers';
import type { Page } from 'playwright-core';
import { openCore } from '../../electron/core/core';
import type { Attribution } from '../../electron/shared/attribution';
import type { ModelInfo } from '../../electron/shared/models';
import type { Adapter } from '../../electron/shared/training';
import { ensureModel, TINY } from '../fixtures/models/generate.js';
import { approveInWallet, screenshot, until, openApp } from '../helpers/browser';
import { call, tempDir, settledSpanIndex, jobResult } from '../helpers/workspace';
import { nativeTrainer } from '../native/helpers/native.js';

// A fixed phrase made for this test (its entropy is 16 bytes of 0x5a); it funds nothing anywhere.
const MNEMONIC = Mnemonic.fromEntropy(new Uint8Array(16).fill(0x5a)).phrase;
const PASSWORD = 'rewards ui password';
const accountOf = (i: number) => HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), `m/44'/60'/0'/0/${i}`).address;

/** Approves the wallet's pending request after checking the dialog names what it sends; returns the summary text. */
const approve = (page: Page, expected: RegExp, kind: 'transaction' | 'signature' = 'transaction') => approveInWallet(page, { expected, password: PASSWORD, kind });

test('import a wallet, start the devnet, publish a snapshot root, close an epoch and claim a reward, all approved in the UI', async (t) => {
  nativeTrainer();
  const workspace = tempDir(t);
  const [ada, bo] = [accountOf(0), accountOf(1)];

  const core = openCore({ workspaceDir: workspace, host: 'test' });
  const { id: datanetId } = await call(core, 'datanets.create', { name: 'vault codes' });
  for (let i = 0; i < 8; i++) {
    await call(core, 'datanets.addRecord', {
      datanetId,
      contributor: i % 2 === 0 ? ada : bo,
      content: { kind: 'instruction', instruction: `what is the code of box ${i}?`, response: `box ${i} holds the code number ${i} of the vault.` },
    });
  }
  await call(core, 'datanets.review', { datanetId, allPending: true, decision: 'approve' });
  const snapshot = await call(core, 'datanets.createSnapshot', { datanetId });
  const model = await jobResult<ModelInfo>(core, call(core, 'models.import', { path: ensureModel({ ...TINY, arch: 'llama', baseType: 'F32' }), storage: 'reference', name: 'Tiny llama' }));
  const { adapter } = await jobResult<{ adapter: Adapter }>(
    core,
    call(core, 'training.start', { modelId: model.id, snapshotId: snapshot.id, settings: { epochs: 1, seqLen: 64, rank: 4, evalFraction: 0, influenceCheckpoints: 1 } }),
  );
  await settledSpanIndex(core, adapter.id);
  for (const i of [2, 3, 5]) {
    const a = await jobResult<Attribution>(core, call(core, 'attribution.attribute', { adapterId: adapter.id, prompt: `what is the code of box ${i}?`, answer: `box ${i} holds the code number ${i} of the vault.` }));
    assert.ok(a.shares.length > 0, 'the answer credits a contributor');
  }
  await core.close();

  const { page } = await openApp(t, workspace);

  // Import the phrase in the Wallet screen: its first account is the contributor ada.
  await page.getByRole('link', { name: /Wallet/ }).click();
  await page.getByRole('button', { name: 'Import wallet' }).click();
  const importDialog = page.getByRole('dialog', { name: 'Import a wallet' });
  await importDialog.getByRole('textbox', { name: 'Recovery phrase' }).fill(MNEMONIC);
  await importDialog.getByLabel('New password').fill(PASSWORD);
  await importDialog.getByLabel('Repeat password').fill(PASSWORD);
  await importDialog.getByLabel('Account label').fill('ada');
  await importDialog.getByRole('button', { name: 'Import' }).click();
  await importDialog.waitFor({ state: 'detached', timeout: 60_000 });
  await page.getByTestId('wallet-accounts').getByText(ada).waitFor();
  const status = page.getByTestId('wallet-status');
  if (await status.getByRole('heading', { name: 'Locked', exact: true }).isVisible()) {
    await status.getByLabel('Wallet password').fill(PASSWORD);
    await status.getByRole('button', { name: 'Unlock' }).click();
  }
  await status.getByRole('heading', { name: 'Unlocked', exact: true }).waitFor({ timeout: 60_000 });
  // The phrase's second account, the other contributor.
  await page.getByRole('button', { name: 'Add account' }).click();
  await page.getByTestId('wallet-accounts').getByText(bo).waitFor({ timeout: 60_000 });

  // Rewards is a section now; the devnet starts from its notice, with progress, and shows its contracts.
  await page.getByRole('link', { name: /Rewards/ }).click();
  await page.getByRole('tab', { name: 'Network' }).click();
  await page.getByTestId('network-ready').getByText('stopped').waitFor();
  await page.getByTestId('chain-notice').getByRole('button', { name: 'Start devnet' }).click();
  await page.getByTestId('network-ready').getByText('ready', { exact: true }).waitFor({ timeout: 120_000 });
  const networkFacts = await page.getByTestId('network-status').innerText();
  assert.match(networkFacts, /local devnet \(chain 31337\)/);
  assert.match(networkFacts, /http:\/\/127\.0\.0\.1:\d+/);
  assert.equal(await page.getByTestId('chain-notice').count(), 0, 'the notice goes once the devnet is ready');
  await screenshot(page, '40-rewards-network');

  // A custom network by RPC address and chain id: selectable, but not ready while no contracts are known there.
  const rpcUrl = /http:\/\/127\.0\.0\.1:\d+/.exec(networkFacts)![0];
  await page.getByLabel('Network id').fill('mirror');
  await page.getByLabel('Network name').fill('Mirror');
  await page.getByLabel('RPC URL').fill(rpcUrl);
  await page.getByLabel('Chain id').fill('31337');
  await page.getByRole('button', { name: 'Add network' }).click();
  await page.getByLabel('Selected network').selectOption('mirror');
  await page.getByTestId('network-ready').getByText('not ready').waitFor();
  await page.getByTestId('chain-notice').getByText('Mirror has no contracts known to this workspace.').waitFor();
  // Its contracts can be deployed from a wallet account or adopted by address (all five, well formed).
  const contracts = page.getByTestId('custom-contracts');
  await contracts.getByRole('button', { name: 'Deploy contracts' }).waitFor();
  assert.equal(await contracts.getByRole('button', { name: 'Use these contracts' }).isDisabled(), true);
  await page.getByLabel('Selected network').selectOption('devnet');
  await page.getByTestId('network-ready').getByText('ready', { exact: true }).waitFor();

  // Publish the snapshot root from ada: the datanet is registered, then the root published, each approved.
  await page.getByRole('link', { name: /Datanets/ }).click();
  await page.getByText('vault codes').click();
  await page.getByRole('tab', { name: 'Snapshots' }).click();
  const row = page.getByTestId(`publish-${snapshot.id}`);
  await row.getByRole('button', { name: 'Publish root' }).click();
  const publishDialog = page.getByRole('dialog', { name: 'Publish the snapshot root?' });
  assert.equal(await publishDialog.getByLabel('From wallet account').inputValue(), ada);
  await publishDialog.getByRole('button', { name: 'Publish root' }).click();
  await approve(page, /DatanetRegistry\.registerDatanet/);
  await screenshot(page, '41-rewards-publish-confirm');
  const publishSummary = await approve(page, /DatanetRegistry\.publishSnapshot/);
  assert.ok(publishSummary.toLowerCase().includes(snapshot.root.toLowerCase()), `the dialog shows the root being published:\n${publishSummary}`);
  assert.ok(publishSummary.includes(ada), 'the dialog names the sending account');
  await row.getByTestId('published-on').getByText(/Published on Local devnet/i).waitFor({ timeout: 60_000 });
  await screenshot(page, '42-rewards-published');

  // The adapter is registered the same way, from the Train screen.
  await page.getByRole('link', { name: /Train/ }).click();
  const adapterCell = page.getByTestId(`publish-${adapter.id}`);
  await adapterCell.getByRole('button', { name: 'Register on chain' }).click();
  await page.getByRole('dialog', { name: 'Register the adapter?' }).getByRole('button', { name: 'Register on chain' }).click();
  const registerSummary = await approve(page, /ModelRegistry\.registerAdapter/);
  assert.ok(registerSummary.toLowerCase().includes(snapshot.root.toLowerCase()), 'the registration names the snapshot root it was trained on');
  await adapterCell.getByTestId('published-on').getByText(/Published on Local devnet/i).waitFor({ timeout: 60_000 });

  // The chain's own events say the same root was published.
  await page.getByRole('link', { name: /Rewards/ }).click();
  await page.getByRole('tab', { name: 'Network' }).click();
  await page.getByRole('button', { name: 'Refresh', exact: true }).click();
  const activity = page.getByTestId('chain-activity');
  await activity.waitFor();
  const rows = await activity.locator('tbody tr').allInnerTexts();
  const subjects = await activity.locator('[data-value]').evaluateAll((els) => els.map((e) => e.getAttribute('data-value')));
  assert.ok(subjects.includes(snapshot.root), `the snapshot root is in the chain's activity: ${subjects.join(', ')}`);
  assert.deepEqual(new Set(rows.map((r) => r.split(/\s/)[0])), new Set(['datanet', 'snapshot', 'adapter']), rows.join('\n'));

  // Close an epoch of 1000 tokens over the three receipts; the devnet's operator publishes it (no dialog).
  await page.getByRole('tab', { name: 'Epochs' }).click();
  await page.getByTestId('pending-receipts').getByText(/^3 receipts not in an epoch yet/).waitFor();
  await page.getByLabel('Pool (tokens)').fill('1000');
  await page.getByRole('button', { name: 'Close epoch' }).click();
  await page.getByTestId('closed-epoch').getByText(/Epoch 1 closed: [\d,.]+ tokens to \d+ contributors? over 3 receipts · published/).waitFor({ timeout: 120_000 });
  const epochRow = page.getByTestId('epoch-1');
  const epochText = await epochRow.innerText();
  assert.match(epochText, /Local devnet/i);
  assert.equal(await epochRow.getByTestId('epoch-publish-tx').count(), 1);
  await page.getByTestId('pending-receipts').getByText(/^0 receipts/).waitFor();
  await screenshot(page, '43-rewards-epochs');

  // ada's reward: claim it with the wallet's approval; the balance grows by exactly the amount.
  await page.getByRole('tab', { name: 'My rewards' }).click();
  assert.equal(await page.getByLabel('Wallet account').inputValue(), ada);
  const claimRow = page.getByTestId('claim-1');
  await claimRow.getByTestId('claimed').getByText('unclaimed').waitFor({ timeout: 60_000 });
  const amountUnits = (await claimRow.locator('td[title$="base units"]').getAttribute('title'))!.split(' ')[0]!;
  assert.ok(BigInt(amountUnits) > 0n, `ada's reward is ${amountUnits}`);
  const balance = page.getByTestId('token-balance');
  await balance.waitFor();
  const before = (await balance.getAttribute('data-value'))!;
  await screenshot(page, '44-rewards-mine');
  await claimRow.getByRole('button', { name: 'Claim', exact: true }).click();
  const claimSummary = await approve(page, /RewardDistributor\.claim/);
  assert.ok(claimSummary.includes(ada), 'the claim is sent from ada');
  await claimRow.getByTestId('claimed').getByText('claimed', { exact: true }).waitFor({ timeout: 60_000 });
  await claimRow.getByTestId('claim-tx').waitFor();
  await until(async () => (await balance.getAttribute('data-value')) !== before, 'the balance is read again after the claim');
  const after = (await balance.getAttribute('data-value'))!;
  assert.equal(Number(after) - Number(before), Number(formatUnits(BigInt(amountUnits), 18)), `balance ${before} → ${after} for a claim of ${amountUnits}`);
  assert.equal(await claimRow.getByRole('button', { name: 'Claim', exact: true }).count(), 0, 'a claimed reward has no Claim button');
  await screenshot(page, '45-rewards-claimed');

  // bo's reward through a claim file: exported, signed by bo (the air-gapped half), submitted by ada.
  await page.getByLabel('Wallet account').selectOption(bo);
  const boRow = page.getByTestId('claim-1');
  await boRow.getByTestId('claimed').getByText('unclaimed').waitFor({ timeout: 60_000 });
  const boUnits = (await boRow.locator('td[title$="base units"]').getAttribute('title'))!.split(' ')[0]!;
  await until(async () => (await balance.getAttribute('data-value')) !== null && (await page.getByTestId('token-balance').count()) === 1, "bo's balance is shown");
  const boBefore = (await balance.getAttribute('data-value'))!;
  const airGapped = page.getByTestId('air-gapped-claim');
  const claimFile = await airGapped.getByLabel('Claim file', { exact: true }).inputValue();
  const signedFile = await airGapped.getByLabel('Signed claim file', { exact: true }).inputValue();
  assert.ok(claimFile.startsWith(workspace) && signedFile.endsWith('.signed.json'), `${claimFile} / ${signedFile}`);
  await airGapped.getByRole('button', { name: 'Export claim file' }).click();
  await until(async () => existsSync(claimFile), 'the claim file is written');
  await airGapped.getByRole('button', { name: 'Sign claim file' }).click();
  const signSummary = await approve(page, /Sign Claim/, 'signature');
  assert.ok(signSummary.includes(bo), 'bo signs the claim');
  await airGapped.getByText(/Signed claim written to/).waitFor({ timeout: 60_000 });
  const signed = JSON.parse(readFileSync(signedFile, 'utf8')) as { kind: string; account: string; recipient: string; amount: string };
  assert.deepEqual([signed.kind, signed.account.toLowerCase(), signed.recipient.toLowerCase(), signed.amount], ['datanet-studio/signed-reward-claim', bo.toLowerCase(), bo.toLowerCase(), boUnits]);
  assert.equal(await airGapped.getByLabel('Submit from (pays the gas)').inputValue(), ada);
  await airGapped.getByRole('button', { name: 'Submit signed claim' }).click();
  const submitSummary = await approve(page, /RewardDistributor\.claimWithSignature/);
  assert.ok(submitSummary.includes(ada), 'ada sends the signed claim');
  await airGapped.getByText(/Claim submitted in transaction 0x[0-9a-f]{64}/).waitFor({ timeout: 60_000 });
  await boRow.getByTestId('claimed').getByText('claimed', { exact: true }).waitFor({ timeout: 60_000 });
  await until(async () => (await balance.getAttribute('data-value')) !== boBefore, "bo's balance is read again");
  const boAfter = (await balance.getAttribute('data-value'))!;
  assert.equal(Number(boAfter) - Number(boBefore), Number(formatUnits(BigInt(boUnits), 18)), `bo's balance ${boBefore} → ${boAfter} for ${boUnits}`);
  await screenshot(page, '46-rewards-air-gapped');

  // The same signed claim again is refused by the contract before anything is signed, and the screen says why.
  assert.equal(await airGapped.getByLabel('Signed claim file to submit').inputValue(), signedFile, 'the paths stay after the claim');
  await airGapped.getByRole('button', { name: 'Submit signed claim' }).click();
  await airGapped.getByText(/AlreadyClaimed/).waitFor({ timeout: 60_000 });
  assert.equal(await page.getByRole('dialog', { name: 'Approve a transaction?' }).count(), 0, 'no approval is asked for a transaction that would revert');
});
