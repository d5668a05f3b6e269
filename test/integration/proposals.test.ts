import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { AuditLog } from '../../electron/core/audit/log';
import { openDatabase } from '../../electron/core/db/open';
import { NearDupRegistry } from '../../electron/core/datanets/near-dup-registry';
import { reviewRecords } from '../../electron/core/datanets/review';
import { DatanetStore } from '../../electron/core/datanets/store';
import { ProposalStore } from '../../electron/core/proposals/store';
import { PROPOSAL_STATES, PROPOSAL_TRANSITIONS, type Proposal, type ProposalState } from '../../electron/shared/proposals';
import { AppError } from '../../electron/shared/errors';
import { tempDir } from '../helpers/workspace';

const OWNER = '0x1111111111111111111111111111111111111111';
const REVIEWERS = ['0xAaAaAaAaAaAaAaAaAaAaAaAaAaAaAaAaAaAaAaAa', '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB', '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC'];
const RATER = '0x2222222222222222222222222222222222222222';

/** Real SQLite, audit log and datanet store: the pieces a proposal is built on. */
function workspace(t: TestContext, reviewers: string[] = REVIEWERS) {
  const db = openDatabase(join(tempDir(t), 'studio.db'));
  t.after(() => db.close());
  const audit = new AuditLog(db);
  const datanets = new DatanetStore(db, audit, 'local', new NearDupRegistry(db));
  const proposals = new ProposalStore(db, audit, datanets);
  proposals.setReviewers({ addresses: reviewers, actor: 'local' });
  const law = datanets.create({ name: 'contracts', description: '' });
  const topics = ['warranty', 'indemnity', 'arbitration', 'termination', 'confidentiality', 'assignment'];
  let added = 0;
  // Words, not numbers, so no record looks like PII (which would block its approval).
  const addApproved = (n: number) => {
    const ids = Array.from({ length: n }, () => {
      const topic = topics[added++]!;
      return datanets.addRecord({ datanetId: law.id, content: { kind: 'instruction', instruction: `What does a ${topic} clause do?`, input: '', response: `It sets the ${topic} terms.` }, license: 'CC-BY-4.0' }).id;
    });
    reviewRecords(db, audit, 'local', { datanetId: law.id, recordIds: ids, decision: 'approve' });
  };
  const draft = (title = 'Contract clause explainer') =>
    proposals.create({
      actor: OWNER,
      draft: {
        title, purpose: 'Explain contract clauses in plain words.', useCase: 'Small firms reading supplier contracts.',
        baseModel: 'tiny-llama', targetDatanets: [law.id],
        dataRequirements: { kinds: ['instruction'], minApprovedRecords: 3 }, evaluationCriteria: { maxHeldOutLoss: 2.5 }, owner: OWNER,
      },
    });
  return { db, audit, datanets, proposals, law, addApproved, draft };
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof AppError, `expected an AppError, got ${String(e)}`);
    return `${e.code}: ${e.message}`;
  }
  assert.fail('expected a refusal');
}

test('a proposal walks every state locally; each move is on its timeline and in the audit log', (t) => {
  const w = workspace(t);
  let p = w.draft();
  const id = p.id;
  assert.equal(p.state, 'draft');
  assert.equal(w.proposals.submit({ id, stake: { where: 'local' }, actor: OWNER }).state, 'submitted');
  assert.equal(w.proposals.transition({ id, to: 'in_review', actor: OWNER }).state, 'in_review');
  w.proposals.vote({ id, reviewer: REVIEWERS[0]!.toLowerCase(), approve: true });
  assert.match(refusal(() => w.proposals.transition({ id, to: 'approved', actor: OWNER })), /CONFLICT: .*in_review to approved: approval needs 2 approving votes of 3 reviewers; it has 1/);
  w.proposals.vote({ id, reviewer: REVIEWERS[1]!, approve: true, comment: 'useful' });
  assert.equal(w.proposals.transition({ id, to: 'approved', actor: OWNER }).state, 'approved');
  assert.equal(w.proposals.transition({ id, to: 'gathering_data', actor: OWNER }).state, 'gathering_data');
  w.addApproved(2);
  assert.deepEqual(w.proposals.dataProgress(id), { kinds: ['instruction'], required: 3, approved: 2, perDatanet: [{ datanetId: w.law.id, approved: 2 }], met: false });
  assert.match(refusal(() => w.proposals.transition({ id, to: 'tuning', actor: OWNER })), /2 of 3 approved records/);
  w.addApproved(1);
  assert.equal(w.proposals.dataProgress(id).met, true);
  assert.equal(w.proposals.transition({ id, to: 'tuning', actor: OWNER }).state, 'tuning');
  p = w.proposals.attachTuning({ id, runId: 'run_0000000000000001', adapterId: 'ad_0000000000000001', heldOutLoss: 3.1, accuracy: null, actor: OWNER });
  assert.equal(p.evaluation?.meetsCriteria, false);
  assert.match(refusal(() => w.proposals.transition({ id, to: 'feedback', actor: OWNER })), /does not meet the evaluation criteria/);
  p = w.proposals.attachTuning({ id, runId: 'run_0000000000000002', adapterId: 'ad_0000000000000002', heldOutLoss: 2.1, accuracy: null, actor: OWNER });
  assert.deepEqual([p.adapterId, p.evaluation?.meetsCriteria], ['ad_0000000000000002', true]);
  assert.equal(w.proposals.transition({ id, to: 'feedback', actor: OWNER }).state, 'feedback');
  assert.equal(w.proposals.transition({ id, to: 'deployed', actor: OWNER }).state, 'deployed');
  assert.equal(w.proposals.transition({ id, to: 'retired', actor: OWNER, note: 'superseded' }).state, 'retired');
  const timeline = w.proposals.timeline(id);
  // Each attached adapter is an entry within tuning, with its evaluation; the moves are audited as transitions.
  assert.deepEqual(timeline.filter((e) => e.from === e.to).map((e) => [e.details.adapterId, e.details.meetsCriteria]),
    [['ad_0000000000000001', false], ['ad_0000000000000002', true]]);
  const moves = timeline.filter((e) => e.from !== e.to).map((e) => `${e.from ?? '-'}>${e.to}`);
  assert.deepEqual(moves, ['->draft', 'draft>submitted', 'submitted>in_review', 'in_review>approved', 'approved>gathering_data',
    'gathering_data>tuning', 'tuning>feedback', 'feedback>deployed', 'deployed>retired']);
  const audited = w.audit.list(0, 500).filter((e) => e.subject === id && e.action === 'proposal.transition').map((e) => `${String(e.details.from)}>${String(e.details.to)}`);
  assert.deepEqual(audited.reverse(), moves.slice(1));
  assert.deepEqual(w.audit.verify().ok, true);
});

test('a review with a majority against rejects the proposal, and rejected is final', (t) => {
  const w = workspace(t);
  const { id } = w.draft();
  w.proposals.submit({ id, stake: { where: 'local' }, actor: OWNER });
  w.proposals.transition({ id, to: 'in_review', actor: OWNER });
  assert.match(refusal(() => w.proposals.vote({ id, reviewer: OWNER, approve: true })), /UNAUTHORIZED: reviewer: 0x1111.* is not one of the workspace's configured reviewers/);
  w.proposals.vote({ id, reviewer: REVIEWERS[0]!, approve: true });
  w.proposals.vote({ id, reviewer: REVIEWERS[0]!, approve: false, comment: 'changed my mind' });
  w.proposals.vote({ id, reviewer: REVIEWERS[2]!, approve: false, comment: 'spam' });
  assert.deepEqual(w.proposals.votes(id).map((v) => v.approve), [false, false]);
  assert.match(refusal(() => w.proposals.transition({ id, to: 'approved', actor: OWNER })), /it has 0/);
  assert.equal(w.proposals.transition({ id, to: 'rejected', actor: OWNER }).state, 'rejected');
  for (const to of PROPOSAL_STATES) {
    if (to === 'submitted') continue;
    assert.match(refusal(() => w.proposals.transition({ id, to, actor: OWNER })), /cannot move from rejected to .*: rejected is final/);
  }
});

/** Brings a fresh proposal to `state` by the legal path, so every refused move can be tried from every state. */
function proposalIn(w: ReturnType<typeof workspace>, state: ProposalState, title: string): Proposal {
  const path: ProposalState[] = ['draft', 'submitted', 'in_review', 'approved', 'gathering_data', 'tuning', 'feedback', 'deployed', 'retired'];
  let p = w.draft(title);
  const target = state === 'rejected' ? 'in_review' : state;
  for (const to of path.slice(1, path.indexOf(target) + 1)) {
    if (to === 'submitted') p = w.proposals.submit({ id: p.id, stake: { where: 'local' }, actor: OWNER });
    else {
      if (to === 'approved') for (const r of REVIEWERS) w.proposals.vote({ id: p.id, reviewer: r, approve: true });
      if (to === 'feedback') w.proposals.attachTuning({ id: p.id, runId: 'run_0000000000000001', adapterId: 'ad_0000000000000001', heldOutLoss: 1, accuracy: null, actor: OWNER });
      p = w.proposals.transition({ id: p.id, to, actor: OWNER });
    }
  }
  if (state === 'rejected') {
    for (const r of REVIEWERS) w.proposals.vote({ id: p.id, reviewer: r, approve: false });
    p = w.proposals.transition({ id: p.id, to: 'rejected', actor: OWNER });
  }
  assert.equal(p.state, state);
  return p;
}

test('every move outside the transition table is refused from every state, naming from, to and why; nothing changes', (t) => {
  const w = workspace(t);
  w.addApproved(3);
  let refused = 0;
  for (const from of PROPOSAL_STATES) {
    const p = proposalIn(w, from, `Proposal from ${from}`);
    const before = w.proposals.timeline(p.id).length;
    for (const to of PROPOSAL_STATES.filter((s) => !PROPOSAL_TRANSITIONS[from].includes(s))) {
      const message = to === 'submitted'
        ? refusal(() => w.proposals.submit({ id: p.id, stake: { where: 'local' }, actor: OWNER }))
        : refusal(() => w.proposals.transition({ id: p.id, to, actor: OWNER }));
      assert.match(message, new RegExp(`^CONFLICT: Proposal "Proposal from ${from}" cannot move from ${from} to ${to}: `));
      refused++;
    }
    assert.equal(w.proposals.get(p.id).state, from);
    assert.equal(w.proposals.timeline(p.id).length, before);
  }
  const legal = PROPOSAL_STATES.reduce((s, f) => s + PROPOSAL_TRANSITIONS[f].length, 0);
  assert.equal(refused, PROPOSAL_STATES.length ** 2 - legal);
});

test('guards: submitting needs a stake and review needs reviewers', (t) => {
  const w = workspace(t, []);
  const { id } = w.draft();
  assert.match(refusal(() => w.proposals.transition({ id, to: 'submitted', actor: OWNER })), /BAD_INPUT: to: use submit/);
  w.proposals.submit({ id, stake: { where: 'local' }, actor: OWNER });
  assert.match(refusal(() => w.proposals.transition({ id, to: 'in_review', actor: OWNER })), /submitted to in_review: the workspace has no reviewers configured/);
  assert.match(refusal(() => w.draft()), /CONFLICT: title: a proposal named "Contract clause explainer" already exists/);
  assert.match(
    refusal(() => w.proposals.create({ actor: OWNER, draft: { ...w.proposals.get(id), title: 'Other', dataRequirements: { kinds: ['instruction'], minApprovedRecords: 0 } } as never })),
    /BAD_INPUT: dataRequirements.minApprovedRecords: /,
  );
});

test('a rating becomes a record in the proposal\'s feedback datanet with the rater as contributor', (t) => {
  const w = workspace(t);
  w.addApproved(3);
  const p = proposalIn(w, 'deployed', 'Clause explainer');
  assert.equal(p.feedbackDatanetId, null);
  const good = w.proposals.feedback({ proposalId: p.id, rater: RATER, prompt: 'What is force majeure?', answer: 'An unforeseeable event excusing performance.', rating: 'good' });
  const bad = w.proposals.feedback({ proposalId: p.id, rater: RATER, prompt: 'What is an indemnity?', answer: 'A kind of tax.', rating: 'bad', correctedAnswer: 'A promise to cover another party\'s losses.' });
  assert.match(refusal(() => w.proposals.feedback({ proposalId: p.id, rater: RATER, prompt: 'Q?', answer: 'A.', rating: 'bad' })), /BAD_INPUT: correctedAnswer: a bad rating needs/);
  const datanetId = w.proposals.get(p.id).feedbackDatanetId;
  assert.ok(datanetId);
  assert.equal(w.datanets.get(datanetId).name, 'Clause explainer — feedback');
  const records = w.datanets.listRecords({ datanetId, offset: 0, limit: 10 }).items;
  assert.deepEqual(records.map((r) => [r.id, r.contributor, r.content.kind === 'instruction' ? r.content.response : '']).sort(), [
    [good.id, RATER, 'An unforeseeable event excusing performance.'],
    [bad.id, RATER, 'A promise to cover another party\'s losses.'],
  ].sort());
  const draftOnly = w.draft('Not yet');
  assert.match(refusal(() => w.proposals.feedback({ proposalId: draftOnly.id, rater: RATER, prompt: 'Q?', answer: 'A.', rating: 'good' })), /CONFLICT: .* is draft: feedback is taken/);
});
