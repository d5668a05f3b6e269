import { closeSync, openSync, readSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { IMPORT_FORMATS, type ImportFormat } from '../../../shared/curation';
import { AppError } from '../../../shared/errors';

const BY_EXTENSION: Record<string, ImportFormat> = {
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.csv': 'csv',
  '.txt': 'txt',
  '.text': 'txt',
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.pdf': 'pdf',
  '.docx': 'docx',
};

function head(path: string, n: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const read = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

const describe = (b: Buffer) =>
  b.length === 0 ? 'it is empty' : `it starts with ${JSON.stringify(b.subarray(0, 8).toString('latin1')).replace(/\\u00/g, '\\x')}`;

/**
 * The file's format, from the caller or its extension, checked against its first bytes: a file
 * that is not what it claims is refused here, before any parser sees it.
 */
export function sniffFormat(path: string, declared?: ImportFormat): ImportFormat {
  const name = basename(path);
  const format = declared ?? BY_EXTENSION[extname(path).toLowerCase()];
  if (!format) {
    throw new AppError('BAD_INPUT', `${name}: cannot tell its format from the extension; choose one of ${IMPORT_FORMATS.join(', ')}.`);
  }
  const b = head(path, 8);
  if (format === 'pdf' && b.subarray(0, 5).toString('latin1') !== '%PDF-') {
    throw new AppError('BAD_INPUT', `${name} is not a PDF (${describe(b)}; a PDF starts with %PDF-).`);
  }
  if (format === 'docx' && !(b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04)) {
    throw new AppError('BAD_INPUT', `${name} is not a DOCX (${describe(b)}; a DOCX is a ZIP archive starting with PK).`);
  }
  const textual = format === 'jsonl' || format === 'csv' || format === 'txt' || format === 'markdown';
  if (textual) {
    if ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff)) {
      throw new AppError('BAD_INPUT', `${name} is UTF-16 encoded; save it as UTF-8 and import it again.`);
    }
    if (b.subarray(0, 5).toString('latin1') === '%PDF-' || (b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03)) {
      throw new AppError('BAD_INPUT', `${name} is a binary document (${describe(b)}), not ${format.toUpperCase()} text.`);
    }
  }
  return format;
}
