import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { parse } from 'csv-parse';
import type { ColumnMapping } from '../../../shared/curation';
import { AppError } from '../../../shared/errors';
import type { RowSource } from './rows';

/** Guesses a column mapping from header names (the import wizard starts from it). */
export function suggestMapping(columns: string[]): Record<string, string> {
  const find = (...names: string[]) => columns.find((c) => names.includes(c.trim().toLowerCase()));
  const m: Record<string, string | undefined> = {
    instruction: find('instruction', 'question', 'prompt', 'query', 'input_text'),
    input: find('input', 'context'),
    response: find('response', 'answer', 'output', 'completion'),
    text: find('text', 'content', 'body', 'note', 'notes'),
    contributor: find('contributor', 'author', 'address'),
    license: find('license', 'licence'),
    signature: find('signature'),
    nonce: find('nonce'),
  };
  if (m.instruction && m.response) delete m.text;
  return Object.fromEntries(Object.entries(m).filter((e): e is [string, string] => e[1] !== undefined));
}

/** The header row of a CSV file. */
export async function csvColumns(path: string): Promise<string[]> {
  for await (const rec of csvRecords(path, 1 << 20)) return (rec as string[]).map(String);
  throw new AppError('BAD_INPUT', `${basename(path)} is empty: a CSV import needs a header row.`);
}

function csvRecords(path: string, maxRowBytes: number, signal?: AbortSignal) {
  const stream = createReadStream(path, { signal });
  // A stream of bytes → fatal UTF-8 check: csv-parse would decode invalid bytes to U+FFFD.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const parser = parse({ bom: true, relax_column_count: true, max_record_size: maxRowBytes, skip_empty_lines: true });
  stream.on('data', (chunk) => {
    try {
      parser.write(decoder.decode(chunk as Buffer, { stream: true }));
    } catch {
      stream.destroy();
      parser.destroy(new AppError('BAD_INPUT', `${basename(path)} is not valid UTF-8; save it as UTF-8 (for example "CSV UTF-8" in Excel) and import it again.`));
    }
  });
  stream.on('end', () => parser.end());
  stream.on('error', (e) => parser.destroy(e));
  return parser;
}

export async function* csvRows(path: string, mapping: ColumnMapping, maxRowBytes: number, signal?: AbortSignal): RowSource {
  const name = basename(path);
  let header: string[] | null = null;
  let index: Record<string, number> = {};
  let row = 0;
  const parser = csvRecords(path, maxRowBytes, signal);
  try {
    for await (const rec of parser) {
      const cells = (rec as string[]).map(String);
      if (!header) {
        header = cells.map((c) => c.trim());
        for (const [field, column] of Object.entries(mapping)) {
          if (column === undefined) continue;
          const at = header.indexOf(column);
          if (at === -1) throw new AppError('BAD_INPUT', `${name}: the mapping names column "${column}" for ${field}, but the header has ${header.map((h) => `"${h}"`).join(', ')}.`);
          index[field] = at;
        }
        continue;
      }
      row++;
      const cell = (field: keyof ColumnMapping) => (index[field] === undefined ? undefined : (cells[index[field]!] ?? ''));
      const content =
        mapping.text !== undefined
          ? { kind: 'text', text: cell('text') }
          : { kind: 'instruction', instruction: cell('instruction'), input: cell('input') ?? '', response: cell('response') };
      const blank = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());
      yield {
        row,
        content,
        meta: { contributor: blank(cell('contributor')), signature: blank(cell('signature')), nonce: blank(cell('nonce')), license: blank(cell('license')) },
        bytesRead: parser.info.bytes,
      };
    }
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError('BAD_INPUT', `${name}, row ${row + 1}: ${(e as Error).message}`);
  }
  index = {};
}
