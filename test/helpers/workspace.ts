import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { callOrThrow, openCore, type Core } from '../../electron/core/core';
import type { IndexStatus } from '../../electron/shared/attribution';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A fresh workspace folder, removed when the test ends. */
export function tempDir(t: TestContext, prefix = 'dstudio-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A real core on a real SQLite file, closed when the test ends. */
export function testCore(t: TestContext, dir = tempDir(t)): Core {
  const core = openCore({ workspaceDir: dir, host: 'test' });
  t.after(() => core.close());
  return core;
}

/** A typed call that throws the error envelope it gets (for steps that must succeed). */
export const call = callOrThrow;

/** The result of a job the step needs to succeed; fails with the job's own error otherwise. */
export async function jobResult<T>(core: Core, started: Promise<{ jobId: string }> | { jobId: string }): Promise<T> {
  const job = await core.waitForJob((await started).jobId);
  assert.equal(job.state, 'succeeded', `${job.title}: ${job.error?.message}`);
  return job.result as T;
}

/** An adapter's span index once it is no longer being built (training starts the build in the background). */
export async function settledSpanIndex(core: Core, adapterId: string): Promise<IndexStatus> {
  for (;;) {
    const s = await call(core, 'attribution.getIndex', { adapterId });
    if (s.span.state !== 'building') return s;
    await new Promise((r) => setTimeout(r, 100));
  }
}
