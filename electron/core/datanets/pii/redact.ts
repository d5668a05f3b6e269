import { AppError } from '../../../shared/errors';
import type { Pseudonymizer } from './pseudonymizer';
import type { PiiFinding, PiiKind } from './types';

export type RedactionMode = 'mask' | 'pseudonym';

export interface Replacement {
  kind: PiiKind;
  /** Offsets of the replaced span in the original text. */
  start: number;
  end: number;
  replacement: string;
}

export interface RedactionResult {
  text: string;
  replacements: Replacement[];
}

/** The mask for a kind: [EMAIL], [PHONE], [NATIONAL_ID], ... */
export function maskFor(kind: PiiKind): string {
  return `[${kind.toUpperCase()}]`;
}

/**
 * Replaces each finding's span with a mask or a pseudonym. Findings may come in any order but must
 * not overlap and must lie inside the text (as detectPii returns them).
 */
export function redact(
  text: string,
  findings: readonly Pick<PiiFinding, 'kind' | 'start' | 'end'>[],
  mode: RedactionMode,
  pseudonymizer?: Pseudonymizer,
): RedactionResult {
  if (mode === 'pseudonym' && !pseudonymizer) throw new AppError('BAD_INPUT', 'Pseudonym redaction needs a pseudonymizer (a workspace key).');
  const sorted = [...findings].sort((a, b) => a.start - b.start);
  const parts: string[] = [];
  const replacements: Replacement[] = [];
  let at = 0;
  for (const f of sorted) {
    if (!Number.isInteger(f.start) || !Number.isInteger(f.end) || f.start < at || f.end <= f.start || f.end > text.length) {
      throw new AppError('BAD_INPUT', `PII span ${f.start}-${f.end} (${f.kind}) overlaps another or lies outside the text (length ${text.length}).`);
    }
    const replacement = mode === 'mask' ? maskFor(f.kind) : pseudonymizer!.pseudonym(f.kind, text.slice(f.start, f.end));
    parts.push(text.slice(at, f.start), replacement);
    replacements.push({ kind: f.kind, start: f.start, end: f.end, replacement });
    at = f.end;
  }
  parts.push(text.slice(at));
  return { text: parts.join(''), replacements };
}
