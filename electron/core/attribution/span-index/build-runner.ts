import { existsSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { AppError } from '../../../shared/errors.js';
import { startWorker } from '../../common/worker.js';
import type { WorkerData, WorkerInput, WorkerMessage } from './build-protocol.js';
import type { ShardPlan } from './build-shard.js';
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
const STAGE_FRACTION: Record<SuffixArrayStage, number> = { 'lms-sorted': 0.4, 'reduced-solved': 0.75, done: 1 };

/**
 * Starts the worker script: workerPath or DATANET_SPAN_INDEX_WORKER when set (bundled hosts build
 * build-worker.ts as its own entry point), otherwise build-worker.ts/.js beside this file.
 */
function startBuildWorker(input: WorkerInput, override?: string): Worker {
  const path = override ?? process.env.DATANET_SPAN_INDEX_WORKER ?? besideThisModule();
  if (!existsSync(path)) throw new AppError('NOT_AVAILABLE', `The span index build worker ${path} is missing (bundled hosts set DATANET_SPAN_INDEX_WORKER).`);
  return startWorker(path, { stdout: false, stderr: false, workerData: { input } satisfies WorkerData });
}

/**
 * Sorts every shard in one worker thread, one shard at a time, so the host's event loop stays
 * free and memory holds one shard's work at most. Aborting `signal` terminates the worker; the
 * caller removes the staging folder.
 */
export function buildShards(opts: BuildShardsOptions): Promise<ShardEntry[]> {
  if (opts.signal?.aborted) return Promise.reject(cancelled());
  if (opts.plans.length === 0) return Promise.resolve([]);
  const worker = startBuildWorker({ dir: opts.dir, plans: [...opts.plans] }, opts.workerPath);
  const byIndex = new Map(opts.plans.map((p) => [p.index, p]));
  const entries: ShardEntry[] = [];
  let done = 0;
  return new Promise<ShardEntry[]>((resolve, reject) => {
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      f();
    };
    const onAbort = () => {
      settle(() => reject(cancelled()));
      void worker.terminate();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'stage') {
        const plan = byIndex.get(m.shard)!;
        if (m.stage !== 'done') opts.onProgress?.(done + Math.round(plan.tokenCount * STAGE_FRACTION[m.stage]), opts.totalPositions, 'suffix-array');
      } else if (m.type === 'shard') {
        entries.push(m.entry);
        done += m.entry.tokenCount;
        opts.onProgress?.(done, opts.totalPositions, 'suffix-array');
      } else if (m.type === 'finished') {
        settle(() => resolve(entries));
      } else {
        settle(() => reject(new AppError(m.code, m.message)));
      }
    });
    worker.on('error', (e) => settle(() => reject(new AppError('INTERNAL', `The span index build worker failed: ${e.message}`))));
    worker.on('exit', (code) => settle(() => reject(new AppError('INTERNAL', `The span index build worker exited (code ${code}) before finishing.`))));
  });
}

/** Only read when no path is given: in a CJS bundle import.meta.url is undefined. */
function besideThisModule(): string {
  const self = fileURLToPath(import.meta.url);
  return join(dirname(self), `build-worker${extname(self)}`);
}

const cancelled = () => new AppError('CANCELLED', 'The span index build was cancelled.');
