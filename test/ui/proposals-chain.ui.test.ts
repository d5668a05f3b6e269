/**
 * A proposal staked and reviewed on chain from its page, on a real anvil devnet: the stake is
 * approved in the wallet's dialog, one reviewer votes from this workspace's wallet, another from a
 * wallet elsewhere (ethers with that reviewer's key, straight to the registry), and "Read votes from
 * the chain" records that vote and moves the proposal to the registry's decision.
 *
 * Set-up in-process, through the contract: the wallet (a fixed phrase, so the reviewer outside the
 * wallet has a known key), the reviewers and the draft. The proposal board's own flow is covered
 * by proposals.ui.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Contract, HDNodeWallet, JsonRpcProvider, Mnemonic, toBeHex } from 'ethers';
import { contractInterface } from '../../electron/core/chain/contracts';
import { openCore } from '../../electron/core/core';
import { approveInWallet, screenshot, openApp } from '../helpers/browser';
import { call, tempDir } from '../helpers/workspace';

// A fixed phrase made for this test (its entropy is 16 bytes of 0x6b); it funds nothing anywhere.
const MNEMONIC = Mnemonic.fromEntropy(new Uint8Array(16).fill(0x6b)).phrase;
const PASSWORD = 'proposal chain ui password';
const keyOf = (i: number) => HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), `m/44'/60'/0'/0/${i}`);

test('stake a proposal on chain from its page, vote from the wallet and from elsewhere, and follow the registry to approved', async (t) => {
  const workspace = tempDir(t);
  const core = openCore({ workspaceDir: workspace, host: 'test' });
  const imported = await call(core, 'wallet.import', { kind: 'mnemonic', mnemonic: MNEMONIC, password: PASSWORD, label: 'proposer' });
  const proposer = imported.accounts[0]!.address;
  const inWallet = (await call(core, 'wallet.addAccount', { label: 'reviewer one' })).address;
  assert.equal(inWallet, keyOf(1).address);
  // A reviewer whose key is not in this wallet: index 5 of the phrase is never added here.
  const elsewhere = keyOf(5);
  await call(core, 'proposals.setReviewers', { addresses: [inWallet, elsewhere.address, keyOf(6).address] });
  const { id: datanetId } = await call(core, 'datanets.create', { name: 'Contracts' });
  await call(core, 'proposals.create', {
    title: 'Clause explainer', purpose: 'Explain contract clauses in plain words.', useCase: 'Small firms reading supplier contracts.', baseModel: 'tiny-llama',
    targetDatanets: [datanetId], dataRequirements: { kinds: ['instruction'], minApprovedRecords: 2 }, evaluationCriteria: { maxHeldOutLoss: 2 }, owner: proposer,
  });
  await core.close();

  const { page } = await openApp(t, workspace);
  await page.getByRole('link', { name: /Proposals/ }).click();
  await page.getByRole('region', { name: 'Draft' }).getByRole('button', { name: 'Clause explainer' }).click();
  const state = page.getByTestId('proposal-state');
  await page.getByRole('heading', { name: 'Clause explainer' }).waitFor();

  // The stake: the devnet starts, the registry is deployed with the reviewers, and the wallet asks twice.
  await page.getByRole('button', { name: 'Submit with a stake on chain' }).click();
  const dialog = page.getByRole('dialog', { name: 'Submit with a stake on chain?' });
  assert.match(await dialog.innerText(), /a stake of 10 reward tokens/);
  assert.equal(await dialog.getByLabel('Stake from wallet account').inputValue(), proposer);
  assert.match(await dialog.getByTestId('stake-reviewers').innerText(), new RegExp(elsewhere.address.toLowerCase()));
  await dialog.getByRole('button', { name: 'Stake and submit' }).click();
  const approveSummary = await approveInWallet(page, { expected: /DevToken\.approve/, password: PASSWORD });
  assert.ok(approveSummary.includes(proposer), 'the proposer approves the stake');
  await approveInWallet(page, { expected: /ProposalRegistry\.submit/, password: PASSWORD });
  await state.getByText('In review').waitFor({ timeout: 60_000 });
  assert.match(await page.getByTestId('proposal-stake').innerText(), /10 tokens on local devnet \(chain 31337\), registry proposal #1/);
  const registry = await page.getByTestId('proposal-registry').innerText();
  assert.equal(await page.getByRole('button', { name: 'Move to Approved' }).count(), 0, 'the registry decides, not a local move');

  // The reviewer in this wallet votes here; the one elsewhere cannot from this page.
  await page.getByRole('button', { name: `Approve on chain as ${inWallet.toLowerCase()}` }).click();
  await approveInWallet(page, { expected: /ProposalRegistry\.vote/, password: PASSWORD });
  const votes = page.getByTestId('chain-vote');
  await votes.filter({ hasText: inWallet.toLowerCase() }).getByText('approved').waitFor({ timeout: 60_000 });
  assert.equal(await state.innerText(), 'In review', 'one vote of three is not a majority');
  assert.equal(await page.getByRole('button', { name: `Approve on chain as ${elsewhere.address.toLowerCase()}` }).isDisabled(), true);

  // The other reviewer votes from their own wallet, straight to the registry on the devnet's RPC.
  await page.getByRole('link', { name: /Rewards/ }).click();
  await page.getByRole('tab', { name: 'Network' }).click();
  const rpcUrl = /http:\/\/127\.0\.0\.1:\d+/.exec(await page.getByTestId('network-status').innerText())![0];
  const provider = new JsonRpcProvider(rpcUrl, 31337, { staticNetwork: true });
  t.after(() => provider.destroy());
  await provider.send('anvil_setBalance', [elsewhere.address, toBeHex(10n ** 18n)]);
  const tx = (await new Contract(registry, contractInterface('ProposalRegistry'), elsewhere.connect(provider)).getFunction('vote')(1n, true)) as { hash: string; wait(): Promise<unknown> };
  await tx.wait();

  await page.getByRole('link', { name: /Proposals/ }).click();
  await page.getByRole('region', { name: 'In review' }).getByRole('button', { name: 'Clause explainer' }).click();
  await page.getByRole('button', { name: 'Read votes from the chain' }).click();
  await page.getByRole('status').getByText('1 new vote read from the chain').waitFor({ timeout: 60_000 });
  await state.getByText('Approved').waitFor();
  const lines = await page.getByTestId('proposal-timeline').locator('li').allInnerTexts();
  assert.match(lines.at(-2)!, /Submitted → In review .*open for review on chain 31337 \(registry proposal #1\)/);
  assert.match(lines.at(-1)!, /In review → Approved .*approved on chain by 2 reviewers; the stake of 10\.0 tokens went back to/);
  await page.getByRole('button', { name: 'Move to Gathering data' }).waitFor();
  // Both votes stay on the page with their transactions, the one read from the chain included.
  const recorded = page.getByTestId('proposal-votes');
  assert.match(await recorded.innerText(), new RegExp(`${elsewhere.address.toLowerCase()} approved`));
  assert.equal(await recorded.locator(`[data-value="${tx.hash}"]`).count(), 1, 'the vote cast elsewhere is recorded with its transaction');
  await screenshot(page, '21-proposal-on-chain');
});
