export { startTraining, prepareRows, sha256File, heldOutSplit, TrainingOptions, TARGET_BITS } from './train.js';
export type { TrainingOptionsInput, TrainingProgress, TrainingResult, TrainingRun, TrainingDeps, LoraTarget } from './train.js';
export { TrainingExample, tokenizeExample, packRows } from './dataset.js';
export type { PackedRow, TokenizedExample } from './dataset.js';
export { readAdapterInfo } from './adapter-info.js';
export type { AdapterInfo } from './adapter-info.js';
