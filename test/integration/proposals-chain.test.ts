// The app's proposal flow on a real devnet (anvil from npm), through the core's contract like the
// UI and CLI: proposals.submitOnChain deploys the workspace's ProposalRegistry and locks the stake
// from a wallet account (each transaction a wallet confirmation), proposals.voteOnChain sends the
// reviewers' votes from their wallet accounts, and the local proposal follows the chain's decision.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Contract, HDNodeWallet, JsonRpcProvider, Mnemonic, parseUnits } from 'ethers';
import { contractInterface } from '../../electron/core/chain/contracts';
import type { Core } from '../../electron/core/core';
import type { Job } from '../../electron/shared/jobs';
import type { Proposal } from '../../electron/shared/proposals';
import { call, jobResult, testCore } from '../helpers/workspace';

// A fixed phrase generated for this test; funds nothing anywhere.
const MNEMONIC = 'good arm blue system firm birth misery around harvest imitate flower supply';
const PASSWORD = 'correct horse battery staple';
const STAKE = 10n * 10n ** 18n;

/** Waits for a job while approving, one by one, the wallet requests it makes; returns them. */
async function approvingEach(core: Core, jobId: string): Promise<{ job: Job; origins: string[]; functions: string[] }> {
  const origins: string[] = [];
  const functions: string[] = [];
  for (;;) {
    const current = (await call(core, 'jobs.list', {})).items.find((j) => j.id === jobId)!;
    if (current.state !== 'running') return { job: current, origins, functions };
    for (const r of (await call(core, 'wallet.listRequests', {})).items.filter((x) => x.state === 'pending')) {
      origins.push(r.origin);
      functions.push(r.transaction!.summary.function);
      await call(core, 'wallet.approve', { id: r.id });
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The reward-token balance in its smallest unit. */
async function balance(core: Core, account: string): Promise<bigint> {
  return parseUnits((await call(core, 'chain.balances', { account })).token, 18);
}

test('submitting stakes on the devnet registry through the wallet; on-chain votes decide, the stake comes back on approval and is kept on rejection', async (t) => {
  const core = testCore(t);
  const imported = await call(core, 'wallet.import', { kind: 'mnemonic', mnemonic: MNEMONIC, password: PASSWORD, label: 'proposer' });
  const proposer = imported.accounts[0]!.address;
  const reviewers: string[] = [];
  for (const label of ['r1', 'r2', 'r3']) reviewers.push((await call(core, 'wallet.addAccount', { label })).address);
  await call(core, 'proposals.setReviewers', { addresses: reviewers });
  const { id: datanetId } = await call(core, 'datanets.create', { name: 'contracts' });
  const draft = (title: string) => call(core, 'proposals.create', {
    title, purpose: 'Explain contract clauses.', useCase: 'Small firms.', baseModel: 'tiny-llama', targetDatanets: [datanetId],
    dataRequirements: { kinds: ['instruction'], minApprovedRecords: 2 }, evaluationCriteria: { maxHeldOutLoss: 2 }, owner: proposer,
  });
  await jobResult(core, call(core, 'chain.startDevnet', {}));
  try {
    await onDevnet(core, proposer, reviewers, draft);
  } finally {
    await call(core, 'chain.stopDevnet', {}); // before the workspace folder is removed: anvil saves its state there
  }
});

async function onDevnet(core: Core, proposer: string, reviewers: string[], draft: (title: string) => Promise<Proposal>) {

  // Submitted without autoApprove: the stake's approve and submit wait for the wallet's confirmation.
  const p = await draft('Clause explainer');
  const submitting = await approvingEach(core, (await call(core, 'proposals.submitOnChain', { id: p.id, account: proposer })).jobId);
  assert.equal(submitting.job.state, 'succeeded', submitting.job.error?.message);
  assert.deepEqual(submitting.functions, ['approve', 'submit']);
  assert.deepEqual([...new Set(submitting.origins)], ['proposals.submit']);
  const result = submitting.job.result as { proposal: Proposal; onChainId: string; registry: string };
  assert.equal(result.proposal.state, 'in_review');
  assert.deepEqual(result.proposal.stake, { ...result.proposal.stake, where: 'chain', registry: result.registry, onChainId: '1', amount: STAKE.toString() });
  assert.equal(await balance(core, result.registry), STAKE, 'the registry holds the stake');
  const afterStake = await balance(core, proposer);

  // Votes are on chain only: a local vote is refused; an on-chain vote is recorded with its transaction.
  const local = await core.call('proposals.vote', { id: p.id, reviewer: reviewers[0]!, approve: true });
  assert.ok(!local.ok);
  assert.match(local.error.message, /staked on chain \d+: its votes are cast there/);
  const first = await jobResult<{ proposal: Proposal }>(core, call(core, 'proposals.voteOnChain', { id: p.id, reviewer: reviewers[0]!, approve: true, autoApprove: true }));
  assert.equal(first.proposal.state, 'in_review', 'one vote of three is not a majority');
  const outsider = await core.call('proposals.voteOnChain', { id: p.id, reviewer: proposer, approve: true, autoApprove: true });
  assert.ok(!outsider.ok);
  assert.match(outsider.error.message, /is not one of the workspace's configured reviewers/);
  const decided = await jobResult<{ proposal: Proposal }>(core, call(core, 'proposals.voteOnChain', { id: p.id, reviewer: reviewers[1]!, approve: true, autoApprove: true }));
  assert.equal(decided.proposal.state, 'approved');
  assert.equal(await balance(core, proposer), afterStake + STAKE, 'the stake is back');
  assert.equal(await balance(core, result.registry), 0n);
  const detail = await call(core, 'proposals.get', { id: p.id });
  assert.deepEqual(detail.votes.map((v) => [v.reviewer, v.approve, /^0x[0-9a-f]{64}$/.test(v.txHash ?? '')]).sort(), [[reviewers[0]!.toLowerCase(), true, true], [reviewers[1]!.toLowerCase(), true, true]].sort());
  assert.match(detail.timeline.at(-1)!.note, /approved on chain by 2 reviewers; the stake of 10\.0 tokens went back to/);
  assert.match(detail.timeline.find((e) => e.to === 'in_review')!.note, /open for review on chain \d+ \(registry proposal #1\)/);

  // A second proposal reuses the registry; a majority against rejects it and the stake is kept.
  const spam = await draft('Spam');
  const second = await jobResult<{ proposal: Proposal; registry: string; onChainId: string }>(core, call(core, 'proposals.submitOnChain', { id: spam.id, account: proposer, autoApprove: true }));
  assert.deepEqual([second.registry, second.onChainId], [result.registry, '2']);
  const beforeVotes = await balance(core, proposer);
  await jobResult(core, call(core, 'proposals.voteOnChain', { id: spam.id, reviewer: reviewers[0]!, approve: false, autoApprove: true }));
  const rejected = await jobResult<{ proposal: Proposal }>(core, call(core, 'proposals.voteOnChain', { id: spam.id, reviewer: reviewers[2]!, approve: false, autoApprove: true }));
  assert.equal(rejected.proposal.state, 'rejected');
  assert.equal(await balance(core, proposer), beforeVotes, 'the stake is not returned');
  assert.match((await call(core, 'proposals.get', { id: spam.id })).timeline.at(-1)!.note, /rejected on chain by 2 reviewers; the stake of 10\.0 tokens went to the treasury/);
  assert.equal(await balance(core, result.registry), 0n);
  const late = await core.call('proposals.voteOnChain', { id: p.id, reviewer: reviewers[2]!, approve: true, autoApprove: true });
  assert.ok(!late.ok);
  assert.match(late.error.message, /is approved, not in_review/);

  await votesCastElsewhere(core, proposer, reviewers, draft, result.registry);
}

/**
 * Reviewers who vote from their own wallets, outside this workspace (here: ethers with the
 * reviewers' keys, straight to the registry): proposals.syncChain reads their votes from the
 * registry's events, records each once with its transaction, and follows the decision.
 */
async function votesCastElsewhere(core: Core, proposer: string, reviewers: string[], draft: (title: string) => Promise<Proposal>, registryAddress: string) {
  const local = await draft('Local only');
  await call(core, 'proposals.submit', { id: local.id });
  const notStaked = await core.call('proposals.syncChain', { id: local.id });
  assert.ok(!notStaked.ok);
  assert.match(notStaked.error.message, /is not staked on a chain/);

  const p = await draft('Voted elsewhere');
  const staked = await jobResult<{ proposal: Proposal; onChainId: string }>(core, call(core, 'proposals.submitOnChain', { id: p.id, account: proposer, autoApprove: true }));
  const status = await call(core, 'chain.status', {});
  const provider = new JsonRpcProvider(status.network.rpcUrl!, status.network.chainId, { staticNetwork: true });
  const keyOf = (address: string) => {
    for (let i = 0; i < 8; i++) {
      const w = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), `m/44'/60'/0'/0/${i}`);
      if (w.address === address) return w.connect(provider);
    }
    throw new Error(`no key for ${address}`);
  };
  const voteElsewhere = async (reviewer: string, approve: boolean) => {
    const registry = new Contract(registryAddress, contractInterface('ProposalRegistry'), keyOf(reviewer));
    const tx = (await registry.getFunction('vote')(BigInt(staked.onChainId), approve)) as { hash: string; wait(): Promise<unknown> };
    await tx.wait();
    return tx.hash;
  };
  try {
    const firstTx = await voteElsewhere(reviewers[2]!, true);
    const once = await call(core, 'proposals.syncChain', { id: p.id });
    assert.equal(once.recorded, 1);
    assert.equal(once.proposal.state, 'in_review', 'one vote of three is not a majority');
    assert.deepEqual(once.votes.map((v) => [v.reviewer, v.approve, v.txHash]), [[reviewers[2]!.toLowerCase(), true, firstTx]]);
    const again = await call(core, 'proposals.syncChain', { id: p.id });
    assert.equal(again.recorded, 0, 'a vote already read is not recorded twice');
    assert.equal(again.votes.length, 1);

    // One vote from this workspace's wallet, one from elsewhere: the registry decides, the sync follows.
    await jobResult(core, call(core, 'proposals.voteOnChain', { id: p.id, reviewer: reviewers[0]!, approve: false, autoApprove: true }));
    const secondTx = await voteElsewhere(reviewers[1]!, true);
    assert.equal((await call(core, 'proposals.get', { id: p.id })).proposal.state, 'in_review', 'nothing moves before the chain is read');
    const decided = await call(core, 'proposals.syncChain', { id: p.id });
    assert.equal(decided.recorded, 1);
    assert.equal(decided.proposal.state, 'approved');
    assert.equal(decided.votes.find((v) => v.reviewer === reviewers[1]!.toLowerCase())?.txHash, secondTx);
    const detail = await call(core, 'proposals.get', { id: p.id });
    assert.match(detail.timeline.at(-1)!.note, /approved on chain by 2 reviewers/);
  } finally {
    provider.destroy();
  }
}
