import { TrainingSettings } from '../../shared/training';
import type { Services } from '../core';
import { baseModelOf, chosenSnapshotOf, dataSnapshotOf } from '../proposals/tuning';
import { autoApproveAllowed } from './chain-handlers';
import type { Handlers } from './router';

export function proposalHandlers(s: Services): Pick<Handlers, Extract<keyof Handlers, `proposals.${string}`>> {
  const p = s.proposals;
  return {
    'proposals.list': (i) => ({ items: p.list(i) }),
    'proposals.get': (i) => ({ proposal: p.get(i.id), timeline: p.timeline(i.id), votes: p.votes(i.id), reviewers: p.reviewers(), dataProgress: p.dataProgress(i.id) }),
    'proposals.create': (i) => p.create({ draft: i, actor: s.actor }),
    'proposals.submit': (i) => p.submit({ id: i.id, stake: { where: 'local' }, actor: s.actor }),
    'proposals.submitOnChain': (i) => ({ jobId: s.proposalChain.submit({ ...i, autoApprove: autoApproveAllowed(s, i.autoApprove) }).id }),
    'proposals.vote': (i) => ({ votes: p.vote(i) }),
    'proposals.voteOnChain': (i) => ({ jobId: s.proposalChain.vote({ ...i, autoApprove: autoApproveAllowed(s, i.autoApprove) }).id }),
    'proposals.syncChain': (i) => s.proposalChain.sync(i),
    'proposals.transition': (i) => p.transition({ ...i, actor: s.actor }),
    'proposals.attachTuning': (i) => {
      const adapter = s.training.getAdapter(i.adapterId);
      return p.attachTuning({ id: i.id, runId: adapter.runId, adapterId: adapter.id, heldOutLoss: adapter.metrics.finalEvalLoss, accuracy: i.accuracy ?? null, actor: s.actor });
    },
    'proposals.startTuning': (i) => {
      // Everything that can refuse is checked before the run starts: the move, the model, the data.
      const proposal = p.assertCanTune(i.proposalId);
      const model = i.modelId ? s.models.get(i.modelId) : baseModelOf(proposal, s.models.list());
      const { snapshot, taken } = i.snapshotId ? { snapshot: chosenSnapshotOf(proposal, i.snapshotId, s.snapshots), taken: false } : dataSnapshotOf(proposal, s.snapshots);
      if (taken) s.events.emit('datanets.changed', { datanetId: snapshot.datanetId, change: 'snapshots' });
      const run = s.training.start({ modelId: model.id, snapshotId: snapshot.id, settings: i.settings ?? TrainingSettings.parse({}) });
      const updated = p.tuningStarted({ id: proposal.id, runId: run.runId, snapshotId: snapshot.id, modelId: model.id, actor: s.actor, note: i.note });
      return { ...run, snapshotId: snapshot.id, proposal: updated };
    },
    'proposals.feedback': (i) => {
      const madeDatanet = p.get(i.proposalId).feedbackDatanetId === null;
      const record = p.feedback(i);
      // Open datanet lists and record tables follow, as they do for records added in Datanets.
      if (madeDatanet) s.events.emit('datanets.changed', { datanetId: record.datanetId, change: 'created' });
      s.events.emit('datanets.changed', { datanetId: record.datanetId, change: 'records' });
      return record;
    },
    'proposals.reviewers': () => ({ reviewers: p.reviewers() }),
    'proposals.setReviewers': (i) => ({ reviewers: p.setReviewers({ addresses: i.addresses, actor: s.actor }) }),
  };
}
