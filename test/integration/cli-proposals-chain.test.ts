// The CLI's on-chain proposal commands on a real devnet (anvil from npm): `proposal submit-onchain`
// stakes a draft through the wallet, each transaction confirmed at the terminal (or by --yes), and
// `proposal vote-onchain` sends the reviewers' votes from their wallet accounts until the registry decides.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../../electron/core/cli/run';
import { openCore } from '../../electron/core/core';
import type { ProposalDetail } from '../../electron/shared/proposals';
import { call, tempDir } from '../helpers/workspace';

// A fixed phrase generated for this test; funds nothing anywhere.
const MNEMONIC = 'good arm blue system firm birth misery around harvest imitate flower supply';
const PASSWORD = 'correct horse battery staple';

/** One CLI run in this process; `answers` are the lines typed at the terminal (confirmations), if any. */
async function cli(ws: string, args: string[], answers?: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const typed = answers ? [...answers] : null;
  const code = await runCli([...args, '--workspace', ws], {
    out: (s) => out.push(s),
    err: (s) => err.push(s),
    isTty: false,
    ...(typed ? { readLine: () => Promise.resolve(typed.shift() ?? null) } : {}),
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

test('CLI: a draft staked on the devnet with the terminal confirming each transaction, then reviewers vote on chain until the registry approves it', async (t) => {
  const ws = tempDir(t);
  const passwordFile = join(ws, 'password.txt');
  writeFileSync(passwordFile, `${PASSWORD}\n`);

  const core = openCore({ workspaceDir: ws, host: 'test' });
  let proposer: string;
  const reviewers: string[] = [];
  let id: string;
  try {
    proposer = (await call(core, 'wallet.import', { kind: 'mnemonic', mnemonic: MNEMONIC, password: PASSWORD, label: 'proposer' })).accounts[0]!.address;
    for (const label of ['r1', 'r2', 'r3']) reviewers.push((await call(core, 'wallet.addAccount', { label })).address);
    await call(core, 'proposals.setReviewers', { addresses: reviewers });
    const { id: datanetId } = await call(core, 'datanets.create', { name: 'contracts' });
    id = (await call(core, 'proposals.create', {
      title: 'Clause explainer', purpose: 'Explain contract clauses.', useCase: 'Small firms.', baseModel: 'tiny-llama', targetDatanets: [datanetId],
      dataRequirements: { kinds: ['instruction'], minApprovedRecords: 2 }, evaluationCriteria: { maxHeldOutLoss: 2 }, owner: proposer,
    })).id;
  } finally {
    await core.close();
  }
  const show = async () => JSON.parse((await cli(ws, ['proposal', 'show', id, '--json'])).out) as ProposalDetail;

  // Each CLI run starts the devnet and stops it when it closes (anvil saves its state in the workspace),
  // so nothing is left running when the folder is removed.
  // Usage mistakes are refused before anything is signed.
  const noAccount = await cli(ws, ['proposal', 'submit-onchain', id, '--password-file', passwordFile, '--yes']);
  assert.equal(noAccount.code, 2, noAccount.err);
  assert.match(noAccount.err, /--account is required/);
  const both = await cli(ws, ['proposal', 'vote-onchain', id, '--reviewer', reviewers[0]!, '--approve', '--reject', '--yes']);
  assert.equal(both.code, 2);
  assert.match(both.err, /give exactly one of --approve or --reject/);
  // Without the wallet password the wallet stays locked and says so.
  const locked = await cli(ws, ['proposal', 'submit-onchain', id, '--account', proposer, '--yes']);
  assert.equal(locked.code, 1, locked.out);
  assert.match(locked.err, /locked/i);

  // Declined at the terminal: nothing is staked, the proposal stays a draft.
  const declined = await cli(ws, ['proposal', 'submit-onchain', id, '--account', proposer, '--password-file', passwordFile], ['n']);
  assert.equal(declined.code, 1, declined.out + declined.err);
  assert.match(declined.err, /Signing request from proposals\.submit[\s\S]*approve/);
  assert.match(declined.err, /declined at the terminal/);
  assert.equal((await show()).proposal.state, 'draft');

  // Confirmed at the terminal, transaction by transaction (the stake's approve, then submit).
  const staked = await cli(ws, ['proposal', 'submit-onchain', id, '--account', proposer, '--password-file', passwordFile], ['y', 'y']);
  assert.equal(staked.code, 0, staked.err);
  assert.match(staked.err, /Signing request from proposals\.submit[\s\S]*approve\([\s\S]*Signing request from proposals\.submit[\s\S]*submit\(/);
  assert.match(staked.out, new RegExp(`${id}  in_review`));
  assert.match(staked.out, /Staked on chain as registry proposal #1 at 0x[0-9a-fA-F]{40}/);
  assert.match(staked.out, /Stake: 10\.0 tokens on chain \d+, registry 0x[0-9a-fA-F]{40} proposal #1 \(tx 0x[0-9a-f]{64}\)/);
  assert.match(staked.out, /ProposalRegistry\.submit: 0x[0-9a-f]{64}/);
  const afterStake = await show();
  assert.equal(afterStake.proposal.stake?.where, 'chain');

  // A local vote is refused for a chain-staked proposal; the on-chain ones count.
  const local = await cli(ws, ['proposal', 'vote', id, '--reviewer', reviewers[0]!, '--approve']);
  assert.equal(local.code, 1);
  assert.match(local.err, /its votes are cast there/);
  const outsider = await cli(ws, ['proposal', 'vote-onchain', id, '--reviewer', proposer, '--approve', '--yes', '--password-file', passwordFile]);
  assert.equal(outsider.code, 1);
  assert.match(outsider.err, /is not one of the workspace's configured reviewers/);

  const first = await cli(ws, ['proposal', 'vote-onchain', id, '--reviewer', reviewers[0]!, '--approve', '--comment', 'clear scope', '--yes', '--password-file', passwordFile]);
  assert.equal(first.code, 0, first.err);
  assert.match(first.out, /in_review .*still in review \(no majority yet\)/);
  assert.match(first.out, /ProposalRegistry\.vote: 0x[0-9a-f]{64}/);
  assert.match(first.out, new RegExp(`${reviewers[0]!.toLowerCase()}  approve  tx 0x[0-9a-f]{64}`));
  const second = await cli(ws, ['proposal', 'vote-onchain', id, '--reviewer', reviewers[1]!, '--approve', '--yes', '--password-file', passwordFile]);
  assert.equal(second.code, 0, second.err);
  assert.match(second.out, /approved .*approved by the registry/);

  // Reading the registry again (a fresh process that starts the saved devnet) finds nothing new.
  const synced = await cli(ws, ['proposal', 'sync-onchain', id]);
  assert.equal(synced.code, 0, synced.err);
  assert.match(synced.out, /approved; 0 new votes read from the chain/);
  assert.equal((synced.out.match(/ {2}approve {2}tx 0x[0-9a-f]{64}/g) ?? []).length, 2, synced.out);
  const shown = await cli(ws, ['proposal', 'show', id]);
  assert.match(shown.out, /— approved/);
  assert.match(shown.out, /Stake: 10\.0 tokens on chain/);
  assert.match(shown.out, /approve \(on chain\)/);
  assert.match(shown.out, /approved on chain by 2 reviewers; the stake of 10\.0 tokens went back to/);
  const late = await cli(ws, ['proposal', 'vote-onchain', id, '--reviewer', reviewers[2]!, '--reject', '--yes', '--password-file', passwordFile, '--json']);
  assert.equal(late.code, 1);
  assert.match(late.out, /is approved, not in_review/);
});
