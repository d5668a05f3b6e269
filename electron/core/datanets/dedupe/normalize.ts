/**
 * Text normalisation for near-duplicate detection: two records that differ only in case,
 * Unicode presentation form, punctuation or spacing normalise to the same string, so they
 * produce the same shingles.
 */

// Punctuation and symbols become spaces (not nothing) so "end.Start" still splits into two words.
const PUNCTUATION_OR_SYMBOL = /[\p{P}\p{S}]+/gu;
const WHITESPACE_RUN = /\s+/gu;

export function normalizeForDedupe(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(PUNCTUATION_OR_SYMBOL, ' ')
    .replace(WHITESPACE_RUN, ' ')
    .trim();
}
