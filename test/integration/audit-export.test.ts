import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../../electron/core/cli/run';
import type { AuditExport, AuditVerification } from '../../electron/shared/audit';
import { call, jobResult, tempDir, testCore } from '../helpers/workspace';

const cli = async (args: string[]) => {
  const out: string[] = [];
  const code = await runCli([...args, '--json'], { out: (s) => out.push(s), err: () => {}, isTty: false });
  return { code, value: JSON.parse(out.join('\n')) as AuditVerification };
};

test('the audit log exports to a file a compliance officer can check alone; an edited or missing entry is named', async (t) => {
  const dir = tempDir(t);
  const core = testCore(t, join(dir, 'workspace'));
  for (const name of ['Cardiology', 'Oncology', 'Contracts']) {
    const d = await call(core, 'datanets.create', { name });
    await call(core, 'datanets.addRecord', { datanetId: d.id, content: { kind: 'text', text: `a note for ${name}` } });
  }
  const total = (await call(core, 'audit.listEntries', { offset: 0, limit: 1 })).total;
  const file = join(dir, 'audit.json');
  const exported = await jobResult<{ path: string; entries: number; verification: AuditVerification }>(core, call(core, 'audit.export', { path: file }));
  assert.equal(exported.entries, total);
  assert.equal(exported.verification.ok, true);
  const data = JSON.parse(readFileSync(file, 'utf8')) as AuditExport;
  assert.equal(data.entries.length, total);
  assert.match(data.hashRule, /sha256/);
  // The export itself is one more entry in the log; a second export to the same file is refused.
  assert.equal((await call(core, 'audit.listEntries', { offset: 0, limit: 1 })).items[0]!.action, 'audit.exported');
  await assert.rejects(jobResult(core, call(core, 'audit.export', { path: file })), /already exists/);

  const intact = await cli(['audit', 'verify-export', file, '--workspace', join(dir, 'cli')]);
  assert.equal(intact.code, 0);
  assert.deepEqual(intact.value, exported.verification);

  const edited = structuredClone(data);
  edited.entries[2]!.subject = 'someone else';
  writeFileSync(join(dir, 'edited.json'), JSON.stringify(edited));
  const broken = await cli(['audit', 'verify-export', join(dir, 'edited.json'), '--workspace', join(dir, 'cli')]);
  assert.equal(broken.code, 1);
  assert.deepEqual(broken.value.firstBad, { seq: 3, reason: 'entry 3 was altered after it was written (its hash does not match its content)' });

  const gap = structuredClone(data);
  gap.entries.splice(1, 1);
  writeFileSync(join(dir, 'gap.json'), JSON.stringify(gap));
  assert.deepEqual((await cli(['audit', 'verify-export', join(dir, 'gap.json'), '--workspace', join(dir, 'cli')])).value.firstBad, { seq: 3, reason: 'entry 2 is missing (next entry is 3)' });
  // Entries cut from the end leave a valid chain; the file's own verification gives it away.
  const cut = structuredClone(data);
  cut.entries.pop();
  writeFileSync(join(dir, 'cut.json'), JSON.stringify(cut));
  const short = await cli(['audit', 'verify-export', join(dir, 'cut.json'), '--workspace', join(dir, 'cli')]);
  assert.equal(short.code, 1);
  assert.match(short.value.firstBad!.reason, new RegExp(`holds ${total - 1} entries, but its own verification names ${total}`));
  assert.equal(existsSync(join(dir, 'cli', 'studio.db')), true, 'the CLI ran on its own workspace, not the exported one');
});
