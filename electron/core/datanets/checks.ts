import type { PiiSpan, RecordContent } from '../../shared/datanets';
import { nearDupSignature } from './dedupe';
import { contentFields, contentText } from './fields';
import { detectPii } from './pii';

/** PII spans in every text field of a record, each tagged with the field it is in. */
export function scanPii(content: RecordContent): PiiSpan[] {
  return contentFields(content).flatMap((f) =>
    detectPii(f.text).map((p) => ({ kind: p.kind, field: f.path, start: p.start, end: p.end })),
  );
}

/** The signature near-duplicate detection stores and compares: MinHash plus a content-word sketch. */
export const contentSignature = (content: RecordContent) => nearDupSignature(contentText(content));
