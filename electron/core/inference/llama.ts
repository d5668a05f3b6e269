import type { Llama } from 'node-llama-cpp';

let shared: Promise<Llama> | undefined;

/**
 * The process's one node-llama-cpp instance (CPU; no builds at run time). Loaded on first use, so
 * hosts that never run a model never load node-llama-cpp.
 */
export function sharedLlama(): Promise<Llama> {
  shared ??= import('node-llama-cpp').then(({ getLlama, LlamaLogLevel }) => getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error }));
  return shared;
}
