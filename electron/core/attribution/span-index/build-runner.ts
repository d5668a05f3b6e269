import { AppError } from '../../../shared/errors.js';
import { buildShard, type ShardPlan } from './build-shard.js';
import type { ShardEntry } from './format.js';
import type { SuffixArrayStage } from './suffix-array.js';

export type BuildPhase = 'suffix-array' | 'done';

export interface BuildShardsOptions {
  dir: string;
  plans: readonly ShardPlan[];
  totalPositions: number;
  workerPath?: string | undefined;
  onProgress?: (done: number, total: number, phase: BuildPhase) => void;
  signal?: AbortSignal;
}

/** Rough share of a shard's sorting time spent once each stage is over (measured on 10M tokens). */
export const STAGE_FRACTION: Record<SuffixArrayStage, number> = { 'lms-sorted': 0.4, 'reduced-solved': 0.75, done: 1 };

export async function buildShards(opts: BuildShardsOptions): Promise<ShardEntry[]> {
  const out: ShardEntry[] = [];
  let done = 0;
  for (const plan of opts.plans) {
    if (opts.signal?.aborted) throw new AppError('CANCELLED', 'The span index build was cancelled.');
    out.push(buildShard(opts.dir, plan, (stage) => opts.onProgress?.(done + Math.round(plan.tokenCount * STAGE_FRACTION[stage]), opts.totalPositions, 'suffix-array')));
    done += plan.tokenCount;
  }
  return out;
}
