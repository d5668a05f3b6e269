import { basename, resolve } from 'node:path';
import { DEFAULT_CHUNK_CHARS, type ColumnMapping, type ImportFormat } from '../../shared/curation';
import { csvColumns, suggestMapping } from './import/csv';
import { fileSize } from './import/documents';
import { rowsOf } from './import/pipeline';
import type { RowSource } from './import/rows';
import { sniffFormat } from './import/sniff';

const SAMPLE_ROWS = 5;

async function take(rows: RowSource, n: number): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const r of rows) {
    out.push(r.problem ? { row: r.row, problem: r.problem } : { row: r.row, content: r.content });
    if (out.length >= n) break;
  }
  return out;
}

/** What the import wizard shows before importing: the format, CSV columns, a suggested mapping, a few rows. */
export async function previewFile(path: string, declared?: ImportFormat) {
  const full = resolve(path);
  const bytes = await fileSize(full);
  const format = sniffFormat(full, declared);
  let columns: string[] | null = null;
  let suggestedMapping: Record<string, string> | null = null;
  let mapping: Record<string, string> | undefined;
  if (format === 'csv') {
    columns = await csvColumns(full);
    suggestedMapping = suggestMapping(columns);
    mapping = suggestedMapping.text || (suggestedMapping.instruction && suggestedMapping.response) ? suggestedMapping : { text: columns[0]! };
  }
  const sample = await take(rowsOf({ mapping: mapping as ColumnMapping | undefined, chunkChars: DEFAULT_CHUNK_CHARS }, full, format), SAMPLE_ROWS);
  return { format, fileName: basename(full), bytes, columns, suggestedMapping, sample };
}
