import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { parseEther } from 'ethers';
import { fundOnDevnet, startDevnet, type Devnet } from '../../electron/core/chain/devnet';
import type { ChainStatus } from '../../electron/shared/chain';
import { call, tempDir, testCore } from '../helpers/workspace';

// A second anvil stands in for a remote EVM network (an OpenLedger testnet, say): the app reaches it
// only by the RPC URL and chain id the user typed, as it would any network.
test('a custom network: contracts deployed from the wallet, a snapshot published there, the same contracts adopted by another workspace', async (t) => {
  const remote = await startDevnet({ dir: join(tempDir(t), 'remote'), chainId: 31_999 });
  try {
    await customNetworkFlow(t, remote);
  } finally {
    // Before the temporary folders go: anvil saves its state into one when it stops.
    await remote.stop();
  }
});

async function customNetworkFlow(t: TestContext, remote: Devnet) {
  const core = testCore(t);
  const { accounts } = await call(core, 'wallet.import', { kind: 'privateKey', privateKey: `0x${'11'.repeat(32)}`, password: 'a long wallet password' });
  const account = accounts[0]!.address;
  await call(core, 'wallet.unlock', { password: 'a long wallet password' });
  await fundOnDevnet({ devnet: remote, address: account, wei: parseEther('5') });

  await call(core, 'chain.addNetwork', { id: 'remote', name: 'Remote test network', rpcUrl: remote.url, chainId: 31_999 });
  const before = await call(core, 'chain.selectNetwork', { id: 'remote' });
  assert.deepEqual([before.network.id, before.ready, before.deployment], ['remote', false, null]);
  await assert.rejects(call(core, 'chain.publishSnapshot', { snapshotId: 'snap_0123456789abcdef', account, autoApprove: true }), /snapshot/i);

  const deployed = await core.waitForJob((await call(core, 'chain.deployContracts', { account, autoApprove: true })).jobId);
  assert.equal(deployed.state, 'succeeded', deployed.error?.message);
  const status = deployed.result as ChainStatus;
  assert.equal(status.ready, true);
  assert.equal(status.rewardOperator, account, 'the deploying account publishes reward epochs there');

  const { id } = await call(core, 'datanets.create', { name: 'remote' });
  await call(core, 'datanets.addRecord', { datanetId: id, content: { kind: 'text', text: 'one record' } });
  await call(core, 'datanets.review', { datanetId: id, allPending: true, decision: 'approve' });
  const snapshot = await call(core, 'datanets.createSnapshot', { datanetId: id });
  const published = await core.waitForJob((await call(core, 'chain.publishSnapshot', { snapshotId: snapshot.id, account, autoApprove: true })).jobId);
  assert.equal(published.state, 'succeeded', published.error?.message);
  assert.deepEqual((await call(core, 'chain.publications', {})).items.map((p) => [p.subject, p.networkId]), [[snapshot.id, 'remote']]);

  // Another workspace adopts the same contracts by address; a wrong address is refused.
  const other = testCore(t);
  await call(other, 'chain.addNetwork', { id: 'remote', name: 'Remote test network', rpcUrl: remote.url, chainId: 31_999 });
  await call(other, 'chain.selectNetwork', { id: 'remote' });
  const d = status.deployment!;
  await assert.rejects(call(other, 'chain.useDeployment', { ...d, ModelRegistry: '0x000000000000000000000000000000000000dEaD' }), /no contract code/);
  const adopted = await call(other, 'chain.useDeployment', d);
  assert.equal(adopted.ready, true);
  const activity = await call(other, 'chain.activity', {});
  assert.deepEqual(activity.items.filter((a) => a.kind === 'snapshot').map((a) => a.subject), [snapshot.root]);
  await assert.rejects(call(other, 'chain.selectNetwork', { id: 'devnet' }).then(() => call(other, 'chain.useDeployment', d)), /devnet deploys its own/);
  await Promise.all([core.close(), other.close()]);
}
