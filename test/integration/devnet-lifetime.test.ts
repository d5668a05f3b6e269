// anvil is a native program: it must still end when the process that started the devnet is killed
// with SIGKILL (issue 19, item 3). The parent is a real separate process running startDevnet.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { endsWithin, running } from '../fixtures/processes/tree.js';
import { REPO_ROOT, tempDir } from '../helpers/workspace';

test('kill -9 of the process that started the devnet: anvil ends within 5 s', async (t) => {
  const dir = tempDir(t);
  const parent = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/processes/start-devnet.ts', dir], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => parent.kill('SIGKILL'));
  const { anvilPid } = await new Promise<{ anvilPid: number }>((resolve, reject) => {
    let out = '';
    parent.stdout.on('data', (d: Buffer) => {
      out += String(d);
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!) as { anvilPid: number });
    });
    parent.once('exit', (code) => reject(new Error(`the devnet's parent exited (${code}) before anvil answered`)));
  });
  t.after(() => { try { process.kill(anvilPid, 'SIGKILL'); } catch { /* gone, as it should be */ } });
  assert.ok(running(anvilPid), 'anvil runs');
  process.kill(parent.pid!, 'SIGKILL');
  assert.ok(await endsWithin(anvilPid, 5000), `anvil (pid ${anvilPid}) still ran 5 s after the process that started it was killed`);
});
