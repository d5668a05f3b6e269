import { AppError } from '../../shared/errors';
import type { Snapshot } from '../../shared/curation';
import type { ModelInfo } from '../../shared/models';
import type { Proposal } from '../../shared/proposals';
import type { EvaluationResult } from '../../shared/inference';
import type { Adapter } from '../../shared/training';
import type { SnapshotStore } from '../datanets/snapshots';
import type { InferenceService } from '../inference/service';
import type { JobManager } from '../jobs/manager';
import type { ProposalStore } from './store';

/** The registered model a proposal's base model names (its id or its name, case aside). */
export function baseModelOf(p: Proposal, models: readonly ModelInfo[]): ModelInfo {
  const wanted = p.baseModel.trim().toLowerCase();
  const found = models.find((m) => m.id === p.baseModel.trim() || m.name.trim().toLowerCase() === wanted);
  if (!found) {
    throw new AppError(
      'NOT_FOUND',
      `modelId: no registered model is named "${p.baseModel}" (the base model of "${p.title}"): add it in Models under that name, or choose the model to tune.`,
    );
  }
  return found;
}

/** A snapshot chosen for a proposal's run: it must be of data gathered for it (a target datanet, or its feedback datanet). */
export function chosenSnapshotOf(p: Proposal, snapshotId: string, snapshots: SnapshotStore): Snapshot {
  const snapshot = snapshots.get(snapshotId);
  if (!p.targetDatanets.includes(snapshot.datanetId) && p.feedbackDatanetId !== snapshot.datanetId) {
    throw new AppError('BAD_INPUT', `snapshotId: ${snapshotId} is of datanet ${snapshot.datanetId}, which is neither a target datanet of "${p.title}" nor its feedback datanet.`);
  }
  return snapshot;
}

/**
 * What a proposal's tuning run trains on: its target datanet's latest snapshot when that still
 * holds exactly the approved records, else a snapshot taken now. A run trains on one snapshot, so
 * a proposal with several target datanets needs the snapshot named.
 */
export function dataSnapshotOf(p: Proposal, snapshots: SnapshotStore): { snapshot: Snapshot; taken: boolean } {
  if (p.targetDatanets.length !== 1) {
    throw new AppError('BAD_INPUT', `snapshotId: "${p.title}" gathers data in ${p.targetDatanets.length} datanets and a run trains on one snapshot: choose the snapshot to tune on.`);
  }
  const datanetId = p.targetDatanets[0]!;
  const latest = snapshots.list(datanetId)[0];
  if (latest && snapshots.isCurrent(latest.id)) return { snapshot: latest, taken: false };
  return { snapshot: snapshots.create(datanetId, `data for tuning "${p.title}"`), taken: true };
}

/**
 * Attaches a finished run's adapter to the proposal tuning with it. When the criteria set a minimum
 * accuracy it is measured first, as an inference.evaluate job like any other: the share of the
 * run's held-out instruction examples answered exactly (greedy decoding). Without that criterion
 * the adapter is attached at once, before the run's job reports its end.
 */
export async function attachTunedAdapter(d: { proposals: ProposalStore; inference: InferenceService; jobs: JobManager; actor: string }, a: Adapter): Promise<void> {
  const p = d.proposals.tuningWith(a.runId);
  if (!p) return;
  let accuracy: number | null = null;
  if (p.evaluationCriteria.minAccuracy !== undefined) {
    const job = await d.jobs.wait(d.inference.evaluate({ adapterId: a.id, adapterScale: 1, snapshotId: a.snapshotId, split: 'held-out', accuracy: true }).id);
    if (job.state === 'succeeded') accuracy = (job.result as EvaluationResult).exactMatch;
    // Attached without it ("not measured"); `proposal attach --accuracy` can give it later.
    else console.error(`[proposals] measuring the accuracy of adapter ${a.id} ${job.state}: ${job.error?.message ?? ''}`);
  }
  d.proposals.adapterRegistered({ runId: a.runId, adapterId: a.id, heldOutLoss: a.metrics.finalEvalLoss, accuracy, actor: d.actor });
}
