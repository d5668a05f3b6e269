import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { test, type TestContext } from 'node:test';
import { HDNodeWallet, Mnemonic, Wallet, encryptKeystoreJson, hexlify, scrypt, verifyTypedData } from 'ethers';
import { AppError } from '../../electron/shared/errors';
import { walletMethods, type WalletEventName } from '../../electron/shared/wallet';
import { guarded } from '../../electron/core/rpc/wallet-handlers';
import { checkKeystoreKdf } from '../../electron/core/wallet/keystore-limits';
import { useNativeScrypt } from '../../electron/core/wallet/native-scrypt';
import { APPROVE_WITHOUT_ASKING, WalletService, type WalletServiceOptions } from '../../electron/core/wallet/service';
import { summarizeTypedData } from '../../electron/core/wallet/typed-data';
import { tempDir } from '../helpers/workspace';
import { MAIL_TYPES, mail } from '../fixtures/wallet/mail712';

/*
 * Keystores here use scrypt N = 2^10 through the explicit `scryptN` test option: the default 2^17
 * costs about a second per encryption in ethers' JavaScript scrypt, and these tests write dozens.
 */
const TEST_SCRYPT_N = 2 ** 10;
const PASSWORD = 'correct horse battery';
/** The standard development phrase: its accounts are published, so the addresses are known. */
const DEV_PHRASE = 'test test test test test test test test test test test junk';
const DEV_ADDRESSES = ['0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'];
const KEY = '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba';
const KEY_ADDRESS = '0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc';

function makeWallet(t: TestContext, extra: Partial<WalletServiceOptions> = {}) {
  const dir = join(tempDir(t, 'dstudio-wallet-'), 'wallet');
  const events: Array<{ name: WalletEventName; payload: unknown }> = [];
  const wallet = new WalletService({ dir, scryptN: TEST_SCRYPT_N, onEvent: (name, payload) => events.push({ name, payload }), ...extra });
  t.after(() => wallet.close());
  return { wallet, dir, events };
}

const rejectsWith = async (p: Promise<unknown> | (() => unknown), code: string, pattern: RegExp) => {
  await assert.rejects(async () => (typeof p === 'function' ? p() : p), (e: unknown) => {
    assert.ok(e instanceof AppError, `expected an AppError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    return true;
  });
};


test('create: the phrase is returned once, wrong confirmation words are refused, the right ones persist a keystore v3', async (t) => {
  const { wallet, dir, events } = makeWallet(t);
  assert.deepEqual(wallet.status(), { exists: false, locked: true, accounts: 0, autoLockMinutes: 15, locksAt: null });
  const begun = wallet.beginCreate();
  const words = begun.mnemonic.split(' ');
  assert.equal(words.length, 12);
  assert.ok(Mnemonic.isValidMnemonic(begun.mnemonic));
  assert.equal(begun.confirmPositions.length, 3);
  assert.equal(new Set(begun.confirmPositions).size, 3);

  const right = begun.confirmPositions.map((position) => ({ position, word: words[position - 1]! }));
  const wrong = right.map((w, i) => (i === 1 ? { ...w, word: w.word === 'zoo' ? 'abandon' : 'zoo' } : w));
  await rejectsWith(wallet.confirmCreate({ pendingId: begun.pendingId, words: wrong, password: PASSWORD }), 'BAD_INPUT', new RegExp(`word ${right[1]!.position} does not match`));
  await rejectsWith(wallet.confirmCreate({ pendingId: begun.pendingId, words: right.slice(1), password: PASSWORD }), 'BAD_INPUT', /is missing/);
  assert.equal(wallet.status().exists, false, 'nothing is written before the words match');

  const account = await wallet.confirmCreate({ pendingId: begun.pendingId, words: right, password: PASSWORD, label: 'Main' });
  assert.equal(account.address, HDNodeWallet.fromPhrase(begun.mnemonic).address, 'account 0 of the shown phrase');
  assert.equal(account.hdPath, "m/44'/60'/0'/0/0");
  assert.equal(account.label, 'Main');
  assert.deepEqual(wallet.status().locked, false, 'a new wallet starts unlocked');
  assert.ok(events.some((e) => e.name === 'wallet.changed' && (e.payload as { change: string }).change === 'created'));

  // The phrase cannot be had again: the pending id is spent, and no method returns a phrase.
  await rejectsWith(wallet.confirmCreate({ pendingId: begun.pendingId, words: right, password: PASSWORD }), 'NOT_FOUND', /unknown or has expired/);
  const keystoreFile = readdirSync(dir).find((f) => f.startsWith('wsrc_'))!;
  const keystore = JSON.parse(readFileSync(join(dir, keystoreFile), 'utf8'));
  assert.equal(keystore.version, 3);
  assert.equal(keystore.Crypto.kdf, 'scrypt');
  assert.equal(keystore.Crypto.kdfparams.n, TEST_SCRYPT_N);
  assert.ok(keystore['x-ethers'].mnemonicCiphertext, 'the phrase is in the keystore, encrypted');
  assert.deepEqual(Object.keys(JSON.parse(readFileSync(join(dir, 'accounts.json'), 'utf8'))).sort(), ['accounts', 'autoLockMinutes', 'sources', 'version']);

  // A restart: the phrase comes back from the keystore and derives the same account.
  wallet.lock();
  const again = new WalletService({ dir, scryptN: TEST_SCRYPT_N });
  t.after(() => again.close());
  await again.unlock({ password: PASSWORD });
  const added = await again.addAccount({});
  assert.equal(added.address, HDNodeWallet.fromPhrase(begun.mnemonic, undefined, "m/44'/60'/0'/0/1").address);
});

test('a pending phrase can be discarded', async (t) => {
  const { wallet } = makeWallet(t);
  const begun = wallet.beginCreate();
  assert.deepEqual(wallet.cancelCreate({ pendingId: begun.pendingId }), { cancelled: true });
  assert.deepEqual(wallet.cancelCreate({ pendingId: begun.pendingId }), { cancelled: false });
  const words = begun.mnemonic.split(' ');
  const right = begun.confirmPositions.map((position) => ({ position, word: words[position - 1]! }));
  await rejectsWith(wallet.confirmCreate({ pendingId: begun.pendingId, words: right, password: PASSWORD }), 'NOT_FOUND', /unknown or has expired/);
});

test('a pending phrase expires', async (t) => {
  const { wallet } = makeWallet(t, { pendingCreateTtlMs: 20 });
  const begun = wallet.beginCreate();
  await new Promise((r) => setTimeout(r, 60));
  const words = begun.mnemonic.split(' ');
  const right = begun.confirmPositions.map((position) => ({ position, word: words[position - 1]! }));
  await rejectsWith(wallet.confirmCreate({ pendingId: begun.pendingId, words: right, password: PASSWORD }), 'NOT_FOUND', /expired/);
});

test('the development phrase derives its published accounts, several of them, in order', async (t) => {
  const { wallet } = makeWallet(t);
  const { accounts } = await wallet.import({ kind: 'mnemonic', mnemonic: `  ${DEV_PHRASE.toUpperCase()} `, password: PASSWORD });
  assert.equal(accounts[0]!.address, DEV_ADDRESSES[0]);
  const second = await wallet.addAccount({ label: 'Second' });
  const third = await wallet.addAccount({ sourceId: accounts[0]!.sourceId });
  assert.deepEqual([second.address, third.address], DEV_ADDRESSES.slice(1));
  assert.deepEqual(wallet.listAccounts().map((a) => [a.index, a.hdPath, a.kind]), [
    [0, "m/44'/60'/0'/0/0", 'mnemonic'],
    [1, "m/44'/60'/0'/0/1", 'mnemonic'],
    [2, "m/44'/60'/0'/0/2", 'mnemonic'],
  ]);
  await rejectsWith(wallet.import({ kind: 'mnemonic', mnemonic: DEV_PHRASE, password: PASSWORD }), 'CONFLICT', /already in this wallet/);
});

test('import: private key, then a keystore, sharing the one wallet password; bad input is named without being echoed', async (t) => {
  const { wallet } = makeWallet(t);
  const { accounts } = await wallet.import({ kind: 'privateKey', privateKey: KEY.slice(2), password: PASSWORD, label: 'Hot key' });
  assert.deepEqual([accounts[0]!.address, accounts[0]!.kind, accounts[0]!.hdPath], [KEY_ADDRESS, 'privateKey', null]);

  const foreign = Wallet.createRandom();
  const json = await encryptKeystoreJson({ address: foreign.address, privateKey: foreign.privateKey }, 'their password', { scrypt: { N: 2 ** 10 } });
  await rejectsWith(wallet.import({ kind: 'keystore', keystoreJson: json, keystorePassword: 'not theirs', password: PASSWORD }), 'UNAUTHORIZED', /keystorePassword: does not open/);
  await rejectsWith(wallet.import({ kind: 'keystore', keystoreJson: json, keystorePassword: 'their password', password: 'another password' }), 'UNAUTHORIZED', /wrong wallet password/);
  const imported = await wallet.import({ kind: 'keystore', keystoreJson: json, keystorePassword: 'their password', password: PASSWORD });
  assert.deepEqual([imported.accounts[0]!.address, imported.accounts[0]!.kind], [foreign.address, 'keystore']);

  await rejectsWith(wallet.import({ kind: 'privateKey', privateKey: '0x1234', password: PASSWORD }), 'BAD_INPUT', /^privateKey: must be 64 hex digits/);
  await rejectsWith(wallet.import({ kind: 'privateKey', privateKey: '0'.repeat(64), password: PASSWORD }), 'BAD_INPUT', /not a valid secp256k1 key/);
  await rejectsWith(wallet.import({ kind: 'mnemonic', mnemonic: 'apple banana cherry', password: PASSWORD }), 'BAD_INPUT', /has 3\.$/);
  const swapped = DEV_PHRASE.replace('junk', 'test');
  await rejectsWith(wallet.import({ kind: 'mnemonic', mnemonic: swapped, password: PASSWORD }), 'BAD_INPUT', /checksum/);

  // Both keys come back from their keystores after a lock.
  wallet.lock();
  await wallet.unlock({ password: PASSWORD });
  const r = wallet.requestTypedData(mail(foreign.address));
  const { signature } = await wallet.approve({ id: r.id });
  assert.equal(verifyTypedData(mail('').domain, MAIL_TYPES, mail('').message, signature!), foreign.address);
});

test('an imported ethers keystore that carries its phrase keeps its HD accounts', async (t) => {
  const { wallet } = makeWallet(t);
  const node = HDNodeWallet.fromPhrase(DEV_PHRASE);
  const json = await encryptKeystoreJson(
    { address: node.address, privateKey: node.privateKey, mnemonic: { entropy: node.mnemonic!.entropy, path: node.path!, locale: 'en' } },
    'old',
    { scrypt: { N: 2 ** 10 } },
  );
  const { accounts } = await wallet.import({ kind: 'keystore', keystoreJson: json, keystorePassword: 'old', password: PASSWORD });
  assert.equal(accounts[0]!.address, DEV_ADDRESSES[0]);
  assert.equal((await wallet.addAccount({})).address, DEV_ADDRESSES[1]);
});

test('hostile keystores are refused from their parameters, before any key derivation, naming the field', async (t) => {
  const foreign = Wallet.createRandom();
  const json = await encryptKeystoreJson({ address: foreign.address, privateKey: foreign.privateKey }, 'pw', { scrypt: { N: 2 ** 10 } });
  const withParams = (patch: Record<string, unknown>, kdf?: string) => {
    const k = JSON.parse(json);
    if (kdf) k.Crypto.kdf = kdf;
    k.Crypto.kdfparams = { ...k.Crypto.kdfparams, ...patch };
    return JSON.stringify(k);
  };
  // n = 2^30 would need 128 GiB and hours in scrypt; refusing it is the only way this test finishes.
  assert.throws(() => checkKeystoreKdf(withParams({ n: 2 ** 30 })), /crypto\.kdfparams\.n is 1073741824, above the limit/);
  assert.throws(() => checkKeystoreKdf(withParams({ n: 3000 })), /crypto\.kdfparams\.n must be a positive power of two/);
  assert.throws(() => checkKeystoreKdf(withParams({ r: 1024 })), /crypto\.kdfparams\.r is 1024/);
  assert.throws(() => checkKeystoreKdf(withParams({ p: 2 ** 20 })), /crypto\.kdfparams\.p is 1048576/);
  assert.throws(() => checkKeystoreKdf(withParams({ n: 2 ** 18, r: 16 })), /crypto\.kdfparams\.r with n = 262144 needs more than 256 MiB/);
  assert.throws(() => checkKeystoreKdf(withParams({ c: 2 ** 40, prf: 'hmac-sha256' }, 'pbkdf2')), /crypto\.kdfparams\.c is 1099511627776/);
  assert.throws(() => checkKeystoreKdf(withParams({}, 'argon2')), /crypto\.kdf must be "scrypt" or "pbkdf2"/);
  assert.throws(() => checkKeystoreKdf('{"version":3'), /not valid JSON/);
  assert.throws(() => checkKeystoreKdf(json.replace('"version":3', '"version":1')), /version must be 3/);
  assert.deepEqual(checkKeystoreKdf(json), { kdf: 'scrypt', cost: 2 ** 10 });
  // geth's standard and light parameters pass.
  assert.deepEqual(checkKeystoreKdf(withParams({ n: 2 ** 18, r: 8, p: 1 })), { kdf: 'scrypt', cost: 2 ** 18 });
  assert.deepEqual(checkKeystoreKdf(withParams({ c: 262144, prf: 'hmac-sha256' }, 'pbkdf2')), { kdf: 'pbkdf2', cost: 262144 });

  const { wallet } = makeWallet(t);
  await rejectsWith(
    wallet.import({ kind: 'keystore', keystoreJson: withParams({ n: 2 ** 30 }), keystorePassword: 'pw', password: PASSWORD }),
    'BAD_INPUT',
    /^keystoreJson: crypto\.kdfparams\.n is 1073741824/,
  );
  assert.equal(wallet.status().exists, false);
});

test('lock and unlock: a wrong password is a clear error and leaves it locked; locked wallets refuse to sign', async (t) => {
  const { wallet, events } = makeWallet(t);
  const [account] = (await wallet.import({ kind: 'mnemonic', mnemonic: DEV_PHRASE, password: PASSWORD })).accounts;
  const request = wallet.requestTypedData(mail(account!.address));
  wallet.lock();
  assert.equal(wallet.status().locked, true);
  assert.equal(wallet.status().locksAt, null);
  await rejectsWith(wallet.approve({ id: request.id }), 'UNAUTHORIZED', /locked: unlock it to approve/);
  await rejectsWith(wallet.addAccount({}), 'UNAUTHORIZED', /locked/);
  await rejectsWith(wallet.unlock({ password: 'wrong password' }), 'UNAUTHORIZED', /^Wrong wallet password\.$/);
  assert.equal(wallet.status().locked, true);
  const status = await wallet.unlock({ password: PASSWORD });
  assert.equal(status.locked, false);
  assert.ok(status.locksAt && Date.parse(status.locksAt) > Date.now());
  assert.equal(wallet.listRequests()[0]!.state, 'pending', 'a request survives a lock and can be approved after unlocking');
  const { signature } = await wallet.approve({ id: request.id });
  assert.equal(verifyTypedData(mail('').domain, MAIL_TYPES, mail('').message, signature!), DEV_ADDRESSES[0]);
  assert.deepEqual(
    events.filter((e) => e.name === 'wallet.changed').map((e) => (e.payload as { change: string }).change),
    ['imported', 'locked', 'unlocked'],
  );
});

test('auto-lock fires after the idle time, and a signature restarts the countdown', async (t) => {
  // 1.5 s: long enough that a busy machine still signs before it locks, short enough to wait for.
  const { wallet, dir, events } = makeWallet(t, { autoLockMs: 1500 });
  const [account] = (await wallet.import({ kind: 'mnemonic', mnemonic: DEV_PHRASE, password: PASSWORD })).accounts;
  const before = wallet.status().locksAt!;
  await new Promise((r) => setTimeout(r, 20));
  await wallet.approve({ id: wallet.requestTypedData(mail(account!.address)).id });
  assert.ok(Date.parse(wallet.status().locksAt!) > Date.parse(before), 'signing pushed the lock time back');
  const locked = new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (events.some((e) => e.name === 'wallet.changed' && (e.payload as { change: string }).change === 'autoLocked')) {
        clearInterval(poll);
        resolve();
      }
    }, 10);
  });
  await locked;
  assert.equal(wallet.status().locked, true);

  const saved = await wallet.setAutoLock({ minutes: 5 });
  assert.equal(saved.autoLockMinutes, 5);
  assert.equal(new WalletService({ dir }).status().autoLockMinutes, 5, 'the setting is saved');
});

test('typed data: the summary comes from the data itself, the signature verifies, reject and expiry decide requests', async (t) => {
  const { wallet, events } = makeWallet(t, { requestTtlMs: 10_000 });
  await wallet.import({ kind: 'mnemonic', mnemonic: DEV_PHRASE, password: PASSWORD });
  const second = await wallet.addAccount({});
  const request = wallet.requestTypedData({ ...mail(second.address), purpose: 'Say hello' });
  assert.equal(request.state, 'pending');
  assert.equal(request.chainId, 31337);
  assert.equal(request.contract, '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC');
  assert.deepEqual(request.typedData, {
    primaryType: 'Mail',
    domain: { name: 'Ether Mail', version: '1', chainId: 31337, verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC' },
    fields: [
      { name: 'from.name', type: 'string', value: 'Cow' },
      { name: 'from.wallet', type: 'address', value: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' },
      { name: 'to.name', type: 'string', value: 'Bob' },
      { name: 'to.wallet', type: 'address', value: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB' },
      { name: 'contents', type: 'string', value: 'Hello, Bob!' },
    ],
    purpose: 'Say hello',
  });
  assert.deepEqual(events.at(-1), { name: 'wallet.request', payload: request }, 'the UI is told to show it');
  assert.deepEqual(wallet.listRequests().map((r) => r.id), [request.id]);

  const waiting = wallet.waitForDecision(request.id);
  const result = await wallet.approve({ id: request.id });
  assert.deepEqual(await waiting, result);
  assert.equal(verifyTypedData(mail('').domain, MAIL_TYPES, mail('').message, result.signature!), second.address);
  assert.deepEqual(wallet.listRequests(), [], 'decided requests leave the queue');
  await rejectsWith(wallet.approve({ id: request.id }), 'NOT_FOUND', /already decided/);

  const declined = wallet.requestTypedData(mail(second.address));
  const declinedWait = wallet.waitForDecision(declined.id);
  assert.equal(wallet.reject({ id: declined.id }).state, 'rejected');
  await rejectsWith(declinedWait, 'CANCELLED', /rejected: rejected by the user/);

  // signTypedData for code in core: the confirm callback decides, visibly.
  const sig = await wallet.signTypedData({ ...mail(second.address), origin: 'test', confirm: APPROVE_WITHOUT_ASKING });
  assert.equal(verifyTypedData(mail('').domain, MAIL_TYPES, mail('').message, sig), second.address);
  await rejectsWith(wallet.signTypedData({ ...mail(second.address), origin: 'test', confirm: () => false }), 'CANCELLED', /declined/);

  // Bad requests are named.
  await rejectsWith(async () => wallet.requestTypedData({ ...mail(second.address), primaryType: 'Letter' }), 'BAD_INPUT', /primaryType: "Letter" is not one of the types/);
  await rejectsWith(async () => wallet.requestTypedData({ ...mail(second.address), message: { ...mail('').message, to: { name: 'Bob', wallet: 'nope' } } }), 'BAD_INPUT', /typed data \(Mail\) does not encode/);
  await rejectsWith(async () => wallet.requestTypedData(mail(KEY_ADDRESS)), 'NOT_FOUND', /is not an account of this wallet/);
});

test('requests expire', async (t) => {
  const { wallet } = makeWallet(t, { requestTtlMs: 30 });
  const [account] = (await wallet.import({ kind: 'mnemonic', mnemonic: DEV_PHRASE, password: PASSWORD })).accounts;
  const request = wallet.requestTypedData(mail(account!.address));
  await rejectsWith(wallet.waitForDecision(request.id), 'CANCELLED', /expired: not approved within 0 s/);
  assert.deepEqual(wallet.listRequests(), []);
});

test('typed data summaries walk arrays and nested structs, and keep only the types the primary type uses', () => {
  const { summary, types } = summarizeTypedData({
    domain: { name: 'Receipts', chainId: 1 },
    types: {
      Share: [
        { name: 'contributor', type: 'address' },
        { name: 'weight', type: 'uint256' },
      ],
      Receipt: [
        { name: 'answerHash', type: 'bytes32' },
        { name: 'shares', type: 'Share[]' },
      ],
      Unrelated: [{ name: 'x', type: 'uint8' }],
    },
    primaryType: 'Receipt',
    message: {
      answerHash: `0x${'ab'.repeat(32)}`,
      shares: [
        { contributor: DEV_ADDRESSES[0], weight: 7n },
        { contributor: DEV_ADDRESSES[1], weight: '3' },
      ],
    },
  });
  assert.deepEqual(Object.keys(types).sort(), ['Receipt', 'Share']);
  assert.deepEqual(summary.fields.map((f) => `${f.name}=${f.value}`), [
    `answerHash=0x${'ab'.repeat(32)}`,
    `shares[0].contributor=${DEV_ADDRESSES[0]}`,
    'shares[0].weight=7',
    `shares[1].contributor=${DEV_ADDRESSES[1]}`,
    'shares[1].weight=3',
  ]);
  assert.deepEqual(summary.domain, { name: 'Receipts', version: null, chainId: 1, verifyingContract: null });
});

test('neither JSON nor inspect of the service shows key material', async (t) => {
  const { wallet } = makeWallet(t);
  await wallet.import({ kind: 'privateKey', privateKey: KEY, password: PASSWORD });
  const shown = `${JSON.stringify(wallet)}\n${inspect(wallet, { depth: 10, showHidden: true })}\n${JSON.stringify(wallet.listAccounts())}`;
  assert.ok(!shown.toLowerCase().includes(KEY.slice(2)), 'no private key');
  assert.ok(!shown.includes(PASSWORD), 'no password');
  assert.match(shown, /locked: false/);
});

test('the contract schemas accept what the service returns and refuse weak passwords and extra fields', async (t) => {
  const { wallet } = makeWallet(t);
  const m = walletMethods;
  assert.equal(m['wallet.import'].input.safeParse({ kind: 'privateKey', privateKey: KEY, password: 'short' }).success, false);
  assert.equal(m['wallet.unlock'].input.safeParse({ password: PASSWORD, extra: 1 }).success, false);
  assert.equal(m['wallet.setAutoLock'].input.safeParse({ minutes: 0 }).success, false);
  const begun = wallet.beginCreate();
  m['wallet.beginCreate'].output.parse(begun);
  const words = begun.mnemonic.split(' ');
  const account = await wallet.confirmCreate(
    m['wallet.confirmCreate'].input.parse({ pendingId: begun.pendingId, words: begun.confirmPositions.map((position) => ({ position, word: words[position - 1] })), password: PASSWORD }),
  );
  m['wallet.confirmCreate'].output.parse(account);
  m['wallet.status'].output.parse(wallet.status());
  const request = wallet.requestTypedData(m['wallet.requestTypedData'].input.parse(mail(account.address)));
  m['wallet.listRequests'].output.parse({ items: wallet.listRequests() });
  m['wallet.approve'].output.parse(await wallet.approve({ id: request.id }));
});

test("the native scrypt ethers is routed to gives the same key as ethers' own JavaScript scrypt", async () => {
  assert.equal(useNativeScrypt(), true, 'registered with ethers');
  const passwd = new TextEncoder().encode(PASSWORD);
  const salt = new Uint8Array(32).fill(7);
  const native = await scrypt(passwd, salt, 2 ** 12, 8, 1, 64);
  const javascript = hexlify(await scrypt._(passwd, salt, 2 ** 12, 8, 1, 64));
  assert.equal(native, javascript);
});

test('wallet handlers pass AppErrors through and replace any other error by its kind alone', async () => {
  const leaky = guarded('wallet.unlock', () => {
    throw new TypeError(`cannot use ${KEY}`);
  });
  assert.throws(() => leaky({ password: PASSWORD }), (e: unknown) => {
    assert.ok(e instanceof AppError);
    assert.equal(e.code, 'INTERNAL');
    assert.equal(e.message, 'wallet.unlock failed unexpectedly (TypeError); details are withheld because they may contain key material. This is a bug.');
    return true;
  });
  const leakyAsync = guarded('wallet.import', async () => Promise.reject(new Error(DEV_PHRASE)));
  await rejectsWith(Promise.resolve(leakyAsync({ kind: 'mnemonic', mnemonic: DEV_PHRASE, password: PASSWORD })), 'INTERNAL', /^wallet\.import failed unexpectedly \(Error\)/);
  const named = guarded('wallet.lock', () => {
    throw new AppError('UNAUTHORIZED', 'Wrong wallet password.');
  });
  assert.throws(() => named({}), /^AppError: Wrong wallet password\.$/);
});

test('a wallet folder that cannot be written is a storage error naming the path', async (t) => {
  const base = tempDir(t, 'dstudio-wallet-');
  writeFileSync(join(base, 'blocker'), '');
  const wallet = new WalletService({ dir: join(base, 'blocker', 'wallet'), scryptN: TEST_SCRYPT_N });
  await rejectsWith(wallet.import({ kind: 'privateKey', privateKey: KEY, password: PASSWORD }), 'STORAGE', /blocker\/wallet\/wsrc_[0-9a-f]{16}\.json: cannot be written \(ENOTDIR\)/);
});

test('unlocking at the default scrypt cost leaves the event loop free: other calls run while the key is derived', async (t) => {
  // The default N = 2^17 on purpose: the derivation must take long enough for other work to be due.
  const dir = join(tempDir(t, 'dstudio-wallet-'), 'wallet');
  const wallet = new WalletService({ dir });
  t.after(() => wallet.close());
  await wallet.import({ kind: 'privateKey', privateKey: KEY, password: PASSWORD });
  wallet.lock();
  let otherWorkRan = false;
  const other = setImmediate(() => (otherWorkRan = true));
  const ranBeforeUnlockFinished = await wallet.unlock({ password: PASSWORD }).then(() => otherWorkRan);
  clearImmediate(other);
  assert.equal(ranBeforeUnlockFinished, true, "with ethers' JavaScript scrypt the loop is held until the key is derived");

  // A lock that comes in while an unlock is deriving its key wins.
  wallet.lock();
  const unlocking = wallet.unlock({ password: PASSWORD });
  await new Promise((r) => setImmediate(r));
  wallet.lock();
  await rejectsWith(unlocking, 'CANCELLED', /locked while it was being unlocked/);
  assert.equal(wallet.status().locked, true);
  assert.equal(JSON.parse(readFileSync(join(dir, readdirSync(dir).find((f) => f.startsWith('wsrc_'))!), 'utf8')).Crypto.kdfparams.n, 2 ** 17);
});

test('typed data built in code (bigint chain id, readonly type lists) is accepted, summarised as JSON and signed', async (t) => {
  const { wallet } = makeWallet(t);
  const [account] = (await wallet.import({ kind: 'mnemonic', mnemonic: DEV_PHRASE, password: PASSWORD })).accounts;
  const types = { Claim: [{ name: 'amount', type: 'uint256' }, { name: 'to', type: 'address' }] } as const;
  const domain = { name: 'Rewards', chainId: 31337n, verifyingContract: '0xcccccccccccccccccccccccccccccccccccccccc' };
  const message = { amount: 10n ** 18n, to: DEV_ADDRESSES[1] };
  const request = wallet.requestTypedData({ account: account!.address, domain, types, primaryType: 'Claim', message });
  assert.deepEqual(JSON.parse(JSON.stringify(request.typedData)), {
    primaryType: 'Claim',
    domain: { name: 'Rewards', version: null, chainId: 31337, verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC' },
    fields: [
      { name: 'amount', type: 'uint256', value: '1000000000000000000' },
      { name: 'to', type: 'address', value: DEV_ADDRESSES[1] },
    ],
    purpose: null,
  });
  const { signature } = await wallet.approve({ id: request.id });
  assert.equal(verifyTypedData(domain, { Claim: [...types.Claim] }, message, signature!), DEV_ADDRESSES[0]);
  assert.throws(() => wallet.requestTypedData({ account: account!.address, domain: { chainId: -1 }, types, primaryType: 'Claim', message }), /domain\.chainId: must be a positive integer/);
  assert.throws(() => wallet.requestTypedData({ account: account!.address, domain: { verifyingContract: '0x1' }, types, primaryType: 'Claim', message }), /domain\.verifyingContract: must be an Ethereum address/);
});

test('a phrase account whose address was imported before as a single key is skipped, not duplicated', async (t) => {
  const { wallet } = makeWallet(t);
  const second = HDNodeWallet.fromPhrase(DEV_PHRASE, undefined, "m/44'/60'/0'/0/1");
  await wallet.import({ kind: 'privateKey', privateKey: second.privateKey, password: PASSWORD });
  await wallet.import({ kind: 'mnemonic', mnemonic: DEV_PHRASE, password: PASSWORD });
  const added = await wallet.addAccount({});
  assert.deepEqual([added.address, added.index], [DEV_ADDRESSES[2], 2]);
  assert.equal(new Set(wallet.listAccounts().map((a) => a.address)).size, 3);
});
