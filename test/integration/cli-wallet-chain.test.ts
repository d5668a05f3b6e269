import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Job } from '../../electron/shared/jobs';
import type { WalletAccount } from '../../electron/shared/wallet';
import { openCore } from '../../electron/core/core';
import { REPO_ROOT, call, tempDir } from '../helpers/workspace';

const CLI = ['--import', 'tsx', join(REPO_ROOT, 'electron/core/bin/cli.ts')];

function cli(args: string[], input = '') {
  const r = spawnSync(process.execPath, [...CLI, ...args], { encoding: 'utf8', cwd: REPO_ROOT, input });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** `wallet create` as a person runs it: reads the phrase it prints, types back the words it asks for. */
function createWallet(ws: string, passwordFile: string): Promise<{ code: number | null; out: string; err: string; phrase: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI, 'wallet', 'create', '--password-file', passwordFile, '--json', '--workspace', ws], { cwd: REPO_ROOT });
    let err = '';
    let out = '';
    let phrase = '';
    let answered = 0;
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      phrase ||= /phrase[^\n]*\n\n\s+([a-z ]+)\n/.exec(err)?.[1]?.trim() ?? '';
      const asked = [...err.matchAll(/Word #(\d+): /g)].map((m) => Number(m[1]));
      for (; phrase && answered < asked.length; answered++) child.stdin.write(`${phrase.split(' ')[asked[answered]! - 1]}\n`);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err, phrase }));
  });
}

test('CLI: wallet create with its typed-back words, then a snapshot root published on the devnet only with a confirmation', async (t) => {
  const ws = tempDir(t);
  const passwordFile = join(ws, 'password.txt');
  writeFileSync(passwordFile, 'a long wallet password\n');

  const created = await createWallet(ws, passwordFile);
  assert.equal(created.code, 0, created.err);
  assert.equal(created.phrase.split(' ').length, 12, 'the phrase is shown once, on stderr');
  assert.ok(!created.out.includes(created.phrase), 'the phrase is not in the command output');
  const account = JSON.parse(created.out) as WalletAccount;
  const listed = cli(['wallet', 'list', '--json', '--workspace', ws]);
  assert.deepEqual((JSON.parse(listed.out) as { items: WalletAccount[] }).items.map((a) => a.address), [account.address]);

  // A snapshot to publish, made through the core.
  const core = openCore({ workspaceDir: ws, host: 'test' });
  const { id } = await call(core, 'datanets.create', { name: 'cli' });
  await call(core, 'datanets.addRecord', { datanetId: id, content: { kind: 'text', text: 'a record' } });
  await call(core, 'datanets.review', { datanetId: id, allPending: true, decision: 'approve' });
  const snapshot = await call(core, 'datanets.createSnapshot', { datanetId: id });
  await core.close();

  // No terminal to confirm on and no --yes: the wallet refuses to sign, nothing is published.
  const refused = cli(['chain', 'publish-snapshot', snapshot.id, '--account', account.address, '--password-file', passwordFile, '--workspace', ws]);
  assert.equal(refused.code, 1, refused.out + refused.err);
  assert.match(refused.err, /Signing request from chain\.publishSnapshot[\s\S]*DatanetRegistry[\s\S]*registerDatanet/);
  assert.match(refused.err, /no terminal to confirm on/);

  // Without the password the wallet stays locked and says so.
  const locked = cli(['chain', 'publish-snapshot', snapshot.id, '--account', account.address, '--yes', '--workspace', ws]);
  assert.equal(locked.code, 1);
  assert.match(locked.err, /locked/i);

  const published = cli(['chain', 'publish-snapshot', snapshot.id, '--account', account.address, '--yes', '--password-file', passwordFile, '--json', '--workspace', ws]);
  assert.equal(published.code, 0, published.err);
  const job = JSON.parse(published.out) as Job;
  assert.equal((job.result as { root: string }).root, snapshot.root);

  // The devnet's state outlives the process: the next command sees the publication on chain.
  const core2 = openCore({ workspaceDir: ws, host: 'test' });
  try {
    await call(core2, 'chain.startDevnet', {}).then((r) => core2.waitForJob(r.jobId));
    const activity = await call(core2, 'chain.activity', {});
    assert.deepEqual(activity.items.filter((a) => a.kind === 'snapshot').map((a) => a.subject), [snapshot.root]);
  } finally {
    // Before the workspace folder is removed: the devnet saves its state there when it stops.
    await core2.close();
  }
});
