import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ensureModel, TINY } from '../fixtures/models/generate.js';
import { nativeTrainer } from './helpers/native.js';

// The training runner is a child of a large process (the app, or a bench holding models). On Linux,
// getrusage's ru_maxrss carries the parent's high-water mark across fork + exec, so a peak read from
// it is at least the parent's size; the trainer's own peak must not be.
test("the trainer's measured peak memory is its own process's, not its parent's high-water mark", () => {
  nativeTrainer();  // built before the child loads it
  const path = ensureModel({ ...TINY, arch: 'llama', baseType: 'F32' });
  const ballast = Buffer.alloc(400 * 2 ** 20, 1);  // touched pages: the parent's RSS grows by 400 MiB
  const child = `
    import { loadAddon } from './electron/core/training/addon.ts';
    const baseline = process.memoryUsage().rss;
    const { addon, backendsDir } = loadAddon();
    const t = new addon.Trainer(${JSON.stringify(path)}, { threads: 1 }, backendsDir);
    const m = t.memory();
    t.free();
    console.log(JSON.stringify({ peakAbove: m.peakRssBytes - baseline, weights: m.weightsBytes }));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const { peakAbove, weights } = JSON.parse(r.stdout.trim().split('\n').pop()!) as { peakAbove: number; weights: number };
  console.log(`parent RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB; child's peak above its baseline ${(peakAbove / 2 ** 20).toFixed(1)} MiB (weights ${(weights / 2 ** 20).toFixed(1)} MiB)`);
  assert.ok(ballast[ballast.length - 1] === 1);
  assert.ok(peakAbove >= weights, `peak ${peakAbove} covers the weights ${weights}`);
  assert.ok(peakAbove < 200 * 2 ** 20, `child's peak above its baseline is ${(peakAbove / 2 ** 20).toFixed(0)} MiB: the parent's 400 MiB leaked into it`);
});
