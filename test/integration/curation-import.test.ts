import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Wallet, type Signer } from 'ethers';
import type { Core } from '../../electron/core/core';
import { contentHash } from '../../electron/core/datanets/canonical';
import { signContribution } from '../../electron/core/datanets/signatures';
import type { ImportSummary } from '../../electron/shared/curation';
import type { Job } from '../../electron/shared/jobs';
import { makeDocx, makePdf } from '../fixtures/files/documents';
import { call, tempDir, testCore } from '../helpers/workspace';

async function importFile(core: Core, input: Parameters<typeof call<'datanets.importFile'>>[2]): Promise<Job> {
  const { jobId } = await call(core, 'datanets.importFile', input);
  return core.waitForJob(jobId);
}

async function setup(t: TestContext) {
  const dir = tempDir(t);
  const core = testCore(t);
  const { id } = await call(core, 'datanets.create', { name: 'clinic' });
  const file = (name: string, data: string | Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, data);
    return p;
  };
  return { core, id, file };
}

const jsonl = (...rows: unknown[]) => rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';

test('JSONL in every supported shape imports; bad rows are reported by file, row and field', async (t) => {
  const { core, id, file } = await setup(t);
  const path = file(
    'mixed.jsonl',
    jsonl(
      { messages: [{ role: 'user', content: 'What is a stent?' }, { role: 'assistant', content: [{ type: 'text', text: 'A small mesh tube.' }] }] },
      { instruction: 'Define angina.', input: '', output: 'Chest pain from reduced blood flow to the heart.' },
      { conversations: [{ from: 'human', value: 'Is aspirin an anticoagulant?' }, { from: 'gpt', value: 'No, an antiplatelet.' }] },
      { prompt: 'Normal resting heart rate?', completion: '60 to 100 beats per minute.' },
      { text: 'Discharge notes must be signed by the attending physician.' },
      '{"instruction": "broken", ',
      { instruction: 'No answer given' },
      { foo: 1 },
      [1, 2],
      { conversations: [{ from: 'robot', value: 'beep' }] },
    ),
  );
  const job = await importFile(core, { datanetId: id, path });
  assert.equal(job.state, 'succeeded', job.error?.message);
  const r = job.result as ImportSummary;
  assert.equal(r.rowsSeen, 10);
  assert.equal(r.rowsImported, 5);
  assert.equal(r.rowsRejected, 5);
  assert.match(r.fileSha256!, /^[0-9a-f]{64}$/);
  const byRow = new Map(r.problems.map((p) => [p.row, p]));
  assert.equal(byRow.get(6)!.file, 'mixed.jsonl');
  assert.match(byRow.get(6)!.reason, /not valid JSON/);
  assert.match(byRow.get(7)!.reason, /response: /);
  assert.match(byRow.get(8)!.reason, /unrecognised shape \(keys: foo\)/);
  assert.match(byRow.get(9)!.reason, /must be a JSON object/);
  assert.equal(byRow.get(10)!.field, 'conversations.0.from');

  const records = await call(core, 'datanets.listRecords', { datanetId: id });
  assert.deepEqual(records.items.map((x) => x.kind), ['chat', 'instruction', 'chat', 'instruction', 'text']);
  assert.deepEqual(records.items.map((x) => x.source), [1, 2, 3, 4, 5].map((row) => ({ file: 'mixed.jsonl', row })));
  const chat = records.items[0]!.content;
  assert.deepEqual(chat, { kind: 'chat', messages: [{ role: 'user', content: 'What is a stent?' }, { role: 'assistant', content: 'A small mesh tube.' }] });
  const imports = await call(core, 'datanets.listImports', { datanetId: id });
  assert.equal(imports.items[0]!.state, 'succeeded');
  const audit = await call(core, 'audit.listEntries', {});
  assert.equal(audit.items[0]!.action, 'datanet.import');
  assert.equal(audit.items[0]!.details.sha256, r.fileSha256);
});

test('malformed files give clear errors and leave the datanet as it was', async (t) => {
  const { core, id, file } = await setup(t);
  await call(core, 'datanets.addRecord', { datanetId: id, content: { kind: 'text', text: 'already here' } });
  const cases: [string, Parameters<typeof call<'datanets.importFile'>>[2], RegExp][] = [
    ['truncated JSONL', { datanetId: id, path: file('cut.jsonl', jsonl({ text: 'one' }, { text: 'two' }) + '{"text": "thr') }, /cut\.jsonl looks truncated: its last line \(3\) is incomplete JSON/],
    ['latin-1 CSV', { datanetId: id, path: file('latin1.csv', Buffer.from('text\nCaf\xe9 au lait\n', 'latin1')), mapping: { text: 'text' } }, /latin1\.csv is not valid UTF-8/],
    ['UTF-16 CSV', { datanetId: id, path: file('utf16.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('text\nx\n', 'utf16le')])), mapping: { text: 'text' } }, /UTF-16 encoded; save it as UTF-8/],
    ['CSV mapping to a missing column', { datanetId: id, path: file('qa.csv', 'question,answer\nq,a\n'), mapping: { instruction: 'prompt', response: 'answer' } }, /names column "prompt" for instruction, but the header has "question", "answer"/],
    ['a PDF that is not a PDF', { datanetId: id, path: file('report.pdf', 'hello, I am text') }, /report\.pdf is not a PDF \(it starts with "hello, I"; a PDF starts with %PDF-\)/],
    ['a DOCX that is not a DOCX', { datanetId: id, path: file('memo.docx', '%PDF-1.4 sneaky') }, /memo\.docx is not a DOCX/],
    ['a zip-bomb DOCX', { datanetId: id, path: file('bomb.docx', makeDocx(['tiny'], { declaredDocumentSize: 3_000_000_000 })) }, /bomb\.docx would expand to 2861 MB, over the limit of 400 MB.*zip bomb/],
    ['a file with no usable rows', { datanetId: id, path: file('junk.jsonl', jsonl({ foo: 1 }, { bar: 2 })) }, /No rows of junk\.jsonl could be imported \(2 rejected\); first problem: row 1: unrecognised shape/],
    ['a missing file', { datanetId: id, path: join(tempDir(t), 'nope.jsonl') }, /No file at .*nope\.jsonl/],
  ];
  for (const [what, input, message] of cases) {
    const job = await importFile(core, input);
    assert.equal(job.state, 'failed', what);
    assert.match(job.error!.message, message, what);
  }
  const left = await call(core, 'datanets.listRecords', { datanetId: id });
  assert.equal(left.total, 1, 'only the record that was there before');
  const imports = await call(core, 'datanets.listImports', { datanetId: id });
  assert.ok(imports.items.every((i) => i.state === 'failed' && i.rowsImported === 0));
});

test('CSV with a column mapping, Markdown chunked by headings, PDF by page, DOCX by paragraph', async (t) => {
  const { core, id, file } = await setup(t);
  const csv = file('qa.csv', 'question,answer,contributor\n"What is ""BP""?","Blood pressure, measured in mmHg.",0x1111111111111111111111111111111111111111\nWhat is HR?,Heart rate.,\n');
  const preview = await call(core, 'datanets.previewFile', { path: csv });
  assert.deepEqual(preview.columns, ['question', 'answer', 'contributor']);
  assert.deepEqual(preview.suggestedMapping, { instruction: 'question', response: 'answer', contributor: 'contributor' });
  let job = await importFile(core, { datanetId: id, path: csv, mapping: { instruction: 'question', response: 'answer', contributor: 'contributor' } });
  assert.equal((job.result as ImportSummary).rowsImported, 2, job.error?.message);

  const md = file('guide.md', '# Triage\n\nChest pain first.\n\n## Vitals\n\nCheck BP and HR.\n\n```\n# not a heading\n```\n');
  job = await importFile(core, { datanetId: id, path: md });
  assert.equal((job.result as ImportSummary).rowsImported, 2, job.error?.message);

  const pdf = file('leaflet.pdf', makePdf([['Page one says hello.'], ['Page two (second) says goodbye.']]));
  job = await importFile(core, { datanetId: id, path: pdf });
  assert.equal(job.state, 'succeeded', job.error?.message);
  assert.equal((job.result as ImportSummary).rowsImported, 2);

  const docx = file('memo.docx', makeDocx(['Memo: the ward closes at 8pm.', 'Visitors sign in at the desk.']));
  job = await importFile(core, { datanetId: id, path: docx });
  assert.equal(job.state, 'succeeded', job.error?.message);

  const texts = (await call(core, 'datanets.listRecords', { datanetId: id, limit: 50 })).items.map((r) =>
    r.content.kind === 'text' ? r.content.text : r.content.kind === 'instruction' ? r.content.instruction : '',
  );
  assert.deepEqual(texts.slice(0, 2), ['What is "BP"?', 'What is HR?']);
  assert.deepEqual(texts.slice(2, 4), ['# Triage\n\nChest pain first.', '## Vitals\n\nCheck BP and HR.\n\n```\n# not a heading\n```']);
  assert.match(texts[4]!, /Page one says hello\./);
  assert.match(texts[5]!, /Page two \(second\) says goodbye\./);
  assert.match(texts[6]!, /Memo: the ward closes at 8pm\.\s+Visitors sign in at the desk\./);
  const pdfRecord = (await call(core, 'datanets.listRecords', { datanetId: id })).items[5]!;
  assert.deepEqual(pdfRecord.source, { file: 'leaflet.pdf', row: 2 });
});

test('signed contributions are verified; forged or altered ones are rejected with the reason', async (t) => {
  const { core, id, file } = await setup(t);
  const alice = Wallet.createRandom();
  const mallory = Wallet.createRandom();
  const row = async (text: string, nonce: string, signer: Signer, claimed: string, license = 'CC-BY-4.0') => {
    const content = { kind: 'text' as const, text };
    const signature = await signContribution(signer, { datanetId: id, contentHash: contentHash(content), license, nonce });
    return { text, contributor: claimed, signature, nonce, license };
  };
  const good = await row('Alice wrote this note.', '1', alice, alice.address);
  const forged = await row('Mallory claims Alice wrote this.', '2', mallory, alice.address);
  const altered = { ...(await row('Original wording.', '3', alice, alice.address)), text: 'Altered wording.' };
  const noNonce = { ...(await row('Missing nonce.', '4', alice, alice.address)), nonce: undefined };
  const reused = await row('Same nonce again.', '1', alice, alice.address);
  const job = await importFile(core, { datanetId: id, path: file('signed.jsonl', jsonl(good, forged, altered, noNonce, reused, { text: 'Unsigned note.' })) });
  assert.equal(job.state, 'succeeded', job.error?.message);
  const r = job.result as ImportSummary;
  assert.equal(r.rowsImported, 2, JSON.stringify(r.problems));
  const reasons = new Map(r.problems.map((p) => [p.row, `${p.field}: ${p.reason}`]));
  assert.match(reasons.get(2)!, new RegExp(`signature: signature is not by contributor ${alice.address}`));
  assert.match(reasons.get(3)!, /signature: signature is not by contributor/);
  assert.match(reasons.get(4)!, /nonce: a signed row needs the nonce/);
  assert.match(reasons.get(5)!, new RegExp(`nonce: nonce 1 of ${alice.address} was already used for record rec_`));
  const records = (await call(core, 'datanets.listRecords', { datanetId: id })).items;
  assert.equal(records[0]!.contributor, alice.address.toLowerCase());
  // "Alice wrote this note." names a person: since issue 22 names are found without a title or cue, so it is flagged pii too.
  assert.deepEqual(records[0]!.flags, ['pii', 'signed']);
  assert.equal(records[1]!.contributor, null, 'unsigned rows belong to the importing user');
});

test('exact duplicates are rejected, near-duplicates imported and flagged with what they duplicate', async (t) => {
  const { core, id, file } = await setup(t);
  // The near-duplicate is the base in capitals with a typo. (It used to read 'over the night' for 'overnight': since issue 22
  // a word replaced by another content word counts as different content, and a split compound is read as such a replacement.)
  const base = 'The patient was admitted with acute chest pain radiating to the left arm and was given aspirin and nitroglycerin in the emergency department before transfer to the cardiac unit for monitoring overnight.';
  const job = await importFile(core, {
    datanetId: id,
    path: file('dups.jsonl', jsonl({ text: base }, { text: `  ${base}  ` }, { text: base.replace('overnight', 'overnigth').toUpperCase() }, { text: 'An unrelated note about hospital parking permits for night staff.' })),
  });
  const r = job.result as ImportSummary;
  assert.equal(r.rowsImported, 3);
  assert.equal(r.exactDuplicates, 1);
  assert.equal(r.nearDuplicates, 1);
  const [first, near, other] = (await call(core, 'datanets.listRecords', { datanetId: id })).items;
  assert.match(r.problems[0]!.reason, new RegExp(`exact duplicate of record ${first!.id}`));
  assert.equal(near!.nearDuplicateOf?.recordId, first!.id);
  assert.ok(near!.nearDuplicateOf!.similarity >= 0.8);
  assert.deepEqual(near!.flags, ['near-duplicate']);
  assert.equal(other!.nearDuplicateOf, null);
  assert.equal((await call(core, 'datanets.listRecords', { datanetId: id, flag: 'near-duplicate' })).total, 1);
});

test('cancelling an import removes every row it added', async (t) => {
  const { core, id, file } = await setup(t);
  const rows = Array.from({ length: 20_000 }, (_, i) => ({ text: `Note ${i}: routine observation ${i * 7919} recorded.` }));
  const path = file('big.jsonl', jsonl(...rows));
  const { jobId } = await call(core, 'datanets.importFile', { datanetId: id, path });
  let cancelled = false;
  core.onEvent((name, p) => {
    const j = p as Job;
    if (name === 'jobs.progress' && j.id === jobId && !cancelled && j.progress.done > 0 && /records imported/.test(j.progress.message)) {
      cancelled = true;
      void core.call('jobs.cancel', { jobId });
    }
  });
  const job = await core.waitForJob(jobId);
  assert.ok(cancelled, 'the import reported progress before finishing');
  assert.equal(job.state, 'cancelled');
  assert.equal((await call(core, 'datanets.listRecords', { datanetId: id })).total, 0);
  assert.equal((await call(core, 'datanets.listImports', { datanetId: id })).items[0]!.state, 'cancelled');
});

test('full-text search finds records by their words and survives odd input', async (t) => {
  const { core, id, file } = await setup(t);
  await importFile(core, { datanetId: id, path: file('s.jsonl', jsonl({ text: 'Warfarin interacts with vitamin K.' }, { instruction: 'Dose of metformin?', output: 'Usually 500 mg twice daily.' }, { text: 'Unrelated.' })) });
  const hits = async (query: string) => (await call(core, 'datanets.listRecords', { datanetId: id, query })).total;
  assert.equal(await hits('warfarin'), 1);
  assert.equal(await hits('METFORMIN twice'), 1);
  assert.equal(await hits('metfor'), 1, 'the last word matches as a prefix');
  assert.equal(await hits('vitamin metformin'), 0, 'all words must match');
  for (const odd of ['"', 'AND OR NOT', '*', 'a:b', '(', "'; DROP TABLE records; --"]) await hits(odd);
  assert.equal((await call(core, 'datanets.listRecords', { datanetId: id })).total, 3);
});
