import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../helpers/workspace';

/** The two settings read from electron-builder.yml (flat `key: true|false` lines; comments allowed). */
function builderConfig(): { asar: boolean; electronFuses: Record<string, boolean> } {
  const lines = readFileSync(join(REPO_ROOT, 'electron-builder.yml'), 'utf8').split('\n');
  const start = lines.indexOf('electronFuses:');
  assert.ok(start >= 0, 'electron-builder.yml has no electronFuses block');
  const electronFuses: Record<string, boolean> = {};
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break;
    const m = /^\s+(\w+):\s*(true|false)\s*$/.exec(line);
    if (m) electronFuses[m[1]!] = m[2] === 'true';
    else assert.match(line, /^\s*(#.*)?$/, `unexpected line in electronFuses: ${line}`);
  }
  return { asar: lines.includes('asar: true'), electronFuses };
}
const config = builderConfig();

test('packaging flips the fuses: no NODE_OPTIONS, no --inspect, the app only from its integrity-checked asar, no file:// privileges', () => {
  assert.equal(config.asar, true);
  assert.deepEqual(config.electronFuses, {
    runAsNode: true,
    enableCookieEncryption: true,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
    loadBrowserProcessSpecificV8Snapshot: false,
    grantFileProtocolExtraPrivileges: false,
  });
});

test('RunAsNode stays on only while the core forks Node children; when none is left, turn it off', () => {
  const forks = ['electron/core/training/train.ts', 'electron/core/training/influence.ts']
    .filter((f) => /\bfork\(/.test(readFileSync(join(REPO_ROOT, f), 'utf8')));
  assert.equal(config.electronFuses.runAsNode, forks.length > 0, `forked children: ${forks.join(', ') || 'none'}`);
});
