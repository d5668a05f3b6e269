import type { ErrorCode } from '../../../shared/errors.js';
import type { TsxWorkerData } from '../../common/worker.js';
import type { ShardPlan } from './build-shard.js';
import type { ShardEntry } from './format.js';
import type { SuffixArrayStage } from './suffix-array.js';

/** What the parent hands the build worker. */
export interface WorkerInput {
  dir: string;
  plans: ShardPlan[];
}

/** The worker's workerData: its input, and when running from TypeScript sources, how to load them. */
export interface WorkerData extends TsxWorkerData {
  input: WorkerInput;
}

export type WorkerMessage =
  | { type: 'stage'; shard: number; stage: SuffixArrayStage }
  | { type: 'shard'; entry: ShardEntry }
  | { type: 'finished' }
  | { type: 'failed'; code: ErrorCode; message: string };
