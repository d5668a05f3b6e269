/** Builds the native trainer if needed (fast when up to date) and loads it. */
import { spawnSync } from 'node:child_process';
import { loadAddon } from '../../../electron/core/training/addon.js';

let built = false;
export function nativeTrainer() {
  if (!built) {
    const r = spawnSync(process.execPath, ['native/build.mjs'], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('npm run build:native failed');
    built = true;
  }
  return loadAddon();
}

/** A row in which every position predicts the next token (plain language-model loss). */
export function lmRow(tokens: readonly number[]) {
  return {
    tokens: Int32Array.from(tokens),
    labels: Int32Array.from(tokens.map((_, i) => (i + 1 < tokens.length ? tokens[i + 1]! : -1))),
    segments: new Int32Array(tokens.length),
  };
}
