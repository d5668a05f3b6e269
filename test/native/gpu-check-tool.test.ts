/**
 * native/tools/gpu-check builds against the same prebuilt ggml as the addon and runs the trainer's
 * C API without Node; on a GPU machine it compares GPU and CPU. Here, with --cpu-only, its "GPU" side
 * is a CPU trainer on the GPU path's graph (frozen weights copied to F32 before each out_prod), so
 * this keeps the program building and its checks honest where CI has no GPU.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nativeTrainer } from './helpers/native.js';

test('gpu-check (CPU-only): a QLoRA run on the GPU path\'s graph trains, and its checkpoint and adapter round-trip', () => {
  const { backendsDir } = nativeTrainer();
  const work = mkdtempSync(join(tmpdir(), 'datanet-gpu-check-'));
  const r = spawnSync('bash', ['native/tools/gpu-check.sh', 'native/build/llama.cpp/ggml/include', backendsDir, '--cpu-only', work, '--only', 'training-qwen2-q4_K'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr.slice(-2000));
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, number | string>);
  assert.equal(lines.length, 1, r.stdout);
  const t = lines[0]!;
  assert.equal(t.check, 'training');
  assert.equal(t.steps, 24);
  assert.ok((t.evalAfterGpu as number) < (t.evalBefore as number) * 0.5, JSON.stringify(t));
  // Both sides compute on this CPU: the GPU path's graph must give the CPU kernel's result exactly.
  assert.equal(t.evalAfterGpu, t.evalAfterCpu);
  assert.equal(t.checkpointMaxDiff, 0);
  assert.equal(t.adapterMaxDiff, 0);
});
