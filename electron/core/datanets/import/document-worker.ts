/**
 * The document parser (a worker_threads entry): parses the PDF or DOCX files documents.ts hands
 * it, one at a time, and posts their text back, a page at a time for a PDF. It runs under the heap
 * and stack limits the parent gave it, and the parent terminates it at a file's time limit or
 * when an import is cancelled, so a hostile file can neither hang nor exhaust the core process.
 * Between files it waits for the next one (loading pdf.js and mammoth once).
 */
import { parentPort } from 'node:worker_threads';
import { AppError, isAppError, type ErrorCode } from '../../../shared/errors';

/** One file to parse. */
export interface DocumentJob {
  kind: 'pdf' | 'docx';
  /** The file's name, for messages. */
  name: string;
  data: Uint8Array;
}

/** Per file: its text (in pages for a PDF), then done or failed. */
export type DocumentWorkerMessage =
  | { type: 'text'; text: string; page?: number; pages?: number }
  | { type: 'done' }
  | { type: 'failed'; appError: boolean; code: ErrorCode; name: string; message: string };

const port = parentPort;
if (!port) throw new Error('document-worker.ts runs as a worker thread only.');
const send = (m: DocumentWorkerMessage) => port.postMessage(m);

/** PDF: text per page with pdf.js (no eval, no fonts, no network). */
async function pdfPages(data: Uint8Array, name: string) {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  // pdf.js in Node runs its "worker" on this thread, loading it by a path relative to pdf.mjs,
  // which a bundle does not have: handing it the module makes the bundle carry it.
  const g = globalThis as { pdfjsWorker?: unknown };
  g.pdfjsWorker ??= await import('pdfjs-dist/legacy/build/pdf.worker.mjs');
  let doc;
  try {
    doc = await pdfjs.getDocument({ data, isEvalSupported: false, disableFontFace: true, useSystemFonts: false, verbosity: 0, stopAtErrors: true }).promise;
  } catch (e) {
    throw new AppError('BAD_INPUT', `${name} cannot be read as a PDF: ${(e as Error).message}`);
  }
  try {
    for (let page = 1; page <= doc.numPages; page++) {
      let content;
      try {
        content = await (await doc.getPage(page)).getTextContent();
      } catch (e) {
        // A damaged page (found by fuzzing: pdf.js throws its own exception types here).
        throw new AppError('BAD_INPUT', `${name}, page ${page}: cannot be read as PDF text: ${(e as Error).message}`);
      }
      const text = content.items
        .map((it) => ('str' in it ? it.str + (it.hasEOL ? '\n' : '') : ''))
        .join('')
        .replace(/[ \t]+\n/g, '\n');
      send({ type: 'text', text, page, pages: doc.numPages });
    }
  } finally {
    await doc.destroy();
  }
}

/** DOCX: raw text with mammoth (no external files); the zip-bomb check was made by the parent. */
async function docxText(data: Uint8Array, name: string) {
  const mammoth = await import('mammoth');
  const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let text: string;
  try {
    text = (await mammoth.extractRawText({ buffer, externalFileAccess: false } as Parameters<typeof mammoth.extractRawText>[0])).value;
  } catch (e) {
    throw new AppError('BAD_INPUT', `${name} cannot be read as a DOCX: ${(e as Error).message}`);
  }
  send({ type: 'text', text });
}

port.on('message', (job: DocumentJob) => {
  (job.kind === 'pdf' ? pdfPages(job.data, job.name) : docxText(job.data, job.name)).then(
    () => send({ type: 'done' }),
    (e: unknown) => {
      const err = e instanceof Error ? e : new Error(String(e));
      send({ type: 'failed', appError: isAppError(err), code: isAppError(err) ? err.code : 'INTERNAL', name: err.name, message: err.message });
    },
  );
});
