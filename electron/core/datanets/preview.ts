import { basename, resolve } from 'node:path';
import type { ImportFormat } from '../../shared/curation';
import { csvColumns, csvRows, suggestMapping } from './import/csv';
import { docxRows, fileSize, pdfRows, proseRows } from './import/documents';
import { jsonlRows } from './import/jsonl';
import type { RowSource } from './import/rows';
import { sniffFormat } from './import/sniff';
import { IMPORT_LIMITS } from '../../shared/curation';

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
  let sample: unknown[];
  if (format === 'csv') {
    columns = await csvColumns(full);
    suggestedMapping = suggestMapping(columns);
    const mapping = suggestedMapping.text || (suggestedMapping.instruction && suggestedMapping.response) ? suggestedMapping : { text: columns[0]! };
    sample = await take(csvRows(full, mapping, IMPORT_LIMITS.rowBytes), SAMPLE_ROWS);
  } else if (format === 'jsonl') sample = await take(jsonlRows(full, IMPORT_LIMITS.rowBytes), SAMPLE_ROWS);
  else if (format === 'pdf') sample = await take(pdfRows(full, 2000), SAMPLE_ROWS);
  else if (format === 'docx') sample = await take(docxRows(full, 2000), SAMPLE_ROWS);
  else sample = await take(proseRows(full, format === 'markdown', 2000), SAMPLE_ROWS);
  return { format, fileName: basename(full), bytes, columns, suggestedMapping, sample };
}
