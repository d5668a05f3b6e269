import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT, tempDir } from '../helpers/workspace';

/** The real CLI in its own process with pipes for stdio: no terminal, as a cron job or script runs it. */
function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'electron/core/bin/cli.ts'), ...args], {
    encoding: 'utf8',
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('an unknown command exits 2 with "unknown command", with or without --help', () => {
  for (const args of [['ask', '--help'], ['ask'], ['datanet', 'frobnicate', '--help'], ['nosuch', '-h', '--json']]) {
    const r = cli(args);
    assert.equal(r.code, 2, `${args.join(' ')} exited ${r.code}: ${r.out}${r.err}`);
    assert.match(r.out + r.err, /unknown command/, args.join(' '));
    assert.doesNotMatch(r.out, /^Datanet Studio CLI/, 'the general help is not printed as if the command existed');
  }
  assert.equal(cli(['--help']).code, 0, 'plain --help still lists the commands');
  assert.equal(cli(['datanet', 'create', '--help']).code, 0, 'a known command\'s help still exits 0');
});

function importFixture(t: Parameters<typeof tempDir>[0]) {
  const ws = tempDir(t);
  const d = JSON.parse(cli(['datanet', 'create', '--name', 'nightly', '--json', '--workspace', ws]).out) as { id: string };
  const file = join(ws, 'rows.jsonl');
  const rows = Array.from({ length: 300 }, (_, i) => JSON.stringify({ instruction: `Question number ${i} about dosing?`, response: `Answer ${i}: take ${i % 7 + 1} tablets.` }));
  writeFileSync(file, rows.join('\n') + '\n');
  return { ws, datanetId: d.id, file };
}

test('a job run without a terminal prints line-based progress on stderr, ending with the final count', (t) => {
  const { ws, datanetId, file } = importFixture(t);
  const r = cli(['datanet', 'import', datanetId, file, '--workspace', ws]);
  assert.equal(r.code, 0, r.err);
  assert.ok(!r.err.includes('\r') && !r.err.includes('\u001b['), 'no carriage returns or terminal escapes in a log file');
  const lines = r.err.split('\n').filter((l) => /^Import .*: \[[#-]+\] +\d+% \d+\/\d+ bytes/.test(l));
  assert.ok(lines.length >= 1, `progress lines on stderr:\n${r.err}`);
  assert.match(lines.at(-1)!, / 100% (\d+)\/\1 bytes/, 'the last progress line shows the job complete');
  assert.match(r.out, /Imported 300 of 300 rows/);
});

test('--progress json prints one JSON object per progress line beside --json output on stdout', (t) => {
  const { ws, datanetId, file } = importFixture(t);
  const r = cli(['datanet', 'import', datanetId, file, '--json', '--progress', 'json', '--workspace', ws]);
  assert.equal(r.code, 0, r.err);
  const events = r.err.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { jobId: string; state: string; done: number; total: number | null; unit: string });
  assert.ok(events.length >= 1, r.err);
  const job = JSON.parse(r.out) as { id: string; state: string };
  assert.equal(job.state, 'succeeded');
  for (const e of events) assert.equal(e.jobId, job.id);
  const last = events.at(-1)!;
  assert.deepEqual([last.state, last.unit, last.done], ['succeeded', 'bytes', last.total], 'the last line is the finished job');
  assert.equal(cli(['datanet', 'list', '--progress', 'bogus', '--workspace', ws]).code, 2, 'an unknown progress style is a usage error');
});

test('an id of the wrong kind is refused at once, naming the kind that was meant', (t) => {
  const ws = tempDir(t);
  const r = cli(['train', '--model', 'job_0123456789abcdef', '--snapshot', 'snap_0123456789abcdef', '--workspace', ws]);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /--model takes a model id \(mdl_…\) or a \.gguf file path; job_0123456789abcdef is a job id/);
  assert.doesNotMatch(r.err, /Cannot open GGUF/);
  const ask = cli(['chat', '--model', 'snap_0123456789abcdef', '--prompt', 'hi', '--workspace', ws]);
  assert.match(ask.err, /snap_0123456789abcdef is a snapshot id/);
});

test('--help groups the commands by area in spine order, one line each', () => {
  const r = cli(['--help']);
  assert.equal(r.code, 0);
  const headings = ['Datanets:', 'Models:', 'Training:', 'Serving:', 'Attribution:', 'Chain, wallet and rewards:', 'Proposals:', 'Admin:'];
  const at = headings.map((h) => r.out.split('\n').indexOf(h));
  assert.ok(at.every((i) => i >= 0), `every area heading is present:\n${r.out}`);
  assert.deepEqual([...at].sort((a, b) => a - b), at, 'areas follow the spine');
  const lines = r.out.split('\n');
  const section = (h: string) => lines.slice(lines.indexOf(h) + 1, lines.indexOf('', lines.indexOf(h)));
  assert.ok(section('Datanets:').some((l) => /^ {2}datanet import +Import /.test(l)));
  assert.ok(section('Training:').some((l) => /^ {2}train resume +/.test(l)));
  assert.ok(section('Admin:').some((l) => /^ {2}backup create +/.test(l)));
  assert.equal(lines.filter((l) => /^ {2}datanet import /.test(l)).length, 1, 'each command once');
});

test('global options before the command, in either form (--progress=json or --progress json), still find the command', (t) => {
  const ws = tempDir(t);
  const passphrase = join(ws, 'unused-passphrase');
  writeFileSync(passphrase, 'unused\n');
  // Each a real process (seconds each on a loaded machine): the forms that failed ('unknown command') and one that worked.
  for (const before of [['--progress=none'], ['--passphrase-file', passphrase], ['--progress', 'none']]) {
    const args = [...before, 'datanet', 'list', '--workspace', ws];
    const r = cli(args);
    assert.doesNotMatch(r.err, /unknown command/, args.join(' '));
    assert.equal(r.code, 0, `${args.join(' ')} exited ${r.code}: ${r.out}${r.err}`);
  }
});
