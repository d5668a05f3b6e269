import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { test, type TestContext } from 'node:test';
import { HDNodeWallet, JsonRpcProvider, Mnemonic, Transaction, Wallet, encryptKeystoreJson, keccak256, verifyTypedData } from 'ethers';
import { AppError } from '../../electron/shared/errors';
import { walletMethods, type SigningRequest } from '../../electron/shared/wallet';
import { AuditLog } from '../../electron/core/audit/log';
import { openDatabase } from '../../electron/core/db/open';
import { describeIssues } from '../../electron/core/rpc/router';
import { createWalletHandlers } from '../../electron/core/rpc/wallet-handlers';
import { APPROVE_WITHOUT_ASKING, WalletService, type AuditSink } from '../../electron/core/wallet/service';
import { tempDir } from '../helpers/workspace';

/*
 * Anvil (npm @foundry-rs/anvil) is not installed in this checkout yet, so the node here is a small
 * JSON-RPC server that answers just what ethers asks while sending a transaction (chain id, nonce,
 * gas, fees, block number) and keeps the raw signed transactions it is given. The wallet, ethers'
 * provider and the signing are real; the test decodes what reached the "node" and checks it.
 */
interface StubNode {
  url: string;
  raw: string[];
  methods: string[];
}

async function startStubNode(t: TestContext, chainId: number): Promise<StubNode> {
  const node: StubNode = { url: '', raw: [], methods: [] };
  const hex = (n: number | bigint) => `0x${n.toString(16)}`;
  const answer = (method: string, params: unknown[]): unknown => {
    node.methods.push(method);
    switch (method) {
      case 'eth_chainId':
        return hex(chainId);
      case 'net_version':
        return String(chainId);
      case 'eth_blockNumber':
        return '0x10';
      case 'eth_getTransactionCount':
        return hex(node.raw.length);
      case 'eth_estimateGas':
        return hex(60_000);
      case 'eth_gasPrice':
        return hex(2_000_000_000);
      case 'eth_maxPriorityFeePerGas':
        return hex(1_000_000_000);
      case 'eth_getBlockByNumber':
        return {
          number: '0x10', hash: `0x${'11'.repeat(32)}`, parentHash: `0x${'22'.repeat(32)}`, timestamp: '0x65000000', nonce: '0x0000000000000000',
          difficulty: '0x0', gasLimit: hex(30_000_000), gasUsed: '0x0', miner: `0x${'00'.repeat(20)}`, extraData: '0x', baseFeePerGas: hex(1_000_000_000),
          transactions: [],
        };
      case 'eth_sendRawTransaction': {
        const raw = String(params[0]);
        node.raw.push(raw);
        return keccak256(raw);
      }
      case 'eth_getTransactionByHash':
        return null;
      default:
        throw new Error(`the stub node does not implement ${method}`);
    }
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const parsed = JSON.parse(body) as { id: number; method: string; params: unknown[] } | Array<{ id: number; method: string; params: unknown[] }>;
      const one = (r: { id: number; method: string; params: unknown[] }) => {
        try {
          return { jsonrpc: '2.0', id: r.id, result: answer(r.method, r.params) };
        } catch (e) {
          return { jsonrpc: '2.0', id: r.id, error: { code: -32601, message: (e as Error).message } };
        }
      };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(Array.isArray(parsed) ? parsed.map(one) : one(parsed)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  node.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return node;
}

function providerFor(t: TestContext, node: StubNode): JsonRpcProvider {
  // ethers caches identical calls for 250 ms by default, which would hand two quick sends one nonce.
  const provider = new JsonRpcProvider(node.url, undefined, { cacheTimeout: -1 });
  t.after(() => provider.destroy());
  return provider;
}

const PASSWORD = 'correct horse battery';
const DEV_PHRASE = 'test test test test test test test test test test test junk';
const ACCOUNT = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const REGISTRY = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const CALLDATA = '0x2f2ff15d' + '00'.repeat(31) + '01' + '00'.repeat(12) + 'f39fd6e51aad88f6f4ce6ab8827279cfffb92266';
const MAIL712_TYPES = {
  Person: [
    { name: 'name', type: 'string' },
    { name: 'wallet', type: 'address' },
  ],
  Mail: [
    { name: 'from', type: 'Person' },
    { name: 'to', type: 'Person' },
    { name: 'contents', type: 'string' },
  ],
};
const mail712 = (account: string) => ({
  account,
  domain: { name: 'Ether Mail', version: '1', chainId: 31337, verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC' },
  types: MAIL712_TYPES,
  primaryType: 'Mail',
  message: {
    from: { name: 'Cow', wallet: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' },
    to: { name: 'Bob', wallet: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB' },
    contents: 'Hello, Bob!',
  },
});
const SUMMARY = { title: 'Register snapshot root', contractName: 'DatanetRegistry', method: 'registerSnapshot', fields: [{ name: 'root', type: 'bytes32', value: '0x01' }] };

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

test('an approved transaction is signed by the account for the request chain and broadcast; the request shows the decoded call', async (t) => {
  const node = await startStubNode(t, 31337);
  const { wallet, audit } = await unlockedWallet(t);
  const request = wallet.requestTransaction({ account: ACCOUNT, chainId: 31337, tx: { to: REGISTRY, data: CALLDATA, value: 5n }, summary: SUMMARY, provider: providerFor(t, node) });
  assert.deepEqual(
    { kind: request.kind, chainId: request.chainId, contract: request.contract, to: request.transaction?.to, valueWei: request.transaction?.valueWei, title: request.transaction?.summary.title },
    { kind: 'transaction', chainId: 31337, contract: REGISTRY, to: REGISTRY, valueWei: '5', title: 'Register snapshot root' },
  );
  assert.equal(node.raw.length, 0, 'nothing is sent before approval');

  const result = await wallet.approve({ id: request.id });
  assert.equal(node.raw.length, 1);
  const sent = Transaction.from(node.raw[0]!);
  assert.equal(result.txHash, sent.hash);
  assert.deepEqual([sent.from, sent.to, sent.data, sent.value, sent.chainId], [ACCOUNT, REGISTRY, CALLDATA, 5n, 31337n]);
  const entry = audit.find((e) => e.action === 'wallet.sentTransaction')!;
  assert.deepEqual([entry.subject, entry.details?.txHash, entry.details?.chainId], [ACCOUNT, sent.hash, 31337]);
});

test('approval is refused when the network is another chain, and nothing is sent', async (t) => {
  const node = await startStubNode(t, 1);
  const { wallet } = await unlockedWallet(t);
  const request = wallet.requestTransaction({ account: ACCOUNT, chainId: 31337, tx: { to: REGISTRY, data: CALLDATA }, summary: SUMMARY });
  await assert.rejects(wallet.approve({ id: request.id, provider: providerFor(t, node) }), (e: unknown) => {
    assert.ok(e instanceof AppError);
    assert.equal(e.code, 'CONFLICT');
    assert.match(e.message, /network is chain 1, but the request is for chain 31337; refusing/);
    return true;
  });
  assert.deepEqual(node.raw, []);
  assert.ok(!node.methods.includes('eth_sendRawTransaction'));
  assert.deepEqual(wallet.listRequests(), [], 'the failed request is closed');

  const orphan = wallet.requestTransaction({ account: ACCOUNT, chainId: 31337, tx: { to: REGISTRY, data: CALLDATA }, summary: SUMMARY });
  await assert.rejects(wallet.approve({ id: orphan.id }), /No network is configured for chain 31337/);
});

test('the chain module sends through txSender: --yes approves visibly, a decline sends nothing, without confirm it waits for the UI', async (t) => {
  const node = await startStubNode(t, 31337);
  const { wallet, requests } = await unlockedWallet(t);
  const provider = providerFor(t, node);

  const cliYes = wallet.txSender({ account: ACCOUNT, provider, origin: 'cli', confirm: APPROVE_WITHOUT_ASKING });
  const hash = await cliYes.send({ chainId: 31337, to: REGISTRY, data: CALLDATA, summary: SUMMARY });
  assert.equal(hash, Transaction.from(node.raw[0]!).hash);

  const declining = wallet.txSender({ account: ACCOUNT, provider, origin: 'cli', confirm: () => false });
  await assert.rejects(declining.send({ chainId: 31337, to: REGISTRY, data: CALLDATA, summary: SUMMARY }), /declined at the confirmation prompt/);
  assert.equal(node.raw.length, 1);

  const ui = wallet.txSender({ account: ACCOUNT, provider, origin: 'rewards.claim' });
  const sending = ui.send({ chainId: 31337, to: REGISTRY, data: CALLDATA, summary: SUMMARY });
  await new Promise((r) => setImmediate(r));
  const shown = requests.filter((r) => r.state === 'pending' && r.origin === 'rewards.claim');
  assert.equal(shown.length, 1, 'the UI was told about the request');
  await wallet.approve({ id: shown[0]!.id });
  assert.equal(await sending, Transaction.from(node.raw[1]!).hash);
  assert.equal(Transaction.from(node.raw[1]!).nonce, 1);
});

test('transaction requests with bad fields are named', async (t) => {
  const { wallet } = await unlockedWallet(t);
  assert.throws(() => wallet.requestTransaction({ account: ACCOUNT, chainId: 31337, tx: { to: '0x12', data: '0x' }, summary: SUMMARY }), /tx\.to: must be an Ethereum address/);
  assert.throws(() => wallet.requestTransaction({ account: ACCOUNT, chainId: 31337, tx: { to: REGISTRY, data: 'abc' }, summary: SUMMARY }), /tx\.data: must be 0x-prefixed hex/);
  assert.throws(() => wallet.requestTransaction({ account: ACCOUNT, chainId: 0, tx: { to: REGISTRY, data: '0x' }, summary: SUMMARY }), /chainId: must be a positive integer/);
  assert.throws(() => wallet.requestTransaction({ account: ACCOUNT, chainId: 1, tx: { to: REGISTRY, data: '0x', value: -1n }, summary: SUMMARY }), /tx\.value: must not be negative/);
  assert.throws(() => wallet.requestTransaction({ account: ACCOUNT, chainId: 1, tx: { to: REGISTRY, data: '0x' }, summary: { ...SUMMARY, title: '' } }), /summary: title/);
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
  const node = await startStubNode(t, 31337);
  const otherChain = await startStubNode(t, 5);

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
      providerFor: () => new JsonRpcProvider(node.url, undefined, { cacheTimeout: -1 }),
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
      const typed = (await rpc('wallet.requestTypedData', mail712(a.address))) as SigningRequest;
      const { signature } = (await rpc('wallet.approve', { id: typed.id })) as { signature: string };
      assert.equal(verifyTypedData(mail712('').domain, MAIL712_TYPES, mail712('').message, signature), a.address);
    }
    const declined = (await rpc('wallet.requestTypedData', mail712(accounts[0]!.address))) as SigningRequest;
    await rpc('wallet.reject', { id: declined.id });
    await rpc('wallet.approve', { id: declined.id });
    await expectFailure('typed data with a bad address', () => wallet.requestTypedData({ ...mail712(accounts[0]!.address), message: { ...mail712('').message, to: { name: 'x', wallet: rawKey } } }));

    const tx = wallet.requestTransaction({ account: accounts[2]!.address, chainId: 31337, tx: { to: REGISTRY, data: CALLDATA, value: 1n }, summary: SUMMARY });
    await rpc('wallet.approve', { id: tx.id });
    assert.equal(node.raw.length, 1, 'the transaction reached the node');
    const wrongChain = wallet.requestTransaction({ account: accounts[3]!.address, chainId: 31337, tx: { to: REGISTRY, data: CALLDATA }, summary: SUMMARY });
    await expectFailure('approve on the wrong chain', () => wallet.approve({ id: wrongChain.id, provider: providerFor(t, otherChain) }));
    await expectFailure('signTypedData declined', () => wallet.signTypedData({ ...mail712(accounts[4]!.address), origin: 'test', confirm: () => false }));
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
