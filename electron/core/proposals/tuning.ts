import { AppError } from '../../shared/errors';
import type { Snapshot } from '../../shared/curation';
import type { ModelInfo } from '../../shared/models';
import type { Proposal } from '../../shared/proposals';
import type { SnapshotStore } from '../datanets/snapshots';

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
