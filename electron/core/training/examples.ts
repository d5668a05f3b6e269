import type { SnapshotStore } from '../datanets/snapshots';
import type { TrainingExample } from './dataset.js';

/** A snapshot's frozen records as training examples, in snapshot order: what training and evaluation read. */
export function snapshotExamples(snapshots: SnapshotStore, snapshotId: string): TrainingExample[] {
  return snapshots.records(snapshotId).map((r): TrainingExample => {
    const c = r.content;
    if (c.kind === 'instruction') return { kind: 'instruction', instruction: c.instruction, input: c.input || undefined, response: c.response };
    return c;
  });
}
