// ProposalRegistry against a real anvil (the @foundry-rs/anvil npm package) started by the test,
// and the proposal store on real SQLite following the chain: stake on submission, reviewer votes
// on chain, stake returned on approval and kept (sent to the treasury) on rejection. Signing uses
// ethers Wallets with anvil's public dev keys, as in chain-contracts.test.ts.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Contract, HDNodeWallet, Mnemonic, type JsonRpcProvider } from 'ethers';
import { AuditLog } from '../../electron/core/audit/log';
import { contractInterface, encodeMintDevToken, type Deployment, type TxSender } from '../../electron/core/chain/contracts';
import { DeploymentStore, ensureDevnetDeployment } from '../../electron/core/chain/deploy';
import { startDevnet, type Devnet } from '../../electron/core/chain/devnet';
import { sendTransaction } from '../../electron/core/chain/transactions';
import { openDatabase } from '../../electron/core/db/open';
import { NearDupRegistry } from '../../electron/core/datanets/near-dup-registry';
import { reviewRecords } from '../../electron/core/datanets/review';
import { DatanetStore } from '../../electron/core/datanets/store';
import {
  encodeApproveProposalStake,
  encodeDeployProposalRegistry,
  encodeSubmitProposal,
  encodeVoteProposal,
  proposalContentHash,
  readOnChainProposal,
  submittedProposalId,
} from '../../electron/core/proposals/registry';
import { ProposalStore } from '../../electron/core/proposals/store';
import { AppError } from '../../electron/shared/errors';
import type { Proposal } from '../../electron/shared/proposals';

const DEV_MNEMONIC = Mnemonic.fromPhrase('test test test test test test test test test test test junk');
const devKey = (i: number) => HDNodeWallet.fromMnemonic(DEV_MNEMONIC, `m/44'/60'/0'/0/${i}`);

function walletSender(wallet: HDNodeWallet, provider: JsonRpcProvider): TxSender {
  const signer = wallet.connect(provider);
  return { address: wallet.address, send: async (tx) => (await signer.sendTransaction({ chainId: tx.chainId, to: tx.to, data: tx.data, value: tx.value })).hash };
}

const tokenOwner = devKey(1);
const proposer = devKey(2);
const reviewers = [devKey(3), devKey(4), devKey(5)];
const treasury = devKey(6);
const outsider = devKey(7);
const STAKE = 500n;

let dir: string;
let db: ReturnType<typeof openDatabase> | undefined;
let devnet: Devnet;
let deployment: Deployment;
let registry: string;
let store: ProposalStore;
let datanets: DatanetStore;
let approveRecords: (datanetId: string, n: number) => void;

const send = (who: HDNodeWallet, tx: Parameters<typeof sendTransaction>[0]['tx']) => sendTransaction({ provider: devnet.provider, sender: walletSender(who, devnet.provider), tx });
const balanceOf = async (account: string) =>
  (await new Contract(deployment.addresses.RewardToken, contractInterface('DevToken'), devnet.provider).getFunction('balanceOf')(account)) as bigint;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dstudio-proposals-'));
  devnet = await startDevnet({ dir: join(dir, 'devnet') });
  ({ deployment } = await ensureDevnetDeployment({ devnet, store: new DeploymentStore(join(dir, 'deployments.json')), rewardOwner: tokenOwner.address }));
  await send(tokenOwner, encodeMintDevToken({ deployment, to: proposer.address, amount: 10_000n }));
  const deployed = await send(tokenOwner, encodeDeployProposalRegistry({
    chainId: deployment.chainId, stakeToken: deployment.addresses.RewardToken, minStake: STAKE, treasury: treasury.address, reviewers: reviewers.map((r) => r.address),
  }));
  registry = deployed.contractAddress!;
  db = openDatabase(join(dir, 'studio.db'));
  const audit = new AuditLog(db);
  datanets = new DatanetStore(db, audit, 'local', new NearDupRegistry(db));
  store = new ProposalStore(db, audit, datanets);
  store.setReviewers({ addresses: reviewers.map((r) => r.address), actor: 'local' });
  const topics = ['warranty', 'indemnity', 'arbitration', 'termination'];
  approveRecords = (datanetId, n) => {
    const ids = topics.slice(0, n).map((topic) =>
      datanets.addRecord({ datanetId, content: { kind: 'instruction', instruction: `What does a ${topic} clause do?`, input: '', response: `It sets the ${topic} terms.` }, license: 'CC-BY-4.0' }).id);
    reviewRecords(db!, audit, 'local', { datanetId, recordIds: ids, decision: 'approve' });
  };
});

after(async () => {
  db?.close();
  await devnet?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A draft submitted on chain: approve the stake, submit the content hash, record the stake locally. */
async function submitOnChain(title: string): Promise<{ p: Proposal; onChainId: bigint }> {
  const law = datanets.create({ name: `${title} data`, description: '' });
  const draft = store.create({
    actor: proposer.address,
    draft: {
      title, purpose: 'Explain contract clauses.', useCase: 'Small firms.', baseModel: 'tiny-llama', targetDatanets: [law.id],
      dataRequirements: { kinds: ['instruction'], minApprovedRecords: 2 }, evaluationCriteria: { maxHeldOutLoss: 2 }, owner: proposer.address,
    },
  });
  await send(proposer, encodeApproveProposalStake({ chainId: deployment.chainId, stakeToken: deployment.addresses.RewardToken, registry, amount: STAKE }));
  const contentHash = proposalContentHash(draft);
  const sent = await send(proposer, encodeSubmitProposal({ chainId: deployment.chainId, registry, contentHash }));
  const onChainId = submittedProposalId({ receipt: sent.receipt, registry });
  const onChain = await readOnChainProposal({ provider: devnet.provider, registry, onChainId });
  assert.deepEqual([onChain.proposer, onChain.contentHash, onChain.stake, onChain.status], [proposer.address, contentHash, STAKE, 'pending']);
  const p = store.submit({
    id: draft.id, actor: proposer.address,
    stake: { where: 'chain', chainId: deployment.chainId, registry, onChainId: onChainId.toString(), amount: STAKE.toString(), txHash: sent.hash },
  });
  store.transition({ id: p.id, to: 'in_review', actor: proposer.address });
  return { p, onChainId };
}

async function voteOnChain(p: Proposal, onChainId: bigint, reviewer: HDNodeWallet, approve: boolean) {
  const sent = await send(reviewer, encodeVoteProposal({ chainId: deployment.chainId, registry, onChainId, approve }));
  store.vote({ id: p.id, reviewer: reviewer.address, approve, txHash: sent.hash });
}

test('one proposal through every state with a real devnet stake and reviewer votes; approval returns the stake', async () => {
  const before = await balanceOf(proposer.address);
  const { p, onChainId } = await submitOnChain('Clause explainer');
  assert.equal(await balanceOf(proposer.address), before - STAKE);
  assert.equal(await balanceOf(registry), STAKE);
  await assert.rejects(send(outsider, encodeVoteProposal({ chainId: deployment.chainId, registry, onChainId, approve: true })),
    (e: unknown) => e instanceof AppError && e.code === 'CONFLICT' && /ProposalRegistry\.vote would revert/.test(e.message));
  await voteOnChain(p, onChainId, reviewers[0]!, true);
  await assert.rejects(send(reviewers[0]!, encodeVoteProposal({ chainId: deployment.chainId, registry, onChainId, approve: true })), /would revert/);
  assert.equal((await readOnChainProposal({ provider: devnet.provider, registry, onChainId })).status, 'pending');
  await voteOnChain(p, onChainId, reviewers[1]!, true);
  const decided = await readOnChainProposal({ provider: devnet.provider, registry, onChainId });
  assert.deepEqual([decided.status, decided.approvals], ['approved', 2]);
  assert.equal(await balanceOf(proposer.address), before, 'the stake is back with the proposer');
  assert.equal(await balanceOf(registry), 0n);

  const id = p.id;
  assert.equal(store.transition({ id, to: 'approved', actor: proposer.address }).state, 'approved');
  assert.equal(store.transition({ id, to: 'gathering_data', actor: proposer.address }).state, 'gathering_data');
  approveRecords(p.targetDatanets[0]!, 2);
  assert.equal(store.transition({ id, to: 'tuning', actor: proposer.address }).state, 'tuning');
  store.attachTuning({ id, runId: 'run_0000000000000001', adapterId: 'ad_0000000000000001', heldOutLoss: 1.5, accuracy: null, actor: proposer.address });
  assert.equal(store.transition({ id, to: 'feedback', actor: proposer.address }).state, 'feedback');
  store.feedback({ proposalId: id, rater: reviewers[2]!.address, prompt: 'What is a lien?', answer: 'A tax.', rating: 'bad', correctedAnswer: 'A right to keep property until a debt is paid.' });
  assert.equal(store.transition({ id, to: 'tuning', actor: proposer.address, note: 'second round on feedback' }).state, 'tuning');
  assert.equal(store.transition({ id, to: 'feedback', actor: proposer.address }).state, 'feedback');
  assert.equal(store.transition({ id, to: 'deployed', actor: proposer.address }).state, 'deployed');
  assert.equal(store.transition({ id, to: 'retired', actor: proposer.address }).state, 'retired');
  const timeline = store.timeline(id);
  assert.deepEqual(timeline.map((e) => e.to), ['draft', 'submitted', 'in_review', 'approved', 'gathering_data', 'tuning', 'tuning', 'feedback', 'tuning', 'feedback', 'deployed', 'retired']);
  assert.match(timeline[6]!.note, /adapter ad_0000000000000001 attached: held-out loss 1\.500 \(target ≤ 2\), meets the criteria/);
  assert.deepEqual(timeline[1]!.details.stake, store.get(id).stake);
  assert.deepEqual(store.get(id).stake, { ...store.get(id).stake, where: 'chain', registry, onChainId: onChainId.toString(), amount: STAKE.toString() });
  assert.deepEqual(store.votes(id).map((v) => [v.reviewer, v.approve, v.txHash !== null]).sort(), [[reviewers[0]!.address.toLowerCase(), true, true], [reviewers[1]!.address.toLowerCase(), true, true]].sort());
});

test('a majority against rejects the proposal on chain and locally; the stake goes to the treasury', async () => {
  const before = await balanceOf(proposer.address);
  const { p, onChainId } = await submitOnChain('Spam proposal');
  await voteOnChain(p, onChainId, reviewers[0]!, false);
  await voteOnChain(p, onChainId, reviewers[2]!, false);
  assert.equal((await readOnChainProposal({ provider: devnet.provider, registry, onChainId })).status, 'rejected');
  assert.equal(await balanceOf(proposer.address), before - STAKE);
  assert.equal(await balanceOf(treasury.address), STAKE);
  await assert.rejects(send(reviewers[1]!, encodeVoteProposal({ chainId: deployment.chainId, registry, onChainId, approve: true })), /would revert/);
  assert.throws(() => store.transition({ id: p.id, to: 'approved', actor: proposer.address }), /approval needs 2 approving votes of 3 reviewers; it has 0/);
  assert.equal(store.transition({ id: p.id, to: 'rejected', actor: proposer.address }).state, 'rejected');
});
