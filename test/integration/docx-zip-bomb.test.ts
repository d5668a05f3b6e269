// Zip-bomb DOCX files are refused from their ZIP directory, before anything is inflated. The bombs
// are built here: a raw deflate stream of N MiB of zeros is N copies of one sync-flushed block that
// encodes 1 MiB of zeros (each starts with a literal, so it does not depend on what came before),
// closed by an empty final block; 1 GiB of zeros costs about 1 MB of file.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { constants, crc32, deflateRawSync } from 'node:zlib';
import type { Core } from '../../electron/core/core';
import type { ImportSummary } from '../../electron/shared/curation';
import type { Job } from '../../electron/shared/jobs';
import { makeZip, type ZipEntry } from '../fixtures/files/documents';
import { call, tempDir, testCore } from '../helpers/workspace';

const MiB = 2 ** 20;

function zerosDeflated(mib: number): Buffer {
  const block = deflateRawSync(Buffer.alloc(MiB), { finishFlush: constants.Z_SYNC_FLUSH, level: 9 });
  return Buffer.concat([...Array.from({ length: mib }, () => block), Buffer.from([0x03, 0x00])]);
}

/** A part as Word stores it: deflated, with its true size and CRC in the directory. */
const part = (name: string, text: string): ZipEntry => {
  const data = Buffer.from(text);
  return { name, data: deflateRawSync(data), declaredSize: data.length, deflated: { crc: crc32(data) } };
};

const CONTENT_TYPES = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>';
const RELS = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>';
const documentXml = (paragraphs: string[]) =>
  `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${paragraphs.map((p) => `<w:p><w:r><w:t>${p}</w:t></w:r></w:p>`).join('')}</w:body></w:document>`;

/** A DOCX as Word writes it (every part deflated), with word/document.xml replaced when given. */
const docx = (document: ZipEntry = part('word/document.xml', documentXml(['Visitors sign in at the desk.', 'The ward closes at 8pm.']))) =>
  makeZip([part('[Content_Types].xml', CONTENT_TYPES), part('_rels/.rels', RELS), document]);

const bombPart = (mib: number, declared: number): ZipEntry => ({ name: 'word/document.xml', data: zerosDeflated(mib), declaredSize: declared, deflated: { crc: 0 } });

async function importFile(core: Core, datanetId: string, path: string): Promise<{ job: Job; ms: number }> {
  const started = performance.now();
  const { jobId } = await call(core, 'datanets.importFile', { datanetId, path });
  const job = await core.waitForJob(jobId);
  return { job, ms: performance.now() - started };
}

test('zip-bomb DOCX files are refused from their ZIP directory in well under a few seconds; a real DOCX still imports', async (t) => {
  const dir = tempDir(t);
  const core = testCore(t);
  const { id } = await call(core, 'datanets.create', { name: 'ward' });
  const file = (name: string, data: Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, data);
    return p;
  };

  const bombs: [string, Buffer, RegExp][] = [
    // Declares its gigabyte honestly: over the total limit.
    ['honest-gigabyte.docx', docx(bombPart(1024, 1024 * MiB)), /honest-gigabyte\.docx would expand to 1024 MB, over the limit of 400 MB.*zip bomb/],
    // Declares 390 MB, under the total limit, from 0.4 MB: no document compresses a thousandfold.
    ['under-limit.docx', docx(bombPart(390, 390 * MiB)), /under-limit\.docx.*word\/document\.xml would expand \d+-fold.*zip bomb/],
    // Declares 1000 bytes for a megabyte of deflate data: a directory that lies.
    ['lying-small.docx', docx(bombPart(1024, 1000)), /lying-small\.docx.*word\/document\.xml.*zip bomb/],
    // Declares as much as it stores (a plausible ratio) but inflates to a gigabyte.
    ['lying-plausible.docx', docx((() => { const p = bombPart(1024, 0); return { ...p, declaredSize: p.data.length * 4 }; })()), /lying-plausible\.docx.*word\/document\.xml inflates to more than.*zip bomb/],
  ];
  for (const [name, bytes, message] of bombs) {
    const { job, ms } = await importFile(core, id, file(name, bytes));
    assert.equal(job.state, 'failed', name);
    assert.match(job.error!.message, message, name);
    // Generous for a loaded 2-core machine; the old code took 25-34 s inflating these.
    assert.ok(ms < 3000, `${name} was refused after ${Math.round(ms)} ms`);
    t.diagnostic(`${name} (${(bytes.length / 1024).toFixed(0)} KB): refused after ${Math.round(ms)} ms`);
  }

  const { job } = await importFile(core, id, file('handbook.docx', docx()));
  assert.equal(job.state, 'succeeded', job.error?.message);
  assert.equal((job.result as ImportSummary).rowsImported, 1);
  const records = await call(core, 'datanets.listRecords', { datanetId: id });
  assert.deepEqual(records.items.map((r) => r.content), [{ kind: 'text', text: 'Visitors sign in at the desk.\n\nThe ward closes at 8pm.' }]);
});
