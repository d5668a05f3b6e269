#!/usr/bin/env node
// Runs every bench/*.bench.ts (or the ones named) one after another through tsx. Each bench prints
// its figures next to a baseline measured in the same run, and writes them to test-output/bench/.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const only = process.argv.slice(2);
const files = existsSync('bench')
  ? readdirSync('bench')
      .filter((f) => f.endsWith('.bench.ts'))
      .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
      .sort()
  : [];
if (files.length === 0) {
  console.error('No benchmarks found in bench/.');
  process.exit(1);
}
let failed = 0;
for (const f of files) {
  console.log(`\n=== ${f} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', join('bench', f)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
