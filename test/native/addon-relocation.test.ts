import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../helpers/workspace';

test("a moved or packaged native folder loads although build-info.json names the build machine's paths", async (t) => {
  // Build only: loading here would cache the addon from its original place.
  assert.equal(spawnSync(process.execPath, ['native/build.mjs'], { stdio: 'inherit' }).status, 0);
  const real = JSON.parse(readFileSync('native/build/build-info.json', 'utf8')) as { addon: string; backendsDir: string };
  // As in a package: the native folder sits in the app beside its node_modules, not where it was built.
  mkdirSync(join(REPO_ROOT, 'test-output'), { recursive: true });
  const moved = mkdtempSync(join(REPO_ROOT, 'test-output', 'moved-native-'));
  t.after(() => rmSync(moved, { recursive: true, force: true }));
  mkdirSync(join(moved, 'build', 'Release'), { recursive: true });
  copyFileSync(real.addon, join(moved, 'build', 'Release', 'datanet_trainer.node'));
  writeFileSync(
    join(moved, 'build', 'build-info.json'),
    JSON.stringify({ ...real, addon: '/elsewhere/native/build/Release/datanet_trainer.node', backendsDir: '/elsewhere/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64' }),
  );
  process.env.DATANET_NATIVE_DIR = moved;
  const { loadAddon } = await import('../../electron/core/training/addon.js');
  const { addon, backendsDir } = loadAddon();
  assert.equal(backendsDir, real.backendsDir, 'the backends are found in the installed node-llama-cpp package');
  assert.equal(typeof addon.TARGETS.q, 'number', 'the copied addon loaded');
});
