import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { test, type TestContext } from 'node:test';
import { HDNodeWallet, Mnemonic, Wallet, encryptKeystoreJson, verifyTypedData } from 'ethers';
import { AppError } from '../../electron/shared/errors';
import { walletMethods, type SigningRequest, type TransactionSummary } from '../../electron/shared/wallet';
import { AuditLog } from '../../electron/core/audit/log';
import { openDatabase } from '../../electron/core/db/open';
import { describeIssues } from '../../electron/core/rpc/router';
import { createWalletHandlers } from '../../electron/core/rpc/wallet-handlers';
import { fundOnDevnet, startDevnet, type Devnet } from '../../electron/core/chain/devnet';
import { APPROVE_WITHOUT_ASKING, WalletService, type AuditSink } from '../../electron/core/wallet/service';
import { tempDir } from '../helpers/workspace';
import { MAIL_TYPES, mail } from '../fixtures/wallet/mail712';

/** A real anvil through the chain module's devnet (npm @foundry-rs/anvil), stopped when the test ends. */
async function startAnvil(t: TestContext, chainId: number): Promise<Devnet> {
  // Its own folder, removed only after stop() has written the chain state into it.
  const dir = mkdtempSync(join(tmpdir(), 'dstudio-devnet-'));
  const devnet = await startDevnet({ dir, chainId });
  t.after(async () => {
    await devnet.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return devnet;
}

const PASSWORD = 'correct horse battery';
/** anvil funds this phrase's accounts; account 0: */
const DEV_PHRASE = 'test test test test test test test test test test test junk';
const ACCOUNT = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const TARGET = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const CALLDATA = '0x2f2ff15d' + '00'.repeat(31) + '01' + '00'.repeat(12) + 'f39fd6e51aad88f6f4ce6ab8827279cfffb92266';
/** Creation code of a contract whose runtime code returns 42. */
const CREATION = '0x600a600c600039600a6000f3602a60005260206000f3';

/** A summary of the shape core/chain's describeCall produces. */
const callSummary = ({ chainId = 31337, to = TARGET, valueWei = '0' }: { chainId?: number; to?: string; valueWei?: string } = {}): TransactionSummary => ({
  chainId,
  contract: 'DatanetRegistry',
  address: to,
  function: 'grantRole',
  signature: 'grantRole(bytes32,address)',
  args: [
    { name: 'role', type: 'bytes32', value: `0x${'00'.repeat(31)}01` },
    { name: 'account', type: 'address', value: ACCOUNT },
  ],
  valueWei,
});

async function unlockedWallet(t: TestContext, extra: Partial<ConstructorParameters<typeof WalletService>[0]> = {}) {
  const audit: Parameters<AuditSink['append']>[0][] = [];
  const requests: SigningRequest[] = [];
  // scrypt N = 2^10 is a test-only option: the default 2^17 would make each test seconds slower.
  const wallet = new WalletService({
    dir: join(tempDir(t, 'dstudio-wallet-'), 'wallet'),
    scryptN: 2 ** 10,
    audit: { append: (e) => audit.push(e) },
    onEvent: (name, payload) => {
      if (name === 'wallet.request') requests.push(payload as SigningRequest);
    },
    ...extra,
  });
  t.after(() => wallet.close());
  await wallet.import({ kind: 'mnemonic', mnemonic: DEV_PHRASE, password: PASSWORD });
  return { wallet, audit, requests };
}

test('an approved transaction is signed by the account, for the request chain, and mined on anvil; the request shows the decoded call', async (t) => {
  const anvil = await startAnvil(t, 31337);
  const { wallet, audit } = await unlockedWallet(t);
  const request = wallet.requestTransaction({
    account: ACCOUNT,
    chainId: 31337,
    tx: { to: TARGET, data: CALLDATA, value: 5n },
    summary: callSummary({ valueWei: '5' }),
    provider: anvil.provider,
  });
  assert.deepEqual(
    { kind: request.kind, chainId: request.chainId, contract: request.contract, to: request.transaction?.to, valueWei: request.transaction?.valueWei, fn: request.transaction?.summary.function },
    { kind: 'transaction', chainId: 31337, contract: TARGET, to: TARGET, valueWei: '5', fn: 'grantRole' },
  );
  assert.equal(await anvil.provider.getTransactionCount(ACCOUNT), 0, 'nothing is sent before approval');

  const result = await wallet.approve({ id: request.id });
  const receipt = (await anvil.provider.waitForTransaction(result.txHash!))!;
  const mined = (await anvil.provider.getTransaction(result.txHash!))!;
  assert.equal(receipt.status, 1);
  assert.deepEqual([mined.from, mined.to, mined.data, mined.value, mined.chainId], [ACCOUNT, TARGET, CALLDATA, 5n, 31337n]);
  assert.equal(await anvil.provider.getBalance(TARGET), 5n);
  const entry = audit.find((e) => e.action === 'wallet.sentTransaction')!;
  assert.deepEqual([entry.subject, entry.details?.txHash, entry.details?.chainId, entry.details?.call], [ACCOUNT, result.txHash, 31337, 'DatanetRegistry.grantRole']);

  // A contract creation (to = null) with a constructor summary.
  const deploy = wallet.requestTransaction({
    account: ACCOUNT,
    chainId: 31337,
    tx: { to: null, data: CREATION },
    summary: { chainId: 31337, contract: 'Answer', address: null, function: 'constructor', signature: 'constructor()', args: [], valueWei: '0' },
    provider: anvil.provider,
  });
  assert.equal(deploy.contract, null);
  const created = (await anvil.provider.waitForTransaction((await wallet.approve({ id: deploy.id })).txHash!))!;
  assert.equal(await anvil.provider.call({ to: created.contractAddress! }), `0x${'00'.repeat(31)}2a`);
});

test('approval is refused when the network is another chain, and nothing is sent', async (t) => {
  const anvil = await startAnvil(t, 5);
  const { wallet } = await unlockedWallet(t);
  const request = wallet.requestTransaction({ account: ACCOUNT, chainId: 31337, tx: { to: TARGET, data: CALLDATA }, summary: callSummary() });
  await assert.rejects(wallet.approve({ id: request.id, provider: anvil.provider }), (e: unknown) => {
    assert.ok(e instanceof AppError);
    assert.equal(e.code, 'CONFLICT');
    assert.match(e.message, /network is chain 5, but the request is for chain 31337; refusing/);
    return true;
  });
  assert.equal(await anvil.provider.getTransactionCount(ACCOUNT), 0, 'nothing reached the chain');
  assert.equal(await anvil.provider.getBlockNumber(), 0);
  assert.deepEqual(wallet.listRequests(), [], 'the failed request is closed');

  const orphan = wallet.requestTransaction({ account: ACCOUNT, chainId: 31337, tx: { to: TARGET, data: CALLDATA }, summary: callSummary() });
  await assert.rejects(wallet.approve({ id: orphan.id }), /No network is configured for chain 31337/);
});

test('the chain module sends through txSender: --yes approves visibly, a decline sends nothing, without confirm it waits for the UI', async (t) => {
  const anvil = await startAnvil(t, 31337);
  const { wallet, requests } = await unlockedWallet(t);
  const unsigned = { chainId: 31337, to: TARGET, data: CALLDATA, value: 0n, summary: callSummary() };

  const cliYes = wallet.txSender({ account: ACCOUNT, provider: anvil.provider, origin: 'cli', confirm: APPROVE_WITHOUT_ASKING });
  const first = await cliYes.send(unsigned);
  assert.equal((await anvil.provider.waitForTransaction(first))!.status, 1);

  const declining = wallet.txSender({ account: ACCOUNT, provider: anvil.provider, origin: 'cli', confirm: () => false });
  await assert.rejects(declining.send(unsigned), /declined at the confirmation prompt/);
  assert.equal(await anvil.provider.getTransactionCount(ACCOUNT), 1);

  const ui = wallet.txSender({ account: ACCOUNT, provider: anvil.provider, origin: 'rewards.claim' });
  const sending = ui.send(unsigned);
  await new Promise((r) => setImmediate(r));
  const shown = requests.filter((r) => r.state === 'pending' && r.origin === 'rewards.claim');
  assert.equal(shown.length, 1, 'the UI was told about the request');
  assert.equal(await anvil.provider.getTransactionCount(ACCOUNT), 1, 'it waits for the decision');
  await wallet.approve({ id: shown[0]!.id });
  const second = (await anvil.provider.getTransaction(await sending))!;
  assert.deepEqual([second.from, second.nonce], [ACCOUNT, 1]);
});

test('transaction requests with bad fields, or a summary that describes another transaction, are refused by name', async (t) => {
  const { wallet } = await unlockedWallet(t);
  const ask = (tx: { to: string | null; data: string; value?: bigint }, summary: unknown, chainId = 31337) =>
    () => wallet.requestTransaction({ account: ACCOUNT, chainId, tx, summary: summary as TransactionSummary });
  assert.throws(ask({ to: '0x12', data: '0x' }, callSummary()), /tx\.to: must be an Ethereum address/);
  assert.throws(ask({ to: TARGET, data: 'abc' }, callSummary()), /tx\.data: must be 0x-prefixed hex/);
  assert.throws(ask({ to: TARGET, data: '0x' }, callSummary(), 0), /chainId: must be a positive integer/);
  assert.throws(ask({ to: TARGET, data: '0x', value: -1n }, callSummary()), /tx\.value: must not be negative/);
  assert.throws(ask({ to: TARGET, data: CALLDATA }, { ...callSummary(), function: '' }), /summary\.function: /);
  assert.throws(ask({ to: TARGET, data: CALLDATA }, callSummary({ chainId: 1 })), /summary\.chainId does not match the transaction \(1 vs 31337\)/);
  assert.throws(ask({ to: TARGET, data: CALLDATA }, callSummary({ to: ACCOUNT })), /summary\.address does not match/);
  assert.throws(ask({ to: TARGET, data: CALLDATA, value: 1n }, callSummary()), /summary\.valueWei does not match the transaction \(0 vs 1\)/);
  assert.throws(ask({ to: TARGET, data: `0xa9059cbb${CALLDATA.slice(10)}` }, callSummary()), /summary\.signature does not match the transaction \(grantRole\(bytes32,address\) has selector 0x2f2ff15d, the calldata starts 0xa9059cbb\)/);
  assert.throws(ask({ to: null, data: CREATION }, { ...callSummary(), address: null }), /summary\.function does not match the transaction \(a contract creation is a constructor call\)/);
  assert.deepEqual(wallet.listRequests(), []);
});

/** Every run of three or more consecutive words of a phrase: a leak of part of it counts too. */
function wordRuns(phrase: string): string[] {
  const words = phrase.split(' ');
  const runs: string[] = [];
  for (let len = 3; len <= words.length; len++) for (let i = 0; i + len <= words.length; i++) runs.push(words.slice(i, i + len).join(' '));
  return runs;
}

test('secret hygiene: after every flow, failures included, no phrase, key or password appears in errors, console, events, audit log, database or wallet files', async (t) => {
  const dir = tempDir(t, 'dstudio-hygiene-');
  const walletDir = join(dir, 'wallet');
  const db = openDatabase(join(dir, 'studio.db'));
  t.after(() => db.close());
  const audit = new AuditLog(db);
  const anvil = await startAnvil(t, 31337);
  const otherChain = await startAnvil(t, 5);

  // Known secrets: a phrase from fixed entropy, a raw key, the keystore's own password, the wallet password.
  const phrase = Mnemonic.fromEntropy(`0x${'5a'.repeat(16)}`).phrase;
  const rawKey = `0x${'3c'.repeat(31)}07`;
  const walletPassword = 'hygiene wallet password 1';
  const keystorePassword = 'hygiene keystore password 2';
  const keystoreKey = Wallet.createRandom();
  const keystoreJson = await encryptKeystoreJson({ address: keystoreKey.address, privateKey: keystoreKey.privateKey }, keystorePassword, { scrypt: { N: 2 ** 10 } });

  const seen: string[] = [];
  const events: string[] = [];
  const original = { log: console.log, info: console.info, warn: console.warn, error: console.error, debug: console.debug, trace: console.trace };
  for (const k of Object.keys(original) as Array<keyof typeof original>) console[k] = (...args: unknown[]) => void seen.push(`console.${k}: ${args.map((a) => inspect(a, { depth: 8 })).join(' ')}`);
  const onWarning = (w: Error) => seen.push(`warning: ${inspect(w)}`);
  process.on('warning', onWarning);
  const errorText = (e: unknown) => `${String(e)}\n${(e as Error).stack ?? ''}\n${inspect(e, { depth: 8, showHidden: true })}\n${JSON.stringify(e)}`;
  const expectFailure = async (what: string, fn: () => unknown) => {
    try {
      await fn();
    } catch (e) {
      seen.push(`${what}: ${errorText(e)}`);
      return;
    }
    assert.fail(`${what} should have failed`);
  };

  let created: string;
  const derivedKeys: string[] = [];
  try {
    // scrypt N = 2^10: the test-only option (the default 2^17 would take seconds per keystore).
    const wallet = new WalletService({
      dir: walletDir,
      scryptN: 2 ** 10,
      audit,
      requestTtlMs: 60_000,
      providerFor: () => anvil.provider,
      onEvent: (name, payload) => void events.push(`${name} ${JSON.stringify(payload)}`),
    });
    t.after(() => wallet.close());
    const handlers = createWalletHandlers(wallet);
    /** As the router would: parse with the contract, then call; outputs and error messages are kept. */
    const rpc = async <M extends keyof typeof walletMethods>(method: M, input: unknown) => {
      const parsed = walletMethods[method].input.safeParse(input);
      if (!parsed.success) {
        seen.push(`${method} BAD_INPUT: ${describeIssues(parsed.error)} ${inspect(parsed.error, { depth: 8 })}`);
        return undefined;
      }
      try {
        const out = await (handlers[method] as (i: unknown) => unknown)(parsed.data);
        // beginCreate's phrase is the one intended exposure (shown once to write down); it is checked separately.
        if (method !== 'wallet.beginCreate') seen.push(`${method} -> ${JSON.stringify(out)}`);
        return out;
      } catch (e) {
        seen.push(`${method} threw: ${errorText(e)}`);
        return undefined;
      }
    };

    const begun = (await rpc('wallet.beginCreate', {})) as { pendingId: string; mnemonic: string; confirmPositions: number[] };
    created = begun.mnemonic;
    const words = created.split(' ');
    const right = begun.confirmPositions.map((position) => ({ position, word: words[position - 1] }));
    await rpc('wallet.confirmCreate', { pendingId: begun.pendingId, words: right.map((w) => ({ ...w, word: `${w.word}x` })), password: walletPassword });
    await rpc('wallet.confirmCreate', { pendingId: begun.pendingId, words: right, password: 'short' });
    await rpc('wallet.confirmCreate', { pendingId: begun.pendingId, words: right, password: walletPassword, label: 'Created' });
    await rpc('wallet.import', { kind: 'mnemonic', mnemonic: phrase, password: 'a wrong wallet password' });
    await rpc('wallet.import', { kind: 'mnemonic', mnemonic: phrase.split(' ').reverse().join(' '), password: walletPassword });
    await rpc('wallet.import', { kind: 'mnemonic', mnemonic: phrase.split(' ').slice(1).join(' '), password: walletPassword });
    await rpc('wallet.import', { kind: 'mnemonic', mnemonic: phrase, password: walletPassword });
    await rpc('wallet.import', { kind: 'mnemonic', mnemonic: phrase, password: walletPassword });
    await rpc('wallet.import', { kind: 'privateKey', privateKey: rawKey.slice(0, -1), password: walletPassword });
    await rpc('wallet.import', { kind: 'privateKey', privateKey: `${rawKey}zz`, password: walletPassword });
    await rpc('wallet.import', { kind: 'privateKey', privateKey: rawKey, password: 'x' });
    await rpc('wallet.import', { kind: 'privateKey', privateKey: rawKey, password: walletPassword });
    await rpc('wallet.import', { kind: 'privateKey', privateKey: rawKey.slice(2), password: walletPassword });
    await rpc('wallet.import', { kind: 'keystore', keystoreJson, keystorePassword: 'not the keystore password', password: walletPassword });
    await rpc('wallet.import', { kind: 'keystore', keystoreJson: keystoreJson.replace(/"n":\d+/, '"n":1073741824'), keystorePassword, password: walletPassword });
    await rpc('wallet.import', { kind: 'keystore', keystoreJson: keystoreJson.slice(0, 200), keystorePassword, password: walletPassword });
    await rpc('wallet.import', { kind: 'keystore', keystoreJson, keystorePassword, password: walletPassword });
    await rpc('wallet.addAccount', {});
    await rpc('wallet.lock', {});
    await rpc('wallet.addAccount', {});
    await rpc('wallet.unlock', { password: 'not the wallet password' });
    await rpc('wallet.unlock', { password: walletPassword });
    await rpc('wallet.setAutoLock', { minutes: 30 });

    const accounts = wallet.listAccounts();
    assert.equal(accounts.length, 5, 'created + 1 added, the imported phrase, the raw key, the keystore');
    for (const a of accounts.filter((x) => x.kind === 'mnemonic')) {
      const source = a.sourceId === accounts[0]!.sourceId ? created : phrase;
      derivedKeys.push(HDNodeWallet.fromPhrase(source, undefined, a.hdPath!).privateKey);
    }

    for (const a of accounts) {
      const typed = (await rpc('wallet.requestTypedData', mail(a.address))) as SigningRequest;
      const { signature } = (await rpc('wallet.approve', { id: typed.id })) as { signature: string };
      assert.equal(verifyTypedData(mail('').domain, MAIL_TYPES, mail('').message, signature), a.address);
    }
    const declined = (await rpc('wallet.requestTypedData', mail(accounts[0]!.address))) as SigningRequest;
    await rpc('wallet.reject', { id: declined.id });
    await rpc('wallet.approve', { id: declined.id });
    await expectFailure('typed data with a bad address', () => wallet.requestTypedData({ ...mail(accounts[0]!.address), message: { ...mail('').message, to: { name: 'x', wallet: rawKey } } }));

    await fundOnDevnet({ devnet: anvil, address: accounts[2]!.address, wei: 10n ** 18n });
    const tx = wallet.requestTransaction({ account: accounts[2]!.address, chainId: 31337, tx: { to: TARGET, data: CALLDATA, value: 1n }, summary: callSummary({ valueWei: '1' }) });
    const { txHash } = (await rpc('wallet.approve', { id: tx.id })) as { txHash: string };
    assert.equal((await anvil.provider.waitForTransaction(txHash))!.status, 1, 'the transaction was mined');
    const wrongChain = wallet.requestTransaction({ account: accounts[3]!.address, chainId: 31337, tx: { to: TARGET, data: CALLDATA }, summary: callSummary() });
    await expectFailure('approve on the wrong chain', () => wallet.approve({ id: wrongChain.id, provider: otherChain.provider }));
    const unfunded = wallet.requestTransaction({ account: accounts[4]!.address, chainId: 31337, tx: { to: TARGET, data: CALLDATA }, summary: callSummary() });
    await expectFailure('approve without funds for gas', () => wallet.approve({ id: unfunded.id }));
    await expectFailure('signTypedData declined', () => wallet.signTypedData({ ...mail(accounts[4]!.address), origin: 'test', confirm: () => false }));
    await rpc('wallet.listRequests', {});
    await rpc('wallet.status', {});
    seen.push(`service: ${JSON.stringify(wallet)} ${inspect(wallet, { depth: 8, showHidden: true })}`);
    wallet.lock();
  } finally {
    Object.assign(console, original);
    process.off('warning', onWarning);
  }

  const secrets = [
    created,
    ...wordRuns(created),
    phrase,
    ...wordRuns(phrase),
    ...wordRuns(phrase.split(' ').reverse().join(' ')),
    ...[rawKey, keystoreKey.privateKey, ...derivedKeys].flatMap((k) => [k, k.slice(2), k.slice(2, 34), k.slice(34)]),
    walletPassword,
    keystorePassword,
  ].map((s) => s.toLowerCase());
  assert.ok(created.split(' ').length === 12 && derivedKeys.length === 3);

  const scan = (where: string, text: string) => {
    const lower = text.toLowerCase();
    for (const s of secrets) assert.ok(!lower.includes(s), `${where} contains a secret (${s.length} characters)`);
  };
  assert.ok(seen.length > 40, `the flows produced output and errors to scan (${seen.length})`);
  assert.ok(seen.some((s) => /Wrong wallet password/.test(s)) && seen.some((s) => /checksum/.test(s)) && seen.some((s) => /must be 64 hex digits/.test(s)), 'the failures did happen');
  for (const s of seen) scan('output or error', s);
  for (const e of events) scan('event', e);

  const entries = audit.list(0, 500);
  assert.ok(entries.some((e) => e.action === 'wallet.signedTypedData') && entries.some((e) => e.action === 'wallet.sentTransaction'));
  scan('audit log', JSON.stringify(entries));
  db.pragma('wal_checkpoint(TRUNCATE)');
  for (const f of readdirSync(dir).filter((f) => f.startsWith('studio.db'))) scan(f, readFileSync(join(dir, f)).toString('latin1'));

  const files = readdirSync(walletDir);
  assert.ok(files.includes('accounts.json') && files.filter((f) => f.startsWith('wsrc_')).length === 4, files.join(', '));
  for (const f of files) {
    const text = readFileSync(join(walletDir, f), 'utf8');
    scan(`wallet/${f}`, text);
    if (f.startsWith('wsrc_')) assert.equal(JSON.parse(text).version, 3, `${f} is a keystore v3`);
  }
});
