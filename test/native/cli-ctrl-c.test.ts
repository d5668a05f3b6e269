// Ctrl-C at a terminal sends SIGINT to the whole foreground process group: the CLI and its
// training runner alike. It must act as the app's Cancel: checkpoint, then exit, and resume at the next step.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { openCore } from '../../electron/core/core.js';
import type { Job } from '../../electron/shared/jobs';
import type { TrainingRunInfo } from '../../electron/shared/training';
import { colorsSnapshot } from '../fixtures/datanets/colors';
import { ensureModel, TINY } from '../fixtures/models/generate.js';
import { REPO_ROOT, tempDir } from '../helpers/workspace';
import { nativeTrainer } from './helpers/native.js';

const CLI = ['--import', 'tsx', 'electron/core/bin/cli.ts'];

test('Ctrl-C during CLI train cancels it like the app does: the run is cancelled, and resume continues at the next step', async (t) => {
  nativeTrainer();
  const modelPath = ensureModel({ ...TINY, arch: 'llama', baseType: 'F32' });
  const dir = tempDir(t);
  const setup = openCore({ workspaceDir: dir, host: 'test' });
  const snapshot = await colorsSnapshot(setup);
  await setup.close();

  // No periodic checkpoint within the run (every 500 steps): none would exist at the Ctrl-C but the cancel's own.
  const settings = ['--epochs', '8', '--seq-len', '96', '--checkpoint-every', '500', '--seed', '7'];
  const cli = spawn(process.execPath, [...CLI, 'train', '--model', modelPath, '--snapshot', snapshot.id, ...settings, '--progress', 'json', '--workspace', dir], {
    cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
  });
  t.after(() => { try { process.kill(-cli.pid!, 'SIGKILL'); } catch { /* ended */ } });
  let err = '';
  let interrupted = false;
  cli.stderr.on('data', (d: Buffer) => {
    err += String(d);
    const steps = err.split('\n').filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as { unit: string; done: number }));
    if (!interrupted && steps.some((s) => s.unit === 'steps' && s.done >= 1)) {
      interrupted = true;
      process.kill(-cli.pid!, 'SIGINT'); // the whole group, as a terminal does
    }
  });
  const [code] = await once(cli, 'exit') as [number | null];
  assert.ok(interrupted, `training started: ${err}`);
  assert.equal(code, 130, `Ctrl-C exits 130 (interrupted), got ${code}: ${err.slice(-2000)}`);

  const runs = JSON.parse(spawnSync(process.execPath, [...CLI, 'train', 'runs', '--json', '--workspace', dir], { cwd: REPO_ROOT, encoding: 'utf8' }).stdout) as { items: TrainingRunInfo[] };
  const run = runs.items[0]!;
  assert.equal(run.state, 'cancelled', 'a cancel, not a crash');
  assert.ok(run.step >= 1 && run.step < run.totalSteps!, `cancelled at step ${run.step} of ${run.totalSteps}`);

  const resumed = spawnSync(process.execPath, [...CLI, 'train', 'resume', run.id, '--json', '--progress', 'json', '--workspace', dir], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.equal((JSON.parse(resumed.stdout) as Job).state, 'succeeded');
  const trained = resumed.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { unit: string; done: number }).filter((p) => p.unit === 'steps' && p.done > 0);
  assert.equal(trained[0]!.done, run.step + 1, `resume continues at the step after the Ctrl-C (${run.step}), not at the last periodic checkpoint`);
});
