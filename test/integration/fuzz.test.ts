import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { rng } from '../fuzz/mutate';
import { coreTargets, fileTargets, fuzz, replayRegressions, type FuzzTarget } from '../fuzz/targets';
import { tempDir, testCore } from '../helpers/workspace';

// Inputs per target in the bounded run (seeded, so every run tries the same ones); `npm run fuzz` runs long.
const BOUNDED: Record<string, number> = { gguf: 400, jsonl: 300, csv: 300, markdown: 150, txt: 150, pdf: 60, docx: 60, keystore: 80, contract: 1500 };

test('bounded fuzz run: the GGUF reader, every importer, keystore import and every contract method\'s input never crash', async (t) => {
  const dir = tempDir(t);
  const core = testCore(t, join(dir, 'workspace'));
  const targets: FuzzTarget[] = [...fileTargets(join(dir, 'files')), ...coreTargets(core)];
  assert.deepEqual(targets.map((x) => x.name).sort(), Object.keys(BOUNDED).sort());

  const replayed = await replayRegressions(targets);
  assert.deepEqual(replayed, [], 'saved crash inputs crash again');

  const crashes: string[] = [];
  const counts = await fuzz({
    targets, iterations: (name) => BOUNDED[name]!, r: rng(20261204),
    onCrash: (target, input, error) => crashes.push(`${target.name}: ${error.message} (input ${input.toString('base64').slice(0, 200)})`),
  });
  for (const c of counts) console.log(`fuzz ${c.target}: ${c.tried} inputs, ${c.accepted} accepted, ${c.refused} refused, ${c.skipped} valid and not sent, ${c.crashes} crashes`);
  console.log(`fuzz: ${counts.reduce((s, c) => s + c.tried, 0)} inputs in all`);
  assert.deepEqual(crashes, []);
  for (const c of counts) {
    assert.equal(c.tried, BOUNDED[c.target]);
    // A target whose inputs are all refused, or all accepted, tests one path only.
    if (c.target !== 'contract' && c.target !== 'keystore') assert.ok(c.refused > 0 && c.accepted > 0, JSON.stringify(c));
  }
});
