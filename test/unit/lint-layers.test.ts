import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ESLint } from 'eslint';
import { REPO_ROOT } from '../helpers/workspace';

const eslint = new ESLint({ cwd: REPO_ROOT });

/** Lints source text as if it were the given file, returning the rules that fired. */
async function rulesFired(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m) => m.ruleId ?? `fatal: ${m.message}`);
}

test('electron/core may not import Electron', async () => {
  assert.deepEqual(await rulesFired('electron/core/probe.ts', "import { app } from 'electron';\nexport const a = app;\n"), [
    'no-restricted-imports',
  ]);
  assert.deepEqual(await rulesFired('electron/core/datanets/probe.ts', "export { ipcMain } from 'electron/main';\n"), ['no-restricted-imports']);
});

test('electron/core may not use the DOM, the UI or the native addon', async () => {
  assert.deepEqual(await rulesFired('electron/core/probe.ts', 'export const w = window.innerWidth;\n'), ['no-restricted-globals']);
  assert.deepEqual(await rulesFired('electron/core/probe.ts', "import { App } from '../../renderer/src/App';\nexport { App };\n"), [
    'no-restricted-imports',
  ]);
  assert.deepEqual(await rulesFired('electron/core/datanets/probe.ts', "import addon from '../../../native/build/Release/trainer.node';\nexport { addon };\n"), [
    'no-restricted-imports',
  ]);
});

test('renderer and preload reach core only through the contract', async () => {
  assert.deepEqual(
    await rulesFired('renderer/src/probe.ts', "import { openCore } from '../../electron/core/core';\nexport { openCore };\n"),
    ['no-restricted-imports'],
  );
  assert.deepEqual(await rulesFired('renderer/src/probe.ts', "import { readFileSync } from 'node:fs';\nexport { readFileSync };\n"), [
    'no-restricted-imports',
  ]);
  assert.deepEqual(await rulesFired('electron/preload/probe.ts', "import { openCore } from '../core/core';\nexport { openCore };\n"), [
    'no-restricted-imports',
  ]);
  assert.deepEqual(await rulesFired('electron/shared/probe.ts', "import { ethers } from 'ethers';\nexport { ethers };\n"), ['no-restricted-imports']);
});

test('the allowed imports of each layer lint clean (the rules are not over-broad)', async () => {
  assert.deepEqual(await rulesFired('electron/core/probe.ts', "import { z } from 'zod';\nimport { AppError } from '../shared/errors';\nexport { z, AppError };\n"), []);
  assert.deepEqual(await rulesFired('electron/main/probe.ts', "import { app } from 'electron';\nimport { openCore } from '../core/core';\nexport { app, openCore };\n"), []);
  assert.deepEqual(await rulesFired('electron/preload/probe.ts', "import { contextBridge } from 'electron';\nimport { IPC } from '../shared/transport';\nexport { contextBridge, IPC };\n"), []);
  assert.deepEqual(await rulesFired('renderer/src/probe.ts', "import { METHOD_NAMES } from '../../electron/shared/contract';\nexport { METHOD_NAMES };\n"), []);
});
