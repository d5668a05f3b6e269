import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT, tempDir } from '../helpers/workspace';

/** Runs the real CLI in its own process, as a user or script would. */
function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'electron/core/bin/cli.ts'), ...args], {
    encoding: 'utf8',
    cwd: REPO_ROOT,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('npm run -s cli -- datanet create --name demo --json prints the datanet; list shows it after a restart', (t) => {
  const ws = tempDir(t);
  const created = spawnSync('npm', ['run', '-s', 'cli', '--', 'datanet', 'create', '--name', 'demo', '--json', '--workspace', ws], {
    encoding: 'utf8',
    cwd: REPO_ROOT,
  });
  assert.equal(created.status, 0, created.stderr);
  const d = JSON.parse(created.stdout) as { id: string; name: string; recordCount: number };
  assert.match(d.id, /^dn_[0-9a-f]{16}$/);
  assert.equal(d.name, 'demo');
  assert.equal(d.recordCount, 0);

  const listed = cli(['datanet', 'list', '--json', '--workspace', ws]);
  assert.equal(listed.code, 0);
  assert.deepEqual((JSON.parse(listed.out) as { items: unknown[] }).items, [d]);

  const human = cli(['datanet', 'list', '--workspace', ws]);
  assert.match(human.out, /demo/);
  assert.match(human.out, new RegExp(d.id));
});

test('records can be added and paged from the CLI', (t) => {
  const ws = tempDir(t);
  const d = JSON.parse(cli(['datanet', 'create', '--name', 'law', '--json', '--workspace', ws]).out) as { id: string };
  const added = cli([
    'datanet', 'add-record', d.id, '--instruction', 'What is consideration?', '--response', 'Something of value exchanged.',
    '--contributor', '0x1111111111111111111111111111111111111111', '--json', '--workspace', ws,
  ]);
  assert.equal(added.code, 0, added.err);
  assert.equal((JSON.parse(added.out) as { kind: string }).kind, 'instruction');
  assert.equal(cli(['datanet', 'add-record', d.id, '--text', 'Plain note', '--workspace', ws]).code, 0);
  const chat = JSON.stringify([{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }]);
  assert.equal(cli(['datanet', 'add-record', d.id, '--chat-json', chat, '--workspace', ws]).code, 0);
  const page = JSON.parse(cli(['datanet', 'records', d.id, '--limit', '2', '--offset', '1', '--json', '--workspace', ws]).out) as {
    total: number;
    items: { kind: string }[];
  };
  assert.equal(page.total, 3);
  assert.deepEqual(page.items.map((r) => r.kind), ['text', 'chat']);
});

test('failures give a non-zero exit code and a clear error, as JSON with --json', (t) => {
  const ws = tempDir(t);
  const bad = cli(['datanet', 'create', '--name', '   ', '--json', '--workspace', ws]);
  assert.equal(bad.code, 1);
  assert.deepEqual(JSON.parse(bad.out), { ok: false, error: { code: 'BAD_INPUT', message: 'datanets.create: name: must not be empty' } });

  const missing = cli(['datanet', 'show', 'dn_0123456789abcdef', '--workspace', ws]);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /NOT_FOUND.*No datanet with id dn_0123456789abcdef/);

  const usage = cli(['datanet', 'create', '--workspace', ws]);
  assert.equal(usage.code, 2);
  assert.match(usage.err, /--name is required/);
  assert.match(usage.err, /usage: datanet create --name/);

  const unknown = cli(['datanet', 'explode', '--json', '--workspace', ws]);
  assert.equal(unknown.code, 2);
  assert.equal((JSON.parse(unknown.out) as { ok: boolean }).ok, false);

  const unknownFlag = cli(['datanet', 'list', '--colour', '--workspace', ws]);
  assert.equal(unknownFlag.code, 2);
  assert.match(unknownFlag.err, /colour/);

  const del = cli(['datanet', 'delete', JSON.parse(cli(['datanet', 'create', '--name', 'keep', '--json', '--workspace', ws]).out).id, '--confirm', 'nope', '--workspace', ws]);
  assert.equal(del.code, 1);
  assert.match(del.err, /Nothing was deleted/);
});

test('audit verify runs as a job and exits 0 for an intact log', (t) => {
  const ws = tempDir(t);
  cli(['datanet', 'create', '--name', 'a', '--workspace', ws]);
  const r = cli(['audit', 'verify', '--json', '--workspace', ws]);
  assert.equal(r.code, 0, r.err);
  const job = JSON.parse(r.out) as { state: string; result: { ok: boolean; checked: number } };
  assert.equal(job.state, 'succeeded');
  assert.deepEqual([job.result.ok, job.result.checked], [true, 1]);
  const human = cli(['audit', 'verify', '--workspace', ws]);
  assert.match(human.out, /Audit log intact: 1 entries/);
});

test('--help lists every command', () => {
  const r = cli(['--help']);
  assert.equal(r.code, 0);
  for (const c of ['datanet create', 'datanet list', 'datanet rename', 'datanet delete', 'datanet add-record', 'datanet records', 'audit verify', 'jobs cancel']) {
    assert.match(r.out, new RegExp(c));
  }
});
