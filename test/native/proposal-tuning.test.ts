import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Core } from '../../electron/core/core';
import type { EvaluationResult } from '../../electron/shared/inference';
import type { ModelInfo } from '../../electron/shared/models';
import type { Adapter } from '../../electron/shared/training';
import { ensureModel, TINY } from '../fixtures/models/generate.js';
import { colorsSnapshot } from '../fixtures/datanets/colors';
import { call, jobResult, testCore } from '../helpers/workspace';
import { nativeTrainer } from './helpers/native.js';

const OWNER = '0x1111111111111111111111111111111111111111';
const REVIEWER = '0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const SETTINGS = { rank: 4, alpha: 8, learningRate: 5e-3, warmupSteps: 1, epochs: 2, seqLen: 64, seed: 7, evalFraction: 0.2, influenceCheckpoints: 0 };

/** A proposal walked to gathering_data by the configured reviewer. */
async function gathering(core: Core, title: string, baseModel: string, datanetId: string, evaluationCriteria: { maxHeldOutLoss?: number; minAccuracy?: number } = { maxHeldOutLoss: 50 }) {
  const p = await call(core, 'proposals.create', {
    title, purpose: 'Name the color of things.', useCase: 'A coloring book.', baseModel, targetDatanets: [datanetId],
    dataRequirements: { kinds: ['instruction'], minApprovedRecords: 10 }, evaluationCriteria, owner: OWNER,
  });
  await call(core, 'proposals.submit', { id: p.id });
  await call(core, 'proposals.transition', { id: p.id, to: 'in_review' });
  await call(core, 'proposals.vote', { id: p.id, reviewer: REVIEWER, approve: true });
  await call(core, 'proposals.transition', { id: p.id, to: 'approved' });
  return call(core, 'proposals.transition', { id: p.id, to: 'gathering_data' });
}

test('tuning started from a proposal trains on its base model and fresh data, moves it to tuning and attaches the adapter with its evaluation', async (t) => {
  nativeTrainer();
  const core = testCore(t);
  const model = await jobResult<ModelInfo>(core, call(core, 'models.import', { path: ensureModel({ ...TINY, arch: 'llama', baseType: 'F32' }), storage: 'reference', name: 'Tiny llama' }));
  const first = await colorsSnapshot(core);
  await call(core, 'proposals.setReviewers', { addresses: [REVIEWER] });

  // Refusals name why and start nothing: a draft cannot tune, nor can a proposal whose base model is not registered.
  const draft = await call(core, 'proposals.create', {
    title: 'Draft only', purpose: 'x', useCase: 'y', baseModel: 'Tiny llama', targetDatanets: [first.datanetId],
    dataRequirements: { kinds: ['instruction'], minApprovedRecords: 1 }, evaluationCriteria: { maxHeldOutLoss: 50 }, owner: OWNER,
  });
  const notYet = await core.call('proposals.startTuning', { proposalId: draft.id });
  assert.ok(!notYet.ok);
  assert.match(`${notYet.error.code}: ${notYet.error.message}`, /CONFLICT: .*cannot move from draft to tuning: from draft a proposal can only move to submitted/);
  const unknown = await gathering(core, 'Big colors', 'Mistral 7B', first.datanetId);
  const noModel = await core.call('proposals.startTuning', { proposalId: unknown.id, settings: SETTINGS });
  assert.ok(!noModel.ok);
  assert.match(`${noModel.error.code}: ${noModel.error.message}`, /NOT_FOUND: modelId: no registered model is named "Mistral 7B"/);
  const { id: elsewhere } = await call(core, 'datanets.create', { name: 'elsewhere' });
  await call(core, 'datanets.addRecord', { datanetId: elsewhere, content: { kind: 'instruction', instruction: 'what is two and two?', response: 'four.' } });
  await call(core, 'datanets.review', { datanetId: elsewhere, allPending: true, decision: 'approve' });
  const unrelated = await call(core, 'datanets.createSnapshot', { datanetId: elsewhere });
  const wrongData = await core.call('proposals.startTuning', { proposalId: unknown.id, modelId: model.id, snapshotId: unrelated.id, settings: SETTINGS });
  assert.ok(!wrongData.ok);
  assert.match(`${wrongData.error.code}: ${wrongData.error.message}`, /BAD_INPUT: snapshotId: snap_\w+ is of datanet dn_\w+, which is neither a target datanet of "Big colors" nor its feedback datanet/);
  assert.equal((await call(core, 'proposals.get', { id: unknown.id })).proposal.state, 'gathering_data');
  assert.deepEqual((await call(core, 'training.listRuns', {})).items, []);

  // One more approved record since the last snapshot: tuning takes a new snapshot holding it.
  await call(core, 'datanets.addRecord', { datanetId: first.datanetId, content: { kind: 'instruction', instruction: 'what is the color of the sky?', response: 'the color of the sky is blue.' } });
  await call(core, 'datanets.review', { datanetId: first.datanetId, allPending: true, decision: 'approve' });
  const p = await gathering(core, 'Colors', 'tiny LLAMA', first.datanetId);
  const started = await call(core, 'proposals.startTuning', { proposalId: p.id, settings: SETTINGS });
  assert.equal(started.proposal.state, 'tuning');
  assert.equal(started.proposal.runId, started.runId);
  assert.notEqual(started.snapshotId, first.id);
  const snapshots = (await call(core, 'datanets.listSnapshots', { datanetId: first.datanetId })).items;
  assert.deepEqual(snapshots.map((s) => [s.id, s.recordCount]), [[started.snapshotId, first.recordCount + 1], [first.id, first.recordCount]]);

  const { adapter } = await jobResult<{ adapter: Adapter }>(core, started);
  assert.equal(adapter.runId, started.runId);
  assert.equal(adapter.snapshotId, started.snapshotId);
  assert.equal(adapter.baseModelSha256, model.sha256);
  assert.ok(adapter.metrics.finalEvalLoss !== null && adapter.metrics.finalEvalLoss < 50);

  // The run's adapter and its evaluation against the criteria are on the proposal and its timeline.
  const d = await call(core, 'proposals.get', { id: p.id });
  assert.equal(d.proposal.state, 'tuning');
  assert.deepEqual([d.proposal.runId, d.proposal.adapterId], [started.runId, adapter.id]);
  assert.deepEqual(d.proposal.evaluation, { heldOutLoss: adapter.metrics.finalEvalLoss, accuracy: null, meetsCriteria: true });
  const [move, attached] = d.timeline.slice(-2);
  assert.deepEqual([move!.from, move!.to, move!.details], ['gathering_data', 'tuning', { runId: started.runId, snapshotId: started.snapshotId, modelId: model.id }]);
  assert.deepEqual([attached!.from, attached!.to, attached!.details.adapterId, attached!.details.meetsCriteria], ['tuning', 'tuning', adapter.id, true]);
  assert.match(attached!.note, new RegExp(`adapter ${adapter.id} attached: held-out loss ${adapter.metrics.finalEvalLoss.toFixed(3)} \\(target ≤ 50\\), meets the criteria`));
  assert.equal((await call(core, 'proposals.transition', { id: p.id, to: 'feedback' })).state, 'feedback');

  // The other proposal, with its base model chosen by id now, reuses the snapshot that is still current.
  const second = await call(core, 'proposals.startTuning', { proposalId: unknown.id, modelId: model.id, settings: { ...SETTINGS, epochs: 1 } });
  assert.equal(second.snapshotId, started.snapshotId);
  await jobResult(core, second);
  assert.equal((await call(core, 'proposals.get', { id: unknown.id })).proposal.evaluation?.meetsCriteria, true);

  // A minimum accuracy: measured on the run's held-out instruction examples before the adapter is attached.
  const strict = await gathering(core, 'Exact colors', 'Tiny llama', first.datanetId, { maxHeldOutLoss: 50, minAccuracy: 1 });
  const third = await call(core, 'proposals.startTuning', { proposalId: strict.id, settings: SETTINGS });
  const tuned = (await jobResult<{ adapter: Adapter }>(core, third)).adapter;
  let attachedStrict = (await call(core, 'proposals.get', { id: strict.id })).proposal;
  for (let i = 0; attachedStrict.adapterId === null && i < 600; i++) {
    await new Promise((r) => setTimeout(r, 100));
    attachedStrict = (await call(core, 'proposals.get', { id: strict.id })).proposal;
  }
  const evaluations = (await call(core, 'jobs.list', {})).items.filter((j) => j.kind === 'inference.evaluate');
  assert.equal(evaluations.length, 1, 'one evaluation, for the proposal with an accuracy criterion');
  const measured = evaluations[0]!.result as EvaluationResult;
  assert.deepEqual([measured.adapterId, measured.split, measured.snapshotId], [tuned.id, 'held-out', third.snapshotId]);
  assert.ok(measured.instructionExamples > 0 && measured.exactMatch !== null);
  // The same measurement made independently agrees (greedy decoding is deterministic).
  const again = await jobResult<EvaluationResult>(core, call(core, 'inference.evaluate', { adapterId: tuned.id, snapshotId: third.snapshotId, split: 'held-out' }));
  assert.equal(again.exactMatch, measured.exactMatch);
  assert.deepEqual(attachedStrict.evaluation, { heldOutLoss: tuned.metrics.finalEvalLoss, accuracy: measured.exactMatch, meetsCriteria: measured.exactMatch === 1 });
  const note = (await call(core, 'proposals.get', { id: strict.id })).timeline.at(-1)!.note;
  assert.match(note, new RegExp(`accuracy ${measured.exactMatch.toFixed(3)} \\(target ≥ 1\\), ${measured.exactMatch === 1 ? 'meets' : 'does not meet'} the criteria`));
  if (measured.exactMatch < 1) {
    const refused = await core.call('proposals.transition', { id: strict.id, to: 'feedback' });
    assert.ok(!refused.ok, 'an adapter below the accuracy target does not move the proposal on');
  }
  console.log(`proposal accuracy: exact match ${measured.exactMatch} on ${measured.instructionExamples} held-out instruction examples`);
});
