// The devnet's life cycle against a real anvil (from the @foundry-rs/anvil npm package): state and
// deployments survive a restart, a reset chain is redeployed, and missing pieces fail clearly.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Contract } from 'ethers';
import { AppError } from '../../electron/shared/errors';
import { loadContractArtifacts } from '../../electron/core/chain/artifacts';
import { contractInterface, datanetIdOnChain, encodeRegisterDatanet } from '../../electron/core/chain/contracts';
import { DeploymentStore, devnetSender, ensureDevnetDeployment, loadNetworkDeployment } from '../../electron/core/chain/deploy';
import { DEVNET_FUNDER, fundOnDevnet, startDevnet } from '../../electron/core/chain/devnet';
import { readChainEvents } from '../../electron/core/chain/events';
import { NetworkStore, assertChainId } from '../../electron/core/chain/networks';
import { createRpcProvider, isLoopbackUrl, recordRpcRequests } from '../../electron/core/chain/rpc';
import { sendTransaction } from '../../electron/core/chain/transactions';
import { outboundActivity } from '../../electron/core/net/outbound';

/** A temp folder removed after the devnets started in it are stopped (they write their state there on stop). */
function workdir(t: TestContext): { dir: string; stopLater: (d: { stop: () => Promise<void> }) => void } {
  const dir = mkdtempSync(join(tmpdir(), 'dstudio-devnet-'));
  const running: { stop: () => Promise<void> }[] = [];
  t.after(async () => {
    await Promise.all(running.map((d) => d.stop()));
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, stopLater: (d) => running.push(d) };
}

const isAppError = (code: string, message: RegExp) => (e: unknown) => e instanceof AppError && e.code === code && message.test(e.message);

test('a devnet restart keeps its state and deployment; a reset chain is redeployed', async (t) => {
  const { dir, stopLater } = workdir(t);
  const store = new DeploymentStore(join(dir, 'chain', 'deployments.json'));
  const devnetDir = join(dir, 'chain', 'devnet');
  const datanetId = datanetIdOnChain('dn_restart');
  const progress: [number, number][] = [];

  let devnet = await startDevnet({ dir: devnetDir });
  stopLater(devnet);
  const first = await ensureDevnetDeployment({ devnet, store, onProgress: (done, total) => progress.push([done, total]) });
  assert.equal(first.deployed, true);
  assert.deepEqual(progress, [[1, 5], [2, 5], [3, 5], [4, 5], [5, 5]]);
  await sendTransaction({ provider: devnet.provider, sender: devnetSender(devnet), tx: encodeRegisterDatanet({ deployment: first.deployment, datanetId }) });
  await devnet.stop();
  assert.ok(existsSync(devnet.stateFile));

  devnet = await startDevnet({ dir: devnetDir });
  stopLater(devnet);
  const again = await ensureDevnetDeployment({ devnet, store });
  assert.equal(again.deployed, false, 'the remembered contracts still have code');
  assert.deepEqual(again.deployment.addresses, first.deployment.addresses);
  const registry = new Contract(first.deployment.addresses.DatanetRegistry, contractInterface('DatanetRegistry'), devnet.provider);
  assert.equal(await registry.getFunction('datanetOwner')(datanetId), DEVNET_FUNDER);
  const events = await readChainEvents({ provider: devnet.provider, deployment: again.deployment });
  assert.deepEqual(events.datanetsRegistered.map((e) => e.datanetId), [datanetId], 'past events are still readable');
  await devnet.stop();

  // The chain is reset (its state file is gone): the remembered addresses have no code, so it redeploys.
  rmSync(devnet.stateFile);
  devnet = await startDevnet({ dir: devnetDir });
  stopLater(devnet);
  const reset = await ensureDevnetDeployment({ devnet, store });
  assert.equal(reset.deployed, true);
  assert.notEqual(await devnet.provider.getCode(reset.deployment.addresses.RewardDistributor), '0x');
  assert.equal(await new Contract(reset.deployment.addresses.DatanetRegistry, contractInterface('DatanetRegistry'), devnet.provider).getFunction('datanetOwner')(datanetId), '0x0000000000000000000000000000000000000000');
  assert.deepEqual(store.get('devnet'), reset.deployment, 'the new deployment is remembered');
});

test('the devnet saves each new block, so a crash keeps what was mined', async (t) => {
  const { dir, stopLater } = workdir(t);
  const store = new DeploymentStore(join(dir, 'deployments.json'));
  let devnet = await startDevnet({ dir, autosaveMs: 50 });
  stopLater(devnet);
  const { deployment } = await ensureDevnetDeployment({ devnet, store });
  const datanetId = datanetIdOnChain('dn_crash');
  const sent = await sendTransaction({ provider: devnet.provider, sender: devnetSender(devnet), tx: encodeRegisterDatanet({ deployment, datanetId }) });
  const savedBlock = () => (existsSync(devnet.stateFile) ? Number(BigInt(JSON.parse(readFileSync(devnet.stateFile, 'utf8')).best_block_number)) : -1);
  const giveUp = Date.now() + 20_000;
  while (savedBlock() < sent.blockNumber) {
    if (Date.now() > giveUp) assert.fail(`block ${sent.blockNumber} was never saved to ${devnet.stateFile}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  process.kill(devnet.pid, 'SIGKILL'); // no stop(): nothing is saved on the way down
  await devnet.exited;

  devnet = await startDevnet({ dir });
  stopLater(devnet);
  assert.equal((await ensureDevnetDeployment({ devnet, store })).deployed, false);
  const registry = new Contract(deployment.addresses.DatanetRegistry, contractInterface('DatanetRegistry'), devnet.provider);
  assert.equal(await registry.getFunction('datanetOwner')(datanetId), DEVNET_FUNDER);
});

test('a user account is funded for gas on the devnet', async (t) => {
  const { dir, stopLater } = workdir(t);
  const devnet = await startDevnet({ dir });
  stopLater(devnet);
  const account = '0x000000000000000000000000000000000000dEaD';
  await fundOnDevnet({ devnet, address: account, wei: 10n ** 18n });
  assert.equal(await devnet.provider.getBalance(account), 10n ** 18n);
});

test('custom networks: stored atomically, checked by chain id, reached through the outbound module', async (t) => {
  const { dir, stopLater } = workdir(t);
  const file = join(dir, 'chain', 'networks.json');
  const networks = new NetworkStore(file);
  assert.deepEqual(networks.list().map((n) => n.id), ['devnet']);
  assert.throws(() => networks.add({ id: 'bad', name: 'Bad', rpcUrl: 'ftp://node.example', chainId: 1 }), isAppError('BAD_INPUT', /rpcUrl/));
  assert.throws(() => networks.add({ id: 'x', name: 'X', rpcUrl: 'https://node.example', chainId: 0 }), isAppError('BAD_INPUT', /chainId/));
  assert.throws(() => networks.add({ id: 'devnet', name: 'Mine', rpcUrl: 'https://node.example', chainId: 5 }), isAppError('CONFLICT', /devnet/));
  assert.throws(() => networks.remove('devnet'), isAppError('CONFLICT', /cannot be removed/));

  const devnet = await startDevnet({ dir: join(dir, 'anvil'), chainId: 31339 });
  stopLater(devnet);
  // No network exists here, so an IPv4-mapped address of the local anvil stands in for a remote
  // node: it is not a plain loopback name, so the app must treat it as leaving the machine.
  const remoteUrl = `http://[::ffff:127.0.0.1]:${devnet.port}`;
  assert.equal(isLoopbackUrl(remoteUrl), false);
  assert.equal(isLoopbackUrl(devnet.url), true);
  networks.add({ id: 'staging', name: 'Staging', rpcUrl: remoteUrl, chainId: 31339 });
  const reread = new NetworkStore(file).get('staging');
  assert.equal(reread.rpcUrl, remoteUrl);
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).networks.length, 1);

  const provider = createRpcProvider({ url: reread.rpcUrl!, chainId: reread.chainId });
  t.after(() => provider.destroy());
  const before = outboundActivity().recent.filter((r) => r.purpose === 'chain-rpc').length;
  const recording = recordRpcRequests();
  await assertChainId({ provider, expected: 31339 });
  recording.stop();
  assert.equal(outboundActivity().recent.filter((r) => r.purpose === 'chain-rpc').length, before + 1);
  assert.equal(recording.requests.length, 1);
  assert.equal(JSON.parse(recording.requests[0]!.body).method, 'eth_chainId');
  await assert.rejects(assertChainId({ provider, expected: 1 }), isAppError('CONFLICT', /on chain 31339.*configured for chain 1\b/));

  const store = new DeploymentStore(join(dir, 'chain', 'deployments.json'));
  await assert.rejects(loadNetworkDeployment({ provider, store, networkId: 'staging' }), isAppError('NOT_FOUND', /No contracts are known on network "staging"/));
  networks.remove('staging');
  assert.throws(() => networks.get('staging'), isAppError('NOT_FOUND', /No network "staging"/));
});

test('a missing anvil or missing compiled contracts fail with what to do', async (t) => {
  const saved = { anvil: process.env.DATANET_STUDIO_ANVIL, contracts: process.env.DATANET_STUDIO_CONTRACTS };
  t.after(() => {
    for (const [k, v] of [['DATANET_STUDIO_ANVIL', saved.anvil], ['DATANET_STUDIO_CONTRACTS', saved.contracts]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  const { dir } = workdir(t);
  process.env.DATANET_STUDIO_ANVIL = join(dir, 'no-anvil-here');
  await assert.rejects(startDevnet({ dir }), isAppError('NOT_AVAILABLE', /DATANET_STUDIO_ANVIL points at .*no-anvil-here/));
  process.env.DATANET_STUDIO_CONTRACTS = join(dir, 'contracts.json');
  assert.throws(() => loadContractArtifacts(), isAppError('NOT_AVAILABLE', /Run `npm run build:contracts`/));
});
