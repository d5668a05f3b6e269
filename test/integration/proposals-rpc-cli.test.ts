import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT, call, tempDir, testCore } from '../helpers/workspace';

const OWNER = '0x1111111111111111111111111111111111111111';
const R1 = '0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const R2 = '0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'electron/core/bin/cli.ts'), ...args], { encoding: 'utf8', cwd: REPO_ROOT });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('through the contract: create, submit, review by the configured reviewers, a refused move names why, the timeline shows it all', async (t) => {
  const core = testCore(t);
  const law = await call(core, 'datanets.create', { name: 'contracts' });
  assert.deepEqual(await call(core, 'proposals.setReviewers', { addresses: [R1, R2] }), { reviewers: [R1, R2] });
  const p = await call(core, 'proposals.create', {
    title: 'Clause explainer', purpose: 'Explain clauses.', useCase: 'Small firms.', baseModel: 'tiny', targetDatanets: [law.id],
    dataRequirements: { kinds: ['instruction'], minApprovedRecords: 1 }, evaluationCriteria: { maxHeldOutLoss: 2 }, owner: OWNER,
  });
  const bad = await core.call('proposals.transition', { id: p.id, to: 'approved' });
  assert.deepEqual(bad.ok ? null : bad.error.code, 'CONFLICT');
  assert.match(bad.ok ? '' : bad.error.message, /cannot move from draft to approved: from draft a proposal can only move to submitted/);
  await call(core, 'proposals.submit', { id: p.id });
  await call(core, 'proposals.transition', { id: p.id, to: 'in_review' });
  await call(core, 'proposals.vote', { id: p.id, reviewer: R1, approve: true });
  const early = await core.call('proposals.transition', { id: p.id, to: 'approved' });
  assert.match(early.ok ? '' : early.error.message, /approval needs 2 approving votes of 2 reviewers; it has 1/);
  await call(core, 'proposals.vote', { id: p.id, reviewer: R2, approve: true, comment: 'go' });
  await call(core, 'proposals.transition', { id: p.id, to: 'approved', note: 'both reviewers agree' });
  const d = await call(core, 'proposals.get', { id: p.id });
  assert.equal(d.proposal.state, 'approved');
  assert.deepEqual(d.timeline.map((e) => [e.from, e.to]), [[null, 'draft'], ['draft', 'submitted'], ['submitted', 'in_review'], ['in_review', 'approved']]);
  assert.equal(d.timeline[3]!.note, 'both reviewers agree');
  assert.deepEqual(d.dataProgress, { kinds: ['instruction'], required: 1, approved: 0, perDatanet: [{ datanetId: law.id, approved: 0 }], met: false });
  assert.deepEqual((await call(core, 'proposals.list', { state: 'approved' })).items.map((x) => x.id), [p.id]);
  const noAdapter = await core.call('proposals.attachTuning', { id: p.id, adapterId: 'ad_0000000000000000' });
  assert.equal(noAdapter.ok ? null : noAdapter.error.code, 'NOT_FOUND');

  // Enough approved data opens tuning; a rating given then lands in the proposal's feedback datanet under the rater.
  await call(core, 'proposals.transition', { id: p.id, to: 'gathering_data' });
  const rec = await call(core, 'datanets.addRecord', { datanetId: law.id, content: { kind: 'instruction', instruction: 'What does a warranty clause do?', response: 'It promises a quality.' }, license: 'CC-BY-4.0' });
  await call(core, 'datanets.review', { datanetId: law.id, recordIds: [rec.id], decision: 'approve' });
  await call(core, 'proposals.transition', { id: p.id, to: 'tuning' });
  const given = await call(core, 'proposals.feedback', { proposalId: p.id, rater: R2, prompt: 'What is a lien?', answer: 'A tax.', rating: 'bad', correctedAnswer: 'A right to hold property until a debt is paid.' });
  const feedbackDatanet = (await call(core, 'proposals.get', { id: p.id })).proposal.feedbackDatanetId!;
  const records = (await call(core, 'datanets.listRecords', { datanetId: feedbackDatanet })).items;
  assert.deepEqual(records.map((r) => [r.id, r.contributor, r.content]), [
    [given.id, R2, { kind: 'instruction', instruction: 'What is a lien?', input: '', response: 'A right to hold property until a debt is paid.' }],
  ]);
});

test('the CLI creates a proposal, moves it and shows the timeline; a refused move exits 1 with the reason', (t) => {
  const ws = tempDir(t);
  const dn = JSON.parse(cli(['datanet', 'create', '--name', 'law', '--json', '--workspace', ws]).out) as { id: string };
  const created = cli(['proposal', 'create', '--title', 'Clause explainer', '--purpose', 'Explain clauses.', '--use-case', 'Small firms.', '--base-model', 'tiny',
    '--datanets', dn.id, '--min-records', '5', '--max-loss', '2', '--owner', OWNER, '--json', '--workspace', ws]);
  assert.equal(created.code, 0, created.err);
  const id = (JSON.parse(created.out) as { id: string }).id;
  assert.equal(cli(['proposal', 'reviewers', 'set', R1, '--workspace', ws]).code, 0);
  assert.equal(cli(['proposal', 'submit', id, '--workspace', ws]).code, 0);
  const refused = cli(['proposal', 'move', id, 'tuning', '--workspace', ws]);
  assert.equal(refused.code, 1);
  assert.match(refused.err + refused.out, /cannot move from submitted to tuning: from submitted a proposal can only move to in_review/);
  // Tuning is refused the same way, naming the move, and starts no run.
  const tune = cli(['proposal', 'tune', id, '--epochs', '1', '--workspace', ws]);
  assert.equal(tune.code, 1);
  assert.match(tune.err + tune.out, /cannot move from submitted to tuning: from submitted a proposal can only move to in_review/);
  assert.match(cli(['train', 'runs', '--json', '--workspace', ws]).out, /"items":\s*\[\s*\]/);
  const shown = cli(['proposal', 'show', id, '--workspace', ws]);
  assert.equal(shown.code, 0, shown.err);
  assert.match(shown.out, /Clause explainer \(prop_[0-9a-f]{16}\) — submitted/);
  assert.match(shown.out, /Data: 0 of 5 approved instruction records/);
  assert.match(shown.out, /— → draft[\s\S]*draft → submitted/);
});
