import { dateValid, ssnValid } from './checksums';
import { before } from './context';
import type { Candidate } from './types';

// SSN: 3-2-4 with one consistent separator (dash or space), or 9 digits run together after a cue.
const SSN = /(?<![\w-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\w-]|[ ]\d)/g;
const SSN_COMPACT = /(?<![\w-])\d{9}(?![\w-])/g;
const SSN_CUE = /\b(?:ssn|social security(?: number| no\.?)?|ss#|soc\.? sec\.?)[\s:#.-]*(?:is\s+)?$/i;
// UK National Insurance number: two prefix letters (some never issued), six digits, suffix A-D.
const NINO = /(?<![A-Za-z0-9])(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![A-Za-z0-9])/g;

export function detectNationalIds(text: string, out: Candidate[]): void {
  for (const m of text.matchAll(SSN)) {
    if (!ssnValid(m[1]! + m[3]! + m[4]!)) continue;
    const cue = SSN_CUE.test(before(text, m.index, 30));
    // Dash-separated 3-2-4 is the SSN's own shape; space-separated needs a cue.
    if (m[2] === ' ' && !cue) continue;
    out.push({ kind: 'national_id', start: m.index, end: m.index + m[0].length, confidence: cue ? 0.95 : 0.85 });
  }
  for (const m of text.matchAll(SSN_COMPACT)) {
    if (ssnValid(m[0]) && SSN_CUE.test(before(text, m.index, 30))) {
      out.push({ kind: 'national_id', start: m.index, end: m.index + 9, confidence: 0.9 });
    }
  }
  for (const m of text.matchAll(NINO)) {
    out.push({ kind: 'national_id', start: m.index, end: m.index + m[0].length, confidence: 0.85 });
  }
}

// Cues for a medical record number, then an identifier with at least 4 digits.
const MRN_CUE = /(?:\b(?:MRN|medical\s+record(?:\s+(?:number|no))?|patient\s+(?:id|identifier|number|no)|chart\s+(?:number|no)|hospital\s+(?:number|no)|NHS\s+(?:number|no))\b\.?|\b(?:medical\s+record|chart)\s*#)/gi;
// One code ("PT-0093321"), or a number printed in groups of 3-4 digits ("943 476 5919", NHS style).
const MRN_VALUE = /^[\s:#.=-]{0,6}(?:(?:is|was)\s+)?([A-Z0-9](?:[A-Z0-9-]{0,18}[A-Z0-9])?(?: \d{3,4}){0,3})(?![A-Za-z0-9-])/i;

export function detectMrns(text: string, out: Candidate[]): void {
  for (const cue of text.matchAll(MRN_CUE)) {
    const from = cue.index + cue[0].length;
    const m = MRN_VALUE.exec(text.slice(from, from + 40));
    if (!m) continue;
    const id = m[1]!;
    if (id.replace(/\D/g, '').length < 4) continue;
    const start = from + m[0].length - id.length;
    out.push({ kind: 'mrn', start, end: start + id.length, confidence: 0.9 });
  }
}

// A date of birth is a date shortly after a DOB cue; a bare date is not one.
const DOB_CUE = /(?:\bDOB\b|\bD\.O\.B\.?|\bdate\s+of\s+birth\b|\bbirth\s*date\b|\bbirthday\b|\bborn(?:\s+on)?\b|\bgeb\.|\bgeboren(?:\s+am)?\b|\bné(?:e)?\s+le\b|\bfecha\s+de\s+nacimiento\b)/gi;
const MONTHS = 'jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|januar|februar|märz|mai|juni|juli|oktober|dezember';
const MONTH_INDEX: Record<string, number> = { jan: 1, feb: 2, mar: 3, mär: 3, apr: 4, may: 5, mai: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, okt: 10, nov: 11, dec: 12, dez: 12 };
const FILLER = String.raw`^[\s:,(=–-]{0,6}(?:(?:is|was|on|am|le)\s+)?`;
const DATE_NUMERIC = new RegExp(`${FILLER}(?:(\\d{4})[-/.](\\d{1,2})[-/.](\\d{1,2})|(\\d{1,2})[-/.](\\d{1,2})[-/.](\\d{4}|\\d{2}))(?![\\d/.-]\\d)`, 'i');
const DATE_DAY_MONTH = new RegExp(`${FILLER}(\\d{1,2})(?:st|nd|rd|th)?\\.?\\s+(?:of\\s+)?(${MONTHS})\\.?,?\\s+(\\d{4})(?!\\d)`, 'i');
const DATE_MONTH_DAY = new RegExp(`${FILLER}(${MONTHS})\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})(?!\\d)`, 'i');

function monthNumber(name: string): number {
  return MONTH_INDEX[name.toLowerCase().slice(0, 3)] ?? 0;
}

function plausible(year: number, month: number, day: number): boolean {
  return year >= 1880 && year <= 2100 && dateValid(year, month, day);
}

export function detectDatesOfBirth(text: string, out: Candidate[]): void {
  for (const cue of text.matchAll(DOB_CUE)) {
    const from = cue.index + cue[0].length;
    const window = text.slice(from, from + 48);
    let m = DATE_NUMERIC.exec(window);
    let ok = false;
    if (m) {
      if (m[1]) ok = plausible(+m[1], +m[2]!, +m[3]!);
      else {
        const y = m[6]!.length === 2 ? 1900 + +m[6]! : +m[6]!;
        // Day-first or month-first: either reading being a real date is enough.
        ok = plausible(y, +m[5]!, +m[4]!) || plausible(y, +m[4]!, +m[5]!);
      }
    } else if ((m = DATE_DAY_MONTH.exec(window))) {
      ok = plausible(+m[3]!, monthNumber(m[2]!), +m[1]!);
    } else if ((m = DATE_MONTH_DAY.exec(window))) {
      ok = plausible(+m[3]!, monthNumber(m[1]!), +m[2]!);
    }
    if (!m || !ok) continue;
    const lead = /^[\s:,(=–-]*(?:(?:is|was|on|am|le)\s+)?/i.exec(window)![0].length;
    out.push({ kind: 'date_of_birth', start: from + lead, end: from + m[0].length, confidence: 0.9 });
  }
}
