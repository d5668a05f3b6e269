// Contract tests against a real anvil (from the @foundry-rs/anvil npm package) started by the test.
// Signing is done with ethers Wallets holding anvil's well-known dev keys (the public "test test …
// junk" mnemonic); in the app the built-in wallet implements the same TxSender seam.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { Contract, HDNodeWallet, Mnemonic, keccak256, toUtf8Bytes, type JsonRpcProvider } from 'ethers';
import { AppError } from '../../electron/shared/errors';
import { buildTree, standardLeaf } from '../../electron/core/common/merkle';
import {
  contractInterface,
  datanetIdOnChain,
  describeCall,
  encodeAnchorReceipts,
  encodeApproveRewardFunding,
  encodeClaim,
  encodeClaimWithSignature,
  encodeMintDevToken,
  encodePublishEpoch,
  encodePublishSnapshot,
  encodeRegisterAdapter,
  encodeRegisterDatanet,
  type Deployment,
  type TxSender,
  type UnsignedTx,
} from '../../electron/core/chain/contracts';
import { DeploymentStore, deployContracts, devnetSender, ensureDevnetDeployment } from '../../electron/core/chain/deploy';
import { DEVNET_FUNDER, startDevnet, type Devnet } from '../../electron/core/chain/devnet';
import { readChainEvents } from '../../electron/core/chain/events';
import { createRpcProvider, recordRpcRequests } from '../../electron/core/chain/rpc';
import {
  buildRewardTree,
  claimFromFile,
  claimProofFile,
  claimTypedData,
  readClaimFile,
  signedClaimFile,
  writeClaimFile,
  type ClaimProofFile,
  type RewardTree,
} from '../../electron/core/chain/reward-tree';
import { sendTransaction, waitForReceipt } from '../../electron/core/chain/transactions';

const DEV_MNEMONIC = Mnemonic.fromPhrase('test test test test test test test test test test test junk');
const devKey = (i: number) => HDNodeWallet.fromMnemonic(DEV_MNEMONIC, `m/44'/60'/0'/0/${i}`);

/** A TxSender over an ethers wallet: what the app's wallet does, minus the confirmation dialog. */
function walletSender(wallet: HDNodeWallet, provider: JsonRpcProvider, sent: UnsignedTx[] = []): TxSender {
  const signer = wallet.connect(provider);
  return {
    address: wallet.address,
    send: async (tx) => {
      sent.push(tx);
      return (await signer.sendTransaction({ chainId: tx.chainId, to: tx.to, data: tx.data, value: tx.value })).hash;
    },
  };
}

const user = devKey(1); // owns the datanet, the DevToken and the RewardDistributor
const alice = devKey(2);
const bob = devKey(3);
const relayer = devKey(4);
const recipient = devKey(5);
const stranger = devKey(6);

let dir: string;
let devnet: Devnet;
let otherChain: Devnet;
let deployment: Deployment;
let userSender: TxSender;
const userSent: UnsignedTx[] = [];

// A bounded wait: on anvil a transaction is mined at once, so one still unmined after a minute is a
// hang to report by name, not to sit out for the app's ten-minute default.
const send = (sender: TxSender, tx: UnsignedTx) => sendTransaction({ provider: devnet.provider, sender, tx, timeoutMs: 60_000 });
const tokenBalance = async (d: Deployment, provider: JsonRpcProvider, account: string) =>
  (await new Contract(d.addresses.RewardToken, contractInterface('DevToken'), provider).getFunction('balanceOf')(account)) as bigint;
const rejects = (p: Promise<unknown>, error: RegExp) =>
  assert.rejects(p, (e: unknown) => e instanceof AppError && e.code === 'CONFLICT' && error.test(e.message));

const datanetId = datanetIdOnChain('dn_0123456789abcdef');
const snapshotRoot = buildTree([standardLeaf(['bytes32', 'address'], [keccak256(toUtf8Bytes('record one')), alice.address])]).root;
let rewardTree: RewardTree;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dstudio-chain-'));
  [devnet, otherChain] = await Promise.all([startDevnet({ dir: join(dir, 'devnet') }), startDevnet({ dir: join(dir, 'other'), chainId: 31338 })]);
  ({ deployment } = await ensureDevnetDeployment({ devnet, store: new DeploymentStore(join(dir, 'deployments.json')), rewardOwner: user.address }));
  userSender = walletSender(user, devnet.provider, userSent);
  await send(userSender, encodeMintDevToken({ deployment, to: user.address, amount: 1_000_000n }));
});

after(async () => {
  await Promise.all([devnet?.stop(), otherChain?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

test('a transaction summary is decoded from its calldata, not written beside it', () => {
  const tx = encodePublishSnapshot({ deployment, datanetId, root: snapshotRoot, recordCount: 12 });
  assert.equal(tx.to, deployment.addresses.DatanetRegistry);
  assert.equal(tx.summary.contract, 'DatanetRegistry');
  assert.equal(tx.summary.function, 'publishSnapshot');
  assert.deepEqual(
    tx.summary.args.map((a) => [a.name, a.value]),
    [['datanetId', datanetId], ['root', snapshotRoot], ['recordCount', '12']],
  );
  // Change one byte of the record count in the calldata: the summary must follow the bytes.
  const tampered = `${tx.data.slice(0, -2)}0d`;
  assert.equal(describeCall({ chainId: tx.chainId, contract: 'DatanetRegistry', to: tx.to!, data: tampered }).args[2]!.value, '13');
  assert.throws(() => describeCall({ chainId: tx.chainId, contract: 'ModelRegistry', to: tx.to!, data: tx.data }), /not a call of any ModelRegistry function/);
});

test('register a datanet and publish a snapshot; only its owner may publish', async () => {
  await send(userSender, encodeRegisterDatanet({ deployment, datanetId }));
  await rejects(send(userSender, encodeRegisterDatanet({ deployment, datanetId })), /DatanetRegistry\.DatanetAlreadyRegistered/);
  await rejects(
    send(walletSender(stranger, devnet.provider), encodePublishSnapshot({ deployment, datanetId, root: snapshotRoot, recordCount: 1 })),
    new RegExp(`NotDatanetOwner\\(datanetId=${datanetId}, caller=${stranger.address}\\)`),
  );
  await send(userSender, encodePublishSnapshot({ deployment, datanetId, root: snapshotRoot, recordCount: 1 }));
  const registry = new Contract(deployment.addresses.DatanetRegistry, contractInterface('DatanetRegistry'), devnet.provider);
  const [storedDatanet, storedCount] = (await registry.getFunction('snapshot')(snapshotRoot)) as [string, bigint];
  assert.equal(storedDatanet, datanetId);
  assert.equal(storedCount, 1n);
  await rejects(send(userSender, encodePublishSnapshot({ deployment, datanetId, root: snapshotRoot, recordCount: 1 })), /SnapshotAlreadyPublished/);
});

test('register an adapter against published snapshots only', async () => {
  const adapter = { adapterHash: keccak256(toUtf8Bytes('adapter.gguf')), baseModelHash: keccak256(toUtf8Bytes('base.gguf')), configHash: keccak256(toUtf8Bytes('{"rank":8}')) };
  const unknownRoot = keccak256(toUtf8Bytes('never published'));
  await rejects(send(userSender, encodeRegisterAdapter({ deployment, ...adapter, snapshotRoots: [snapshotRoot, unknownRoot] })), new RegExp(`UnknownSnapshot\\(root=${unknownRoot}\\)`));
  await send(userSender, encodeRegisterAdapter({ deployment, ...adapter, snapshotRoots: [snapshotRoot] }));
  const registry = new Contract(deployment.addresses.ModelRegistry, contractInterface('ModelRegistry'), devnet.provider);
  const stored = (await registry.getFunction('adapter')(adapter.adapterHash)) as unknown[];
  assert.equal(stored[0], user.address);
  assert.equal(stored[1], adapter.baseModelHash);
  assert.deepEqual([...(stored[4] as string[])], [snapshotRoot]);
});

test('anchor an epoch of receipts once per operator', async () => {
  const receiptsRoot = keccak256(toUtf8Bytes('receipts of epoch 1'));
  await send(userSender, encodeAnchorReceipts({ deployment, epoch: 1, receiptsRoot, receiptCount: 42 }));
  await rejects(send(userSender, encodeAnchorReceipts({ deployment, epoch: 1, receiptsRoot, receiptCount: 42 })), /AlreadyAnchored\(epoch=1/);
});

test('close an epoch; claim once; a second claim of the same leaf and a wrong proof revert', async () => {
  rewardTree = buildRewardTree({
    epoch: 1,
    entries: [
      { account: alice.address, amount: 700n },
      { account: bob.address, amount: 250n },
      { account: stranger.address, amount: 50n },
    ],
  });
  // Our tree and OpenZeppelin's own library agree on the root (so MerkleProof on chain agrees too).
  const oz = StandardMerkleTree.of(rewardTree.claims.map((c) => [c.index, c.account, c.amount]), ['uint256', 'address', 'uint256']);
  assert.equal(rewardTree.root, oz.root);
  assert.equal(rewardTree.total, 1000n);

  await send(userSender, encodeApproveRewardFunding({ deployment, amount: rewardTree.total }));
  await send(userSender, encodePublishEpoch({ deployment, epoch: 1, root: rewardTree.root, total: rewardTree.total }));
  await rejects(send(userSender, encodePublishEpoch({ deployment, epoch: 1, root: rewardTree.root, total: 1n })), /EpochAlreadyPublished/);
  await rejects(send(walletSender(stranger, devnet.provider), encodePublishEpoch({ deployment, epoch: 2, root: rewardTree.root, total: 1n })), /OwnableUnauthorizedAccount/);

  const aliceClaim = rewardTree.claims.find((c) => c.account === alice.address)!;
  const aliceSender = walletSender(alice, devnet.provider);
  await send(aliceSender, encodeClaim({ deployment, claim: aliceClaim }));
  assert.equal(await tokenBalance(deployment, devnet.provider, alice.address), 700n);

  await rejects(send(aliceSender, encodeClaim({ deployment, claim: aliceClaim })), new RegExp(`AlreadyClaimed\\(epoch=1, index=${aliceClaim.index}\\)`));
  // The same second claim sent past the dry run (fixed gas limit) is mined and reverts on chain.
  const raw = await alice.connect(devnet.provider).sendTransaction({ ...encodeClaim({ deployment, claim: aliceClaim }), gasLimit: 200_000n });
  const receipt = await waitForReceipt({ provider: devnet.provider, hash: raw.hash, timeoutMs: 20_000 });
  assert.equal(receipt?.status, 0);
  assert.equal(await tokenBalance(deployment, devnet.provider, alice.address), 700n, 'no second payout');

  const bobClaim = rewardTree.claims.find((c) => c.account === bob.address)!;
  await rejects(send(aliceSender, encodeClaim({ deployment, claim: { ...bobClaim, amount: bobClaim.amount + 1n } })), /InvalidProof/);
  await rejects(send(aliceSender, encodeClaim({ deployment, claim: { ...bobClaim, proof: aliceClaim.proof } })), /InvalidProof/);
  await rejects(send(aliceSender, encodeClaim({ deployment, claim: { ...bobClaim, epoch: 7 } })), /EpochNotPublished\(epoch=7\)/);
});

test('a claim signed offline from an exported proof is paid to its recipient; replays on another contract or chain are rejected', async () => {
  const bobClaim = rewardTree.claims.find((c) => c.account === bob.address)!;
  const proofPath = join(dir, 'bob-claim.json');
  writeClaimFile({ path: proofPath, file: claimProofFile({ deployment, claim: bobClaim, root: rewardTree.root }) });

  // The "air-gapped" machine: reads the file and signs with a wallet that has no provider at all.
  const exported = readClaimFile(proofPath) as ClaimProofFile;
  const deadline = BigInt(Math.floor(Date.now() / 1000) + 3600);
  const sign = async (file: ClaimProofFile) => {
    const { domain, types, message } = claimTypedData({ file, recipient: recipient.address, deadline });
    return signedClaimFile({ file, recipient: recipient.address, deadline, signature: await bob.signTypedData(domain, types, message) });
  };
  const signed = await sign(exported);
  const signedPath = join(dir, 'bob-claim.signed.json');
  writeClaimFile({ path: signedPath, file: signed });
  const carried = readClaimFile(signedPath);
  assert.equal(carried.kind, 'datanet-studio/signed-reward-claim');
  if (carried.kind !== 'datanet-studio/signed-reward-claim') return;
  const submit = (d: Deployment, provider: JsonRpcProvider) =>
    sendTransaction({
      provider,
      sender: walletSender(relayer, provider),
      tx: encodeClaimWithSignature({ deployment: d, claim: claimFromFile(carried), recipient: carried.recipient, deadline: BigInt(carried.deadline), signature: carried.signature }),
    });

  // Another distributor on the same chain, holding the same root and funds: only the contract differs.
  const second = await deployContracts({
    provider: devnet.provider,
    networkId: 'second',
    chainId: devnet.chainId,
    sender: userSender,
    rewardOwner: user.address,
    rewardToken: deployment.addresses.RewardToken,
  });
  assert.notEqual(second.addresses.RewardDistributor, deployment.addresses.RewardDistributor);
  await send(userSender, encodeApproveRewardFunding({ deployment: second, amount: rewardTree.total }));
  await send(userSender, encodePublishEpoch({ deployment: second, epoch: 1, root: rewardTree.root, total: rewardTree.total }));
  await rejects(submit(second, devnet.provider), /RewardDistributor\.InvalidSignature/);

  // Another chain (31338) where the same deployer made the same addresses: only the chain id differs.
  const funder = devnetSender(otherChain);
  const mirror = await deployContracts({ provider: otherChain.provider, networkId: 'other', chainId: otherChain.chainId, sender: funder, rewardOwner: DEVNET_FUNDER });
  const onOther = (tx: UnsignedTx) => sendTransaction({ provider: otherChain.provider, sender: funder, tx });
  await onOther(encodeMintDevToken({ deployment: mirror, to: DEVNET_FUNDER, amount: rewardTree.total }));
  await onOther(encodeApproveRewardFunding({ deployment: mirror, amount: rewardTree.total }));
  await onOther(encodePublishEpoch({ deployment: mirror, epoch: 1, root: rewardTree.root, total: rewardTree.total }));
  assert.equal(mirror.addresses.RewardDistributor, deployment.addresses.RewardDistributor, 'same address, so the chain id is what differs');
  await rejects(submit(mirror, otherChain.provider), /RewardDistributor\.InvalidSignature/);

  // The genuine submission on the chain and contract the signature names pays the recipient.
  await submit(deployment, devnet.provider);
  assert.equal(await tokenBalance(deployment, devnet.provider, recipient.address), bobClaim.amount);
  assert.equal(await tokenBalance(deployment, devnet.provider, bob.address), 0n);
  await rejects(submit(deployment, devnet.provider), /AlreadyClaimed/);

  // Control: a signature made for the other chain's domain is accepted there, so the rejection
  // above came from the chain id alone.
  const forOther = await sign({ ...exported, chainId: otherChain.chainId });
  await sendTransaction({
    provider: otherChain.provider,
    sender: walletSender(relayer, otherChain.provider),
    tx: encodeClaimWithSignature({ deployment: mirror, claim: claimFromFile(forOther), recipient: forOther.recipient, deadline, signature: forOther.signature }),
  });
  assert.equal(await tokenBalance(mirror, otherChain.provider, recipient.address), bobClaim.amount);
});

test('a signed claim from someone other than the account is refused before submission', async () => {
  const claim = rewardTree.claims.find((c) => c.account === stranger.address)!;
  const file = claimProofFile({ deployment, claim, root: rewardTree.root });
  const deadline = 2n ** 40n;
  const { domain, types, message } = claimTypedData({ file, recipient: relayer.address, deadline });
  const forged = await relayer.signTypedData(domain, types, message);
  assert.throws(() => signedClaimFile({ file, recipient: relayer.address, deadline, signature: forged }), (e: unknown) => e instanceof AppError && e.code === 'UNAUTHORIZED');
  // And on chain too, when someone submits it anyway.
  await rejects(
    send(walletSender(relayer, devnet.provider), encodeClaimWithSignature({ deployment, claim, recipient: relayer.address, deadline, signature: forged })),
    /InvalidSignature/,
  );
});

test('nothing is signed when the RPC endpoint is on another chain than the transaction', async () => {
  // A provider configured for 31337 that really talks to the 31338 node (a swapped endpoint).
  const swapped = createRpcProvider({ url: otherChain.url, chainId: devnet.chainId });
  const sent: UnsignedTx[] = [];
  await assert.rejects(
    sendTransaction({ provider: swapped, sender: walletSender(user, swapped, sent), tx: encodeRegisterDatanet({ deployment, datanetId: datanetIdOnChain('dn_x') }) }),
    (e: unknown) => e instanceof AppError && e.code === 'CONFLICT' && /on chain 31338.*configured for chain 31337/.test(e.message),
  );
  assert.equal(sent.length, 0, 'the sender was never asked to sign');
  swapped.destroy();
  // Its last use. Its autosave keeps polling it every second, and the recording test below would
  // catch those requests (the recorder sees every provider in the process).
  await otherChain.stop();
});

test('the app view is rebuilt from events alone', async () => {
  const events = await readChainEvents({ provider: devnet.provider, deployment, blockWindow: 3 });
  assert.deepEqual(events.datanetsRegistered.map((e) => [e.datanetId, e.owner]), [[datanetId, user.address]]);
  assert.deepEqual(events.snapshotsPublished.map((e) => [e.datanetId, e.root, e.recordCount, e.sequence]), [[datanetId, snapshotRoot, 1, 0]]);
  assert.equal(events.adaptersRegistered.length, 1);
  assert.deepEqual(events.adaptersRegistered[0]!.snapshotRoots, [snapshotRoot]);
  assert.deepEqual(events.receiptsAnchored.map((e) => [e.epoch, e.operator, e.receiptCount]), [[1, user.address, 42]]);
  assert.deepEqual(events.epochsPublished.map((e) => [e.epoch, e.root, e.total]), [[1, rewardTree.root, 1000n]]);
  assert.deepEqual(
    events.claims.map((e) => [e.account, e.recipient, e.amount]),
    [
      [alice.address, alice.address, 700n],
      [bob.address, recipient.address, 250n],
    ],
  );
});

test('every JSON-RPC request body is recorded, the signed transaction included', async () => {
  const recording = recordRpcRequests();
  const root = keccak256(toUtf8Bytes('a second snapshot'));
  try {
    await send(userSender, encodePublishSnapshot({ deployment, datanetId, root, recordCount: 3 }));
  } finally {
    recording.stop();
  }
  const methods = recording.requests.map((r) => (JSON.parse(r.body) as { method: string }).method);
  assert.ok(methods.includes('eth_sendRawTransaction'), methods.join(','));
  assert.ok(methods.indexOf('eth_chainId') < methods.indexOf('eth_sendRawTransaction'), 'the chain id is checked before the signed transaction goes out');
  const raw = recording.requests.find((r) => r.body.includes('eth_sendRawTransaction'))!;
  assert.ok(raw.body.includes(root.slice(2)), 'the calldata travels in the recorded body');
  assert.deepEqual(recording.requests.filter((r) => !r.url.startsWith(devnet.url)).map((r) => r.url), [], 'only the devnet was asked');
  // Stopped: later requests are not recorded.
  const count = recording.requests.length;
  await devnet.provider.getBlockNumber();
  assert.equal(recording.requests.length, count);
});
