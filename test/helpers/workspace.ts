import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { callOrThrow, openCore, type Core } from '../../electron/core/core';

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
