import { ibanValid, IBAN_LENGTHS, luhnValid } from './checksums';
import { before, CONTINUES_CODE } from './context';
import type { Candidate } from './types';

// 13-19 digits, optionally grouped by single spaces or dashes.
const CARD = /(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-]|[ -]\d)/g;
const CARD_CUE = /\b(?:card|credit|debit|visa|mastercard|amex|american express|discover|cc|pan|cvv)\b/i;

/** Issuer ranges (IIN prefixes and lengths) of the major card networks. */
function knownIssuer(d: string): boolean {
  const n = d.length;
  const p2 = Number(d.slice(0, 2));
  const p4 = Number(d.slice(0, 4));
  const p3 = Number(d.slice(0, 3));
  if (d[0] === '4') return n === 13 || n === 16 || n === 19; // Visa
  if (p2 >= 51 && p2 <= 55) return n === 16; // Mastercard
  if (p4 >= 2221 && p4 <= 2720) return n === 16; // Mastercard 2-series
  if (p2 === 34 || p2 === 37) return n === 15; // Amex
  if (p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649)) return n >= 16 && n <= 19; // Discover
  if (p2 === 62) return n >= 16 && n <= 19; // UnionPay
  if (p4 >= 3528 && p4 <= 3589) return n >= 16 && n <= 19; // JCB
  if (p2 === 36 || p2 === 38 || (p3 >= 300 && p3 <= 305)) return n >= 14 && n <= 19; // Diners
  if (/^(?:5018|5020|5038|5893|6304|6759|676[1-3])/.test(d)) return n >= 12 && n <= 19; // Maestro
  return false;
}

export function detectCreditCards(text: string, out: Candidate[]): void {
  for (const m of text.matchAll(CARD)) {
    const raw = m[0];
    // One kind of separator, and groups of at least 3 digits (cards are printed 4-4-4-4 or 4-6-5).
    const seps = raw.replace(/\d/g, '');
    if (seps.length > 0 && (new Set(seps).size > 1 || raw.split(/[ -]/).some((g, i, all) => g.length < 3 && i < all.length - 1))) continue;
    const digits = raw.replace(/\D/g, '');
    // No card number starts with 0; synthetic pseudonyms do, so they are never re-detected.
    if (digits[0] === '0' || !luhnValid(digits)) continue;
    const lead = before(text, m.index, 40);
    if (CONTINUES_CODE.test(lead)) continue;
    const issuer = knownIssuer(digits);
    const cue = CARD_CUE.test(lead);
    if (!issuer && !cue) continue;
    out.push({ kind: 'credit_card', start: m.index, end: m.index + raw.length, confidence: issuer ? 0.95 : 0.7 });
  }
}

// Country code, check digits, then the BBAN in groups of 4 (printed form) or run together.
const IBAN = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![A-Za-z0-9])/g;
// Run together, the regex above cannot match the longer BBANs; this catches them.
const IBAN_COMPACT = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}[A-Z0-9]{11,30}(?![A-Za-z0-9])/g;

export function detectIbans(text: string, out: Candidate[]): void {
  const seen = new Set<number>();
  for (const re of [IBAN, IBAN_COMPACT]) {
    for (const m of text.matchAll(re)) {
      if (seen.has(m.index)) continue;
      const expected = IBAN_LENGTHS[m[0].slice(0, 2)];
      if (expected === undefined) continue;
      // The greedy match may run into a following code word; cut it at the country's length.
      let count = 0;
      let end = m.index;
      for (let i = 0; i < m[0].length && count < expected; i++) {
        if (m[0][i] !== ' ') count++;
        end = m.index + i + 1;
      }
      if (count !== expected) continue;
      const compact = text.slice(m.index, end).replace(/ /g, '');
      if (!ibanValid(compact)) continue;
      seen.add(m.index);
      out.push({ kind: 'iban', start: m.index, end, confidence: 0.98 });
    }
  }
}
