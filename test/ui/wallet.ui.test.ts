import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Wallet, verifyTypedData } from 'ethers';
import WebSocket from 'ws';
import type { AuditEntry } from '../../electron/shared/audit';
import type { SigningRequest } from '../../electron/shared/wallet';
import { TOKEN_PARAM, WS_PATH } from '../../electron/shared/transport';
import { openApp, screenshot } from '../helpers/browser';
import { tempDir } from '../helpers/workspace';

const PASSWORD = 'correct horse battery';

/**
 * A second client of the same serve process, as another part of the app (or the API) would be: it
 * asks for signatures, which the page must show for approval.
 */
async function secondClient(openUrl: string, t: TestContext) {
  const url = new URL(openUrl);
  const token = new RegExp(`${TOKEN_PARAM}=([^&]+)`).exec(url.hash)![1]!;
  const ws = new WebSocket(`ws://${url.host}${WS_PATH}?${TOKEN_PARAM}=${token}`);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  t.after(() => ws.close());
  let nextId = 1;
  const events: { name: string; payload: unknown }[] = [];
  const waiting = new Map<number, (r: { ok: boolean; value?: unknown; error?: { message: string } }) => void>();
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data));
    if (frame.type === 'result') waiting.get(frame.id)?.(frame.result);
    else events.push({ name: frame.name, payload: frame.payload });
  });
  return {
    events,
    async call<T>(method: string, input: unknown): Promise<T> {
      const id = nextId++;
      const result = await new Promise<{ ok: boolean; value?: unknown; error?: { message: string } }>((resolve) => {
        waiting.set(id, resolve);
        ws.send(JSON.stringify({ type: 'call', id, method, input }));
      });
      if (!result.ok) throw new Error(`${method}: ${result.error!.message}`);
      return result.value as T;
    },
  };
}

test('create a wallet in the UI (phrase shown once, words confirmed), lock and unlock, approve and reject signing requests', async (t) => {
  const workspace = tempDir(t);
  const { serve, page } = await openApp(t, workspace);
  await page.getByRole('link', { name: /Wallet/ }).click();
  await page.getByRole('heading', { name: 'No wallet in this workspace yet' }).waitFor();
  await screenshot(page, '30-wallet-empty');

  // Create: the phrase is shown, then some of its words are asked back.
  await page.getByRole('button', { name: 'Create wallet' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create a wallet' });
  await dialog.getByRole('button', { name: 'Show recovery phrase' }).click();
  await dialog.getByTestId('mnemonic').locator('.mnemonic-word').nth(11).waitFor();
  const words = await dialog.getByTestId('mnemonic').locator('.mnemonic-word').allInnerTexts();
  assert.equal(words.length, 12);
  assert.ok(words.every((w) => /^[a-z]+$/.test(w)), `not BIP-39 words: ${words.join(' ')}`);
  await screenshot(page, '31-wallet-phrase');
  const next = dialog.getByRole('button', { name: 'Next' });
  assert.equal(await next.isDisabled(), true, 'Next must wait for "I have written it down"');
  await dialog.getByLabel('I have written down the recovery phrase').check();
  await next.click();

  const asked = dialog.getByLabel(/^Word #\d+$/);
  await asked.first().waitFor();
  const positions = (await dialog.locator('.field-label').allInnerTexts()).flatMap((l) => (/^Word #(\d+)$/.exec(l) ? [Number(/^Word #(\d+)$/.exec(l)![1])] : []));
  assert.ok(positions.length >= 2, `asked positions: ${positions.join(', ')}`);
  // A wrong word is refused and nothing is created.
  for (const [i, p] of positions.entries()) await dialog.getByLabel(`Word #${p}`, { exact: true }).fill(i === 0 ? (words[p - 1] === 'zoo' ? 'abandon' : 'zoo') : words[p - 1]!);
  await dialog.getByLabel('New password').fill(PASSWORD);
  await dialog.getByLabel('Repeat password').fill(PASSWORD);
  await dialog.getByLabel('Account label').fill('Contributions');
  await dialog.getByRole('button', { name: 'Create wallet' }).click();
  await dialog.getByRole('alert').waitFor();
  assert.match(await dialog.getByRole('alert').innerText(), /word/i);
  await dialog.getByLabel(`Word #${positions[0]}`, { exact: true }).fill(words[positions[0]! - 1]!);
  await dialog.getByRole('button', { name: 'Create wallet' }).click();
  await dialog.waitFor({ state: 'detached', timeout: 60_000 });

  const accounts = page.getByTestId('wallet-accounts');
  await accounts.getByText('Contributions').waitFor();
  const address = /0x[0-9a-fA-F]{40}/.exec(await accounts.locator('tbody tr').first().innerText())![0];
  assert.equal(await accounts.locator('tbody tr').count(), 1);
  const status = page.getByTestId('wallet-status');
  await status.getByRole('heading', { name: 'Unlocked', exact: true }).waitFor();
  await screenshot(page, '32-wallet-unlocked');

  // Import a private key into the same wallet (its password, not a new one).
  const imported = Wallet.createRandom();
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  const importDialog = page.getByRole('dialog', { name: 'Import a wallet' });
  await importDialog.getByRole('tab', { name: 'Private key' }).click();
  await importDialog.getByRole('textbox', { name: 'Private key' }).fill(imported.privateKey);
  await importDialog.getByLabel('Wallet password').fill(PASSWORD);
  await importDialog.getByLabel('Account label').fill('Imported key');
  await importDialog.getByRole('button', { name: 'Import', exact: true }).click();
  await importDialog.waitFor({ state: 'detached', timeout: 60_000 });
  await accounts.getByText(imported.address).waitFor();
  assert.equal(await accounts.locator('tbody tr').count(), 2);

  // Auto-lock is a wallet setting kept in the workspace.
  await status.getByLabel('Auto-lock after (minutes)').fill('7');
  await status.getByRole('button', { name: 'Save' }).click();
  await page.getByText('The wallet locks itself after 7 minutes without signing').waitFor();
  await page.reload();
  await status.getByLabel('Auto-lock after (minutes)').waitFor();
  assert.equal(await status.getByLabel('Auto-lock after (minutes)').inputValue(), '7');

  // Lock, then a wrong password is refused and the right one unlocks.
  await page.getByRole('button', { name: 'Lock', exact: true }).click();
  await status.getByRole('heading', { name: 'Locked', exact: true }).waitFor();
  await status.getByLabel('Wallet password').fill('not the password');
  await status.getByRole('button', { name: 'Unlock' }).click();
  await status.getByRole('alert').waitFor({ timeout: 60_000 });
  await status.getByLabel('Wallet password').fill(PASSWORD);
  await status.getByRole('button', { name: 'Unlock' }).click();
  await status.getByRole('heading', { name: 'Unlocked', exact: true }).waitFor({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Lock', exact: true }).click();
  await status.getByRole('heading', { name: 'Locked', exact: true }).waitFor();

  // Another client asks for a signature while the wallet is locked: the dialog shows what is signed,
  // for which contract and chain; approving with the password signs it.
  const other = await secondClient(serve.openUrl, t);
  const typed = {
    domain: { name: 'Datanet Studio', version: '1', chainId: 31337, verifyingContract: '0x5FbDB2315678afecb367f032d93F642f64180aa3' },
    types: { Contribution: [{ name: 'record', type: 'bytes32' }, { name: 'datanet', type: 'string' }] },
    primaryType: 'Contribution',
    message: { record: `0x${'ab'.repeat(32)}`, datanet: 'colours' },
  };
  const request = await other.call<SigningRequest>('wallet.requestTypedData', { account: address, ...typed, purpose: 'Sign a contribution' });
  const confirm = page.getByRole('dialog', { name: 'Approve a signature?' });
  await confirm.waitFor();
  const summary = confirm.getByTestId('request-summary');
  await summary.getByText('Sign Contribution').waitFor();
  const shown = await summary.innerText();
  for (const expected of ['local devnet (chain 31337)', '0x5FbDB2315678afecb367f032d93F642f64180aa3', 'colours', `0x${'ab'.repeat(32)}`, 'Sign a contribution', address]) {
    assert.ok(shown.toLowerCase().includes(expected.toLowerCase()), `the dialog should show ${expected}:\n${shown}`);
  }
  await screenshot(page, '33-wallet-confirm');
  await confirm.getByLabel('Wallet password').fill(PASSWORD);
  await confirm.getByRole('button', { name: 'Approve' }).click();
  await confirm.waitFor({ state: 'detached', timeout: 60_000 });
  const activity = page.getByTestId('wallet-activity');
  await activity.getByText('approved', { exact: true }).waitFor();

  // The signature in the audit log is by the account, over exactly this typed data.
  const entries = await other.call<{ items: AuditEntry[] }>('audit.listEntries', { offset: 0, limit: 50 });
  const signed = entries.items.find((e) => e.action === 'wallet.signedTypedData' && e.details.requestId === request.id);
  assert.ok(signed, 'the signature is in the audit log');
  assert.equal(verifyTypedData(typed.domain, typed.types, typed.message, signed.details.signature as string), address);

  // A second request is rejected; the other client sees it rejected.
  const second = await other.call<SigningRequest>('wallet.requestTypedData', { account: address, ...typed, message: { ...typed.message, datanet: 'other' } });
  await confirm.waitFor();
  await confirm.getByRole('button', { name: 'Reject' }).click();
  await confirm.waitFor({ state: 'detached' });
  await activity.getByText('rejected', { exact: true }).waitFor();
  assert.ok(other.events.some((e) => e.name === 'wallet.request' && (e.payload as SigningRequest).id === second.id && (e.payload as SigningRequest).state === 'rejected'));
  await screenshot(page, '34-wallet-activity');

  // No network yet, so no balance column; with the local devnet (real anvil) running, balances show.
  assert.equal(await accounts.getByRole('columnheader', { name: 'Balance' }).count(), 0);
  const { jobId } = await other.call<{ jobId: string }>('chain.startDevnet', {});
  const finished = await waitForEvent(other.events, (e) => e.name === 'jobs.finished' && (e.payload as { id: string }).id === jobId, 180_000);
  assert.equal((finished.payload as { state: string }).state, 'succeeded', JSON.stringify(finished.payload));
  await page.getByRole('button', { name: 'Refresh balances' }).click();
  await accounts.getByRole('columnheader', { name: 'Balance' }).waitFor();
  const balanceCells = accounts.getByText(/^\d+\.\d+ native · \d+\.\d+ \w+$/);
  await balanceCells.first().waitFor();
  assert.equal(await balanceCells.count(), 2, 'each account has its balance');
  await screenshot(page, '35-wallet-balances');
});

async function waitForEvent<E>(events: E[], match: (e: E) => boolean, timeoutMs: number): Promise<E> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = events.find(match);
    if (found) return found;
    if (Date.now() > until) throw new Error(`no matching event in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
