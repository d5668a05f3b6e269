/**
 * The long fuzz run: `npm run fuzz -- [--seconds 600] [--seed N]`. Every target gets an equal share of
 * the time; each crashing input is saved under test/fuzz/regressions/<target>/ (the bounded run in
 * `npm test` replays them all), and the counts are printed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openCore } from '../../electron/core/core';
import { rng } from './mutate';
import { coreTargets, fileTargets, fuzz, saveRegression } from './targets';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '600' }, seed: { type: 'string' } } });
const seed = values.seed ? Number(values.seed) : Date.now() % 2 ** 31;
const dir = mkdtempSync(join(tmpdir(), 'datanet-fuzz-'));
const core = openCore({ workspaceDir: join(dir, 'workspace'), host: 'test' });
const targets = [...fileTargets(join(dir, 'files')), ...coreTargets(core)];
const share = (Number(values.seconds) * 1000) / targets.length;
console.log(`fuzzing ${targets.length} targets for ${values.seconds} s, seed ${seed}`);
let crashes = 0;
const counts = [];
for (const t of targets) {
  const [c] = await fuzz({
    targets: [t], iterations: () => Number.MAX_SAFE_INTEGER, deadline: Date.now() + share, r: rng(seed),
    onCrash: (target, input, error) => {
      crashes++;
      console.log(`CRASH ${target.name}: ${error.message}\n  saved ${saveRegression(target.name, input)}`);
    },
  });
  counts.push(c!);
  console.log(`${c!.target}: ${c!.tried} inputs (${c!.accepted} accepted, ${c!.refused} refused, ${c!.skipped} valid and not sent), ${c!.crashes} crashes`);
}
await core.close();
rmSync(dir, { recursive: true, force: true });
console.log(`${counts.reduce((s, c) => s + c.tried, 0)} inputs, ${crashes} crashes`);
process.exit(crashes ? 1 : 0);
