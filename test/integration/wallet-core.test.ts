import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { test } from 'node:test';
import { HDNodeWallet, Mnemonic, verifyTypedData } from 'ethers';
import type { SigningRequest } from '../../electron/shared/wallet';
import { call, tempDir, testCore } from '../helpers/workspace';
import { MAIL_DOMAIN, MAIL_MESSAGE, MAIL_TYPES } from '../fixtures/wallet/mail712';

/*
 * The wallet as the app hosts it: every call goes through the core's router (contract parsing,
 * envelopes), keystores use the default scrypt cost (N = 2^17, so this test takes seconds), and the
 * audit log and database are the workspace's real ones. Then everything the flows left behind is
 * searched for the secrets.
 */

test('through the core: create, import, lock, unlock and sign leave no phrase, key or password in envelopes, events, console, audit log, database or wallet files', async (t) => {
  const dir = tempDir(t);
  const core = testCore(t, dir);
  const seen: string[] = [];
  const events: string[] = [];
  t.after(core.onEvent((name, payload) => events.push(`${name} ${JSON.stringify(payload)}`)));
  const original = { log: console.log, info: console.info, warn: console.warn, error: console.error, debug: console.debug };
  for (const k of Object.keys(original) as Array<keyof typeof original>) console[k] = (...args: unknown[]) => void seen.push(`console.${k}: ${args.map((a) => inspect(a)).join(' ')}`);
  t.after(() => Object.assign(console, original));

  const phrase = Mnemonic.fromEntropy(`0x${'a7'.repeat(16)}`).phrase;
  const phraseKey = HDNodeWallet.fromPhrase(phrase).privateKey;
  const rawKey = `0x${'4e'.repeat(31)}11`;
  const password = 'core hygiene password';
  /** Each call's whole envelope is kept, except beginCreate's, whose phrase is meant to be shown once. */
  const rpc = async (method: string, input: unknown) => {
    const envelope = await core.call(method, input);
    if (method !== 'wallet.beginCreate') seen.push(`${method} ${JSON.stringify(envelope)}`);
    return envelope;
  };

  const begun = await call(core, 'wallet.beginCreate', {});
  const created = begun.mnemonic;
  const createdKey = HDNodeWallet.fromPhrase(created).privateKey;
  const words = created.split(' ');
  const right = begun.confirmPositions.map((position) => ({ position, word: words[position - 1]! }));
  const wrongWords = await rpc('wallet.confirmCreate', { pendingId: begun.pendingId, words: right.map((w) => ({ ...w, word: 'zzz' })), password });
  assert.deepEqual(wrongWords.ok ? null : wrongWords.error.code, 'BAD_INPUT');
  assert.equal((await rpc('wallet.confirmCreate', { pendingId: begun.pendingId, words: right, password })).ok, true);
  assert.equal((await rpc('wallet.import', { kind: 'mnemonic', mnemonic: phrase, password: 'another password' })).ok, false);
  assert.equal((await rpc('wallet.import', { kind: 'mnemonic', mnemonic: `${phrase} extra`, password })).ok, false);
  assert.equal((await rpc('wallet.import', { kind: 'mnemonic', mnemonic: phrase, password: 'short' })).ok, false, 'the router refuses a short password');
  assert.equal((await rpc('wallet.import', { kind: 'mnemonic', mnemonic: phrase, password, extra: rawKey })).ok, false, 'the router refuses an unknown field');
  assert.equal((await rpc('wallet.import', { kind: 'mnemonic', mnemonic: phrase, password })).ok, true);
  assert.equal((await rpc('wallet.import', { kind: 'privateKey', privateKey: `${rawKey.slice(0, -2)}zz`, password })).ok, false);
  assert.equal((await rpc('wallet.import', { kind: 'privateKey', privateKey: rawKey, password })).ok, true);
  assert.equal((await rpc('wallet.lock', {})).ok, true);
  const wrongUnlock = await rpc('wallet.unlock', { password: 'not it at all' });
  assert.deepEqual(wrongUnlock.ok ? null : wrongUnlock.error, { code: 'UNAUTHORIZED', message: 'Wrong wallet password.' });
  assert.equal((await rpc('wallet.unlock', { password })).ok, true);

  const { items: accounts } = await call(core, 'wallet.listAccounts', {});
  assert.deepEqual(
    accounts.map((a) => a.kind),
    ['mnemonic', 'mnemonic', 'privateKey'],
  );
  for (const a of accounts) {
    const request = (await rpc('wallet.requestTypedData', { account: a.address, domain: MAIL_DOMAIN, types: MAIL_TYPES, primaryType: 'Mail', message: MAIL_MESSAGE })) as { ok: true; value: SigningRequest };
    assert.ok(events.some((e) => e.startsWith('wallet.request') && e.includes(request.value.id)), 'the UI is told');
    const approved = await rpc('wallet.approve', { id: request.value.id });
    assert.ok(approved.ok);
    assert.equal(verifyTypedData(MAIL_DOMAIN, MAIL_TYPES, MAIL_MESSAGE, (approved.value as { signature: string }).signature), a.address);
  }
  await rpc('wallet.status', {});

  const audit = await call(core, 'audit.listEntries', { limit: 500 });
  const actions = audit.items.map((e) => e.action);
  for (const action of ['wallet.created', 'wallet.imported', 'wallet.signedTypedData']) assert.ok(actions.includes(action), `${action} is audited`);
  Object.assign(console, original);
  await core.close();

  const secrets = [created, phrase, createdKey, phraseKey, rawKey, password]
    .flatMap((s) => (s.startsWith('0x') ? [s, s.slice(2)] : [s]))
    .concat([created, phrase].flatMap((p) => p.split(' ').slice(0, -2).map((_, i) => p.split(' ').slice(i, i + 3).join(' '))))
    .map((s) => s.toLowerCase());
  const scan = (where: string, text: string) => {
    const lower = text.toLowerCase();
    for (const s of secrets) assert.ok(!lower.includes(s), `${where} contains a secret (${s.length} characters)`);
  };
  assert.ok(seen.length >= 15);
  for (const s of seen) scan('an envelope or console output', s);
  for (const e of events) scan('an event', e);
  scan('the audit log', JSON.stringify(audit));
  for (const f of readdirSync(dir).filter((f) => f.startsWith('studio.db'))) scan(f, readFileSync(join(dir, f)).toString('latin1'));
  const walletFiles = readdirSync(join(dir, 'wallet'));
  assert.equal(walletFiles.filter((f) => f.startsWith('wsrc_')).length, 3);
  for (const f of walletFiles) scan(`wallet/${f}`, readFileSync(join(dir, 'wallet', f), 'utf8'));
});
