import type { LlamaModel } from 'node-llama-cpp';

/**
 * What the inference engine holds in memory, kept apart from engine.ts so that the status bar can
 * read it without loading the engine (which stays lazily imported, and reads its limits from the
 * environment when it loads).
 */
const ready = new Map<string, LlamaModel>();
let openContexts = 0;

interface LoadedLora {
  dispose(): Promise<void>;
}
/** node-llama-cpp's own map of the adapters a model has loaded (pinned version; no public API). */
export const loraMap = (model: LlamaModel) => (model as unknown as { _loraAdapters?: Map<string, LoadedLora> })._loraAdapters;

/** The adapter files loaded on a model now (for tests and status). */
export function loadedAdapters(model: LlamaModel): string[] {
  return [...(loraMap(model)?.keys() ?? [])];
}

export const modelReady = (path: string, model: LlamaModel) => void ready.set(path, model);
export const modelDropped = (path: string) => void ready.delete(path);
export const contextOpened = () => void openContexts++;
export const contextClosed = () => void openContexts--;

/** Each loaded base model with its size and the adapters attached, and the contexts open now. */
export function memoryStatus(): { models: { path: string; sizeBytes: number; adapters: string[] }[]; openContexts: number } {
  const models = [...ready.entries()].map(([path, model]) => ({ path, sizeBytes: model.size, adapters: loadedAdapters(model) }));
  return { models, openContexts };
}
