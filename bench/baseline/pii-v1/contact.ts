import { isIPv6 } from 'node:net';
import { isbn13Valid } from './checksums';
import { after, before, CONTINUES_CODE, digitsOf } from './context';
import type { Candidate } from './types';

// Every quantifier is bounded and alternatives do not overlap, so no input can make these regexes
// backtrack more than a constant amount per start position.
const EMAIL = /(?<![\w.%+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,63})@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}(?![\w-])/g;

export function detectEmails(text: string, out: Candidate[]): void {
  if (!text.includes('@')) return;
  for (const m of text.matchAll(EMAIL)) {
    out.push({ kind: 'email', start: m.index, end: m.index + m[0].length, confidence: 0.98 });
  }
}

// Phone candidates: optional +country code, optional (area), then 1-5 groups of digits separated by
// one space, dot or dash. Which candidates are phones is decided by phoneCandidateOk.
const PHONE = /(?<![\w+.\-/])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?\d{1,8}(?:[ .-]\d{1,8}){0,5}(?![\w/]|[.-]\d)/g;

const PHONE_CUE = /(?:\b(?:tel|telephone|phone|ph|mobile|mob|cell|fax|call|contact|tél|téléphone|telefon|rufnummer|whatsapp)\b\.?(?:\s*(?:no|number|nr)\b\.?)?|☎|📞)[\s:#-]*(?:(?:on|at|is)\s+)?:?\s*$/i;
const NOT_PHONE_CUE = /(?:\b(?:isbn|issn|order|invoice|inv|ref|reference|case|docket|account|acct|tracking|serial|sku|po|claim|policy|item|batch|lot|version|ver|v|build|release|patent|mrn|id|room|page|pp|chart|ssn|iban|card)\b\.?|#|№)[\s:.#-]*(?:no\.?|number|nr\.?|#)?[\s:.#-]*$/i;
const DATE_SHAPED = /^(?:\d{4}[-.]\d{1,2}[-.]\d{1,2}|\d{1,2}[-.]\d{1,2}[-.]\d{2,4})$/;
const SSN_SHAPED = /^\d{3}-\d{2}-\d{4}$/;
const IPV4_SHAPED = /^\d{1,3}(?:\.\d{1,3}){3}$/;

function phoneConfidence(text: string, start: number, match: string): number {
  const digits = digitsOf(match);
  if (digits.length < 7 || digits.length > 15) return 0;
  if (DATE_SHAPED.test(match) || SSN_SHAPED.test(match) || IPV4_SHAPED.test(match)) return 0;
  if (isbn13Valid(digits)) return 0;
  const lead = before(text, start, 24);
  if (NOT_PHONE_CUE.test(lead)) return 0;
  const cue = PHONE_CUE.test(lead);
  // The digits may continue a code printed in groups, such as an IBAN that failed its check.
  if (CONTINUES_CODE.test(lead)) return 0;
  const plus = match.startsWith('+');
  const paren = match.includes('(');
  const national = match.replace(/^\+\d{1,3}[ .-]?/, '');
  const separated = /[ .-]/.test(national);
  // Mixed separators ("12.34-56") are rare in phone numbers and common in codes.
  const seps = new Set(national.replace(/[\d()]/g, ''));
  if (seps.size > 1 && !paren) return 0;
  if (plus) return digits.length >= 8 ? 0.95 : 0;
  if (paren) return digits.length >= 9 ? 0.9 : cue ? 0.8 : 0;
  if (cue) return 0.85;
  // No cue: national formats only. 10-11 digits in groups, starting with 0 (EU trunk prefix) or
  // looking like a NANP number (ten digits, area code not starting with 0 or 1).
  if (!separated) return 0;
  if (digits.length === 10 && /^[2-9]\d{9}$/.test(digits) && /^\d{3}[ .-]\d{3}[ .-]\d{4}$/.test(match)) return 0.8;
  if (digits.startsWith('0') && digits.length >= 10 && digits.length <= 12) return 0.75;
  return 0;
}

export function detectPhones(text: string, out: Candidate[]): void {
  for (const m of text.matchAll(PHONE)) {
    const start = m.index;
    const confidence = phoneConfidence(text, start, m[0]);
    if (confidence > 0) out.push({ kind: 'phone', start, end: start + m[0].length, confidence });
  }
}

const IPV4 = /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d|-[A-Za-z0-9])/g;
const OCTET = /^(?:0|[1-9]\d{0,2})$/;
const VERSION_CUE = /\b(?:v|ver|version|release|build|rev|revision|firmware|update|patch|sdk|api)\.?\s*$/i;

export function detectIpAddresses(text: string, out: Candidate[]): void {
  if (text.includes('.')) {
    for (const m of text.matchAll(IPV4)) {
      const parts = m[0].split('.');
      if (!parts.every((p) => OCTET.test(p) && Number(p) <= 255)) continue;
      if (VERSION_CUE.test(before(text, m.index, 12))) continue;
      out.push({ kind: 'ip_address', start: m.index, end: m.index + m[0].length, confidence: 0.9 });
    }
  }
  if (text.includes('::') || /[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:/.test(text)) {
    for (const m of text.matchAll(IPV6)) {
      const cand = m[0];
      // Times ("10:30:00") and bare "::" are not addresses; isIPv6 checks the structure.
      if (!isIPv6(cand) || cand.replace(/[^0-9A-Fa-f]/g, '').length < 3) continue;
      if (/^\d{1,2}:\d{2}(?::\d{2})?$/.test(cand)) continue;
      if (after(text, m.index + cand.length, 1) === ':') continue;
      out.push({ kind: 'ip_address', start: m.index, end: m.index + cand.length, confidence: 0.9 });
    }
  }
}

// The lookahead demands two colons early, so ordinary hex-letter words ("face", "bad") never start a match.
const IPV6 = /(?<![\w:.])(?=[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:)[0-9A-Fa-f:]{2,39}(?:\.\d{1,3}){0,3}(?![\w:])/g;
