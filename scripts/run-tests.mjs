#!/usr/bin/env node
// Runs the test files of the named groups (folders under test/) with node's test runner
// through tsx, one group after another. No group named: all of them, in spine order.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ALL_GROUPS = ['unit', 'integration', 'native', 'ui'];
const groups = process.argv.slice(2).length ? process.argv.slice(2) : ALL_GROUPS;

function testFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'fixtures' ? [] : testFiles(p);
    return /\.test\.ts$/.test(name) ? [p] : [];
  });
}

const files = groups.flatMap((g) => testFiles(join('test', g))).map((f) => relative('.', f)).sort();
if (files.length === 0) {
  console.error(`No test files found in test/{${groups.join(',')}}.`);
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
process.exit(result.status ?? 1);
