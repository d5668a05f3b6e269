/** One row of an imported file, before validation: what the parser made of it, or why not. */
export interface SourceRow {
  /** 1-based: line (JSONL), data row (CSV), chunk (TXT, Markdown, DOCX) or page (PDF). */
  row: number;
  content?: unknown;
  meta: RowMeta;
  problem?: { field: string | null; reason: string };
  /** Progress: bytes of the file consumed so far. */
  bytesRead: number;
}

export interface RowMeta {
  contributor?: unknown;
  signature?: unknown;
  nonce?: unknown;
  license?: unknown;
}

export type RowSource = AsyncIterable<SourceRow>;
