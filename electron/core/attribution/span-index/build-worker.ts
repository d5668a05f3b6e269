/**
 * The span index build worker (a worker_threads entry): sorts each planned shard's suffixes and
 * writes its file, reporting stages and finished shards to the parent. The parent ends it with
 * terminate() to cancel; the staging folder it wrote into is then removed by the parent.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isAppError } from '../../../shared/errors.js';
import { buildShard } from './build-shard.js';
import type { WorkerData, WorkerMessage } from './build-protocol.js';

const port = parentPort;
if (!port) throw new Error('build-worker.ts runs as a worker thread only.');
const send = (m: WorkerMessage) => port.postMessage(m);
const { input } = workerData as WorkerData;
try {
  for (const plan of input.plans) {
    const entry = buildShard(input.dir, plan, (stage) => send({ type: 'stage', shard: plan.index, stage }));
    send({ type: 'shard', entry });
  }
  send({ type: 'finished' });
} catch (e) {
  send({ type: 'failed', code: isAppError(e) ? e.code : 'INTERNAL', message: e instanceof Error ? e.message : String(e) });
}
