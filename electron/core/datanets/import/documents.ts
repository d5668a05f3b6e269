import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { IMPORT_LIMITS } from '../../../shared/curation';
import { AppError } from '../../../shared/errors';
import { chunkText } from './chunk';
import { readLines } from './lines';
import type { RowSource } from './rows';

/** TXT and Markdown: read as UTF-8 (refusing anything else), then chunked. */
export async function* proseRows(path: string, markdown: boolean, chunkChars: number, signal?: AbortSignal): RowSource {
  const lines: string[] = [];
  let bytesRead = 0;
  for await (const line of readLines(path, IMPORT_LIMITS.rowBytes * 16, signal)) {
    lines.push(line.text);
    bytesRead = line.bytesRead;
  }
  let row = 0;
  for (const chunk of chunkText(lines.join('\n'), chunkChars, markdown)) yield { row: ++row, content: { kind: 'text', text: chunk }, meta: {}, bytesRead };
}

/** PDF: text per page with pdf.js (no eval, no fonts, no network), chunked; the row is the page. */
export async function* pdfRows(path: string, chunkChars: number): RowSource {
  const name = basename(path);
  const data = new Uint8Array(await readFile(path));
  const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  let doc;
  try {
    doc = await getDocument({ data, isEvalSupported: false, disableFontFace: true, useSystemFonts: false, verbosity: 0, stopAtErrors: true })
      .promise;
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
      for (const chunk of chunkText(text, chunkChars, false)) yield { row: page, content: { kind: 'text', text: chunk }, meta: {}, bytesRead: Math.round((data.length * page) / doc.numPages) };
    }
  } finally {
    await doc.destroy();
  }
}

/**
 * The total uncompressed size a ZIP's central directory declares, read before anything is
 * inflated: a DOCX that would expand past the limit (a zip bomb) is refused unopened.
 */
export function zipUncompressedSize(buf: Buffer, name: string): number {
  const eocdMin = 22;
  let eocd = -1;
  for (let i = buf.length - eocdMin; i >= Math.max(0, buf.length - eocdMin - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new AppError('BAD_INPUT', `${name} is not a complete ZIP archive (no end-of-directory record), so it is not a valid DOCX.`);
  const entries = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  let total = 0;
  for (let i = 0; i < entries; i++) {
    if (at + 46 > buf.length || buf.readUInt32LE(at) !== 0x02014b50) throw new AppError('BAD_INPUT', `${name} has a damaged ZIP directory, so it is not a valid DOCX.`);
    const uncompressed = buf.readUInt32LE(at + 24);
    if (uncompressed === 0xffffffff) throw new AppError('BAD_INPUT', `${name} contains a part larger than 4 GB (ZIP64); refused.`);
    total += uncompressed;
    at += 46 + buf.readUInt16LE(at + 28) + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
  }
  return total;
}

/** DOCX: raw text with mammoth (no external files), after the zip-bomb check; chunked. */
export async function* docxRows(path: string, chunkChars: number): RowSource {
  const name = basename(path);
  const buf = await readFile(path);
  const expanded = zipUncompressedSize(buf, name);
  if (expanded > IMPORT_LIMITS.docxUncompressedBytes) {
    throw new AppError(
      'BAD_INPUT',
      `${name} would expand to ${(expanded / 1024 ** 2).toFixed(0)} MB, over the limit of ${IMPORT_LIMITS.docxUncompressedBytes / 1024 ** 2} MB for a DOCX; refused as a possible zip bomb.`,
    );
  }
  const mammoth = await import('mammoth');
  let text: string;
  try {
    text = (await mammoth.extractRawText({ buffer: buf, externalFileAccess: false } as Parameters<typeof mammoth.extractRawText>[0])).value;
  } catch (e) {
    throw new AppError('BAD_INPUT', `${name} cannot be read as a DOCX: ${(e as Error).message}`);
  }
  let row = 0;
  for (const chunk of chunkText(text, chunkChars, false)) yield { row: ++row, content: { kind: 'text', text: chunk }, meta: {}, bytesRead: Math.round((buf.length * row) / Math.max(1, row)) };
}

export async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new AppError('NOT_FOUND', code === 'ENOENT' ? `No file at ${path}.` : `Cannot read ${path}: ${(e as Error).message}`);
  }
}
