import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import { docxRows, pdfRows, type DocumentParseOptions } from '../../electron/core/datanets/import/documents';
import type { SourceRow } from '../../electron/core/datanets/import/rows';
import type { ImportSummary } from '../../electron/shared/curation';
import { isAppError } from '../../electron/shared/errors';
import { makeDocx, makePdf } from '../fixtures/files/documents';
import { REPO_ROOT, call, tempDir, testCore } from '../helpers/workspace';

const rowsOf = async (source: AsyncIterable<SourceRow>) => {
  const rows: SourceRow[] = [];
  for await (const r of source) rows.push(r);
  return rows;
};

/** A valid PDF long enough that parsing it takes far longer than the tiny time limit below (made once: makePdf is quadratic). */
let longPdfBytes: Buffer | undefined;
const LONG_PDF_PAGES = 800;
const longPdf = () =>
  (longPdfBytes ??= makePdf(Array.from({ length: LONG_PDF_PAGES }, (_, p) => [`Page ${p + 1} of the ward handbook.`, 'Visitors sign in at the desk.', 'The ward closes at 8pm.'])));

function files(t: TestContext) {
  const dir = tempDir(t);
  return (name: string, data: Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, data);
    return p;
  };
}

const EXPECTED_PDF = [
  { row: 1, content: { kind: 'text', text: 'Page one says hello.' }, meta: {}, bytesRead: 441 },
  { row: 2, content: { kind: 'text', text: 'Page two (second) says goodbye.' }, meta: {}, bytesRead: 881 },
];
const EXPECTED_DOCX = [{ row: 1, content: { kind: 'text', text: 'Memo: the ward closes at 8pm.\n\nVisitors sign in at the desk.' }, meta: {}, bytesRead: 1404 }];

test('a valid PDF and DOCX give the same rows as when they were parsed in the calling process', async (t) => {
  const file = files(t);
  const pdf = file('leaflet.pdf', makePdf([['Page one says hello.'], ['Page two (second) says goodbye.']]));
  const docx = file('memo.docx', makeDocx(['Memo: the ward closes at 8pm.', 'Visitors sign in at the desk.']));
  assert.deepEqual(await rowsOf(pdfRows(pdf, 2000)), EXPECTED_PDF);
  assert.deepEqual(await rowsOf(docxRows(docx, 2000)), EXPECTED_DOCX);
  // A refused file names itself, and the next file is read as before.
  const bad = file('broken.pdf', Buffer.from('%PDF-1.4\nnot really a pdf'));
  await assert.rejects(rowsOf(pdfRows(bad, 2000)), (e) => isAppError(e) && e.code === 'BAD_INPUT' && /^broken\.pdf/.test(e.message));
  assert.deepEqual(await rowsOf(pdfRows(pdf, 2000)), EXPECTED_PDF);
});

test('the time limit stops the parser with an error naming the file; an import it stops leaves the datanet as it was', async (t) => {
  const file = files(t);
  const pdf = file('handbook.pdf', longPdf());
  let worker: Worker | undefined;
  await assert.rejects(
    rowsOf(pdfRows(pdf, 2000, undefined, { timeLimitMs: 50, onWorker: (w) => (worker = w) })),
    (e) => isAppError(e) && e.code === 'BAD_INPUT' && e.message === 'handbook.pdf: parsing stopped after 50 ms (time limit)',
  );
  assert.ok(worker);
  if (worker.threadId !== -1) await once(worker, 'exit');

  const core = testCore(t);
  const { id } = await call(core, 'datanets.create', { name: 'ward' });
  await call(core, 'datanets.addRecord', { datanetId: id, content: { kind: 'text', text: 'From before the import.' } });
  process.env.DATANET_DOCUMENT_TIME_LIMIT_MS = '50';
  t.after(() => delete process.env.DATANET_DOCUMENT_TIME_LIMIT_MS);
  const job = await core.waitForJob((await call(core, 'datanets.importFile', { datanetId: id, path: pdf })).jobId);
  delete process.env.DATANET_DOCUMENT_TIME_LIMIT_MS;
  assert.equal(job.state, 'failed');
  assert.equal(job.error?.message, 'handbook.pdf: parsing stopped after 50 ms (time limit)');
  const records = await call(core, 'datanets.listRecords', { datanetId: id });
  assert.deepEqual(records.items.map((r) => r.content), [{ kind: 'text', text: 'From before the import.' }]);
  const imports = await call(core, 'datanets.listImports', { datanetId: id });
  assert.equal(imports.items[0]!.state, 'failed');
  assert.equal(imports.items[0]!.rowsImported, 0);

  // With the default limit the same file imports whole.
  const ok = await core.waitForJob((await call(core, 'datanets.importFile', { datanetId: id, path: pdf })).jobId);
  assert.equal(ok.state, 'succeeded', ok.error?.message);
  assert.equal((ok.result as ImportSummary).rowsImported, LONG_PDF_PAGES);
});

test('the heap limit stops a parser that needs more, with an error naming the file; a small file fits under the same limit', async (t) => {
  const file = files(t);
  const limits: DocumentParseOptions = { heapMb: 48 };
  const small = file('memo.docx', makeDocx(['Memo: the ward closes at 8pm.', 'Visitors sign in at the desk.']));
  const big = file('contract.docx', makeDocx(Array.from({ length: 200_000 }, (_, i) => `Clause ${i} of a long contract, with enough words in it to take some room.`)));
  assert.deepEqual(await rowsOf(docxRows(small, 2000, undefined, limits)), EXPECTED_DOCX);
  let worker: Worker | undefined;
  await assert.rejects(
    rowsOf(docxRows(big, 2000, undefined, { ...limits, onWorker: (w) => (worker = w) })),
    (e) => isAppError(e) && e.code === 'BAD_INPUT' && e.message === 'contract.docx: parsing ran out of memory (limit 48 MiB)',
  );
  assert.ok(worker);
  if (worker.threadId !== -1) await once(worker, 'exit');
  // This process is unharmed, and a fresh parser reads the next file.
  assert.deepEqual(await rowsOf(docxRows(small, 2000, undefined, limits)), EXPECTED_DOCX);
});

test('cancelling ends the parser: the reader stops with CANCELLED and the worker exits', { timeout: 120_000 }, async (t) => {
  const file = files(t);
  const pdf = file('handbook.pdf', longPdf());
  const controller = new AbortController();
  let worker: Worker | undefined;
  let seen = 0;
  await assert.rejects(
    (async () => {
      for await (const _row of pdfRows(pdf, 2000, controller.signal, { onWorker: (w) => (worker = w) })) {
        seen++;
        controller.abort();
      }
    })(),
    (e) => isAppError(e) && e.code === 'CANCELLED' && /handbook\.pdf/.test(e.message),
  );
  assert.equal(seen, 1, 'no row is read after the cancel');
  assert.ok(worker);
  if (worker.threadId !== -1) await once(worker, 'exit');
  assert.equal(worker.threadId, -1, 'the worker has exited');

  // Through the job: cancelling the import undoes it.
  const core = testCore(t);
  const { id } = await call(core, 'datanets.create', { name: 'ward' });
  const { jobId } = await call(core, 'datanets.importFile', { datanetId: id, path: pdf });
  await call(core, 'jobs.cancel', { jobId });
  const job = await core.waitForJob(jobId);
  assert.equal(job.state, 'cancelled');
  assert.equal((await call(core, 'datanets.listRecords', { datanetId: id })).total, 0);
});

test('a bundled host (esbuild CJS, as the desktop build makes it) finds document-worker.cjs beside itself and reads the same rows', async (t) => {
  const root = tempDir(t);
  const file = files(t);
  const pdf = file('leaflet.pdf', makePdf([['Page one says hello.'], ['Page two (second) says goodbye.']]));
  const docx = file('memo.docx', makeDocx(['Memo: the ward closes at 8pm.', 'Visitors sign in at the desk.']));
  const hostSource = join(root, 'host.ts');
  writeFileSync(hostSource, `
    import { docxRows, pdfRows } from ${JSON.stringify(join(REPO_ROOT, 'electron/core/datanets/import/documents.ts'))};
    (async () => {
      const rows = [];
      for await (const r of pdfRows(${JSON.stringify(pdf)}, 2000)) rows.push(r);
      for await (const r of docxRows(${JSON.stringify(docx)}, 2000)) rows.push(r);
      console.log(JSON.stringify(rows));
    })().catch((e) => { console.error(e); process.exit(1); });`);
  const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'error', logOverride: { 'empty-import-meta': 'silent' } } as const;
  await build({ ...common, entryPoints: [hostSource], outfile: join(root, 'bundle/host.cjs') });
  // As scripts/build-electron.mjs builds it: pdf.js needs a real import.meta.url to load its DOMMatrix polyfill.
  const withImportMetaUrl = {
    define: { 'import.meta.url': '__import_meta_url' },
    banner: { js: 'const __import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
  };
  await build({ ...common, ...withImportMetaUrl, entryPoints: [join(REPO_ROOT, 'electron/core/datanets/import/document-worker.ts')], outfile: join(root, 'bundle/document-worker.cjs') });
  // The bundle lies outside the repository: its one external package (pdf.js's @napi-rs/canvas) is found through NODE_PATH.
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_PATH: join(REPO_ROOT, 'node_modules') };
  delete env.DATANET_DOCUMENT_WORKER;
  delete env.NODE_OPTIONS;
  const r = spawnSync(process.execPath, [join(root, 'bundle/host.cjs')], { env, encoding: 'utf8', cwd: root });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [...EXPECTED_PDF, ...EXPECTED_DOCX]);
});
