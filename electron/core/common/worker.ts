import { extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Under tsx, worker threads do not inherit its loader on Node 20 (tsx registers its hooks on the
 * main thread only), so a TypeScript worker is started through this bootstrap, which loads the
 * entry with tsx's own API.
 */
const TSX_BOOTSTRAP = `const { workerData } = require('node:worker_threads');
import(workerData.tsx.api).then(({ tsImport }) => tsImport(workerData.tsx.entry, workerData.tsx.entry));`;

/** How a worker started from TypeScript sources finds them (added to its workerData). */
export interface TsxWorkerData {
  tsx?: { api: string; entry: string };
}

/**
 * Starts a worker_threads entry: a bundled .cjs/.js file as is, a .ts source (tests, `npm run
 * serve`) through tsx. `workerData` must be an object; a TypeScript entry also finds `tsx` in it.
 */
export function startWorker(path: string, options: WorkerOptions & { workerData: object }): Worker {
  if (extname(path) !== '.ts') return new Worker(path, options);
  const tsx = { api: import.meta.resolve('tsx/esm/api'), entry: pathToFileURL(path).href };
  return new Worker(TSX_BOOTSTRAP, { ...options, eval: true, execArgv: [], workerData: { ...options.workerData, tsx } satisfies TsxWorkerData });
}
