import { dateValid } from './checksums';
import { before } from './context';
import type { Candidate } from './types';

/**
 * Every date element but the year (HIPAA Safe Harbor): numeric dates, dates with a month name
 * ("May 3, 2021", "3rd of May", "May 2021"), and ages over 89. A bare year or a bare month name is
 * left alone; a numeric day/month without a year ("3/4") counts only after a date cue, since
 * "1/2 tablet" is not a date.
 */

const MONTH = String.raw`(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)`;
const DAY = String.raw`(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?`;
const YEAR = String.raw`(?:1[89]\d\d|20\d\d)`;
const WEEKDAY = String.raw`(?:(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs)?|Fri|Sat(?:ur)?|Sun)(?:day)?\.?,?\s)?`;
// Month-name dates; the year is part of the date span (masking "3 May" but leaving "2021" beside it helps no one).
const NAMED_DATE = new RegExp(
  String.raw`(?<![\p{L}\d/.-])${WEEKDAY}(?:${DAY}\s(?:of\s)?${MONTH}\.?(?:,?\s${YEAR})?|${MONTH}\.?\s(?:the\s)?${DAY}(?:,?\s${YEAR})?(?!\d|:\d)|${MONTH}\.?,?\s${YEAR})(?![\p{L}\d])`,
  'gu',
);
const NUMERIC_DATE = /(?<![\d/.:-])(?:(\d{4})([-/.])(\d{1,2})\2(\d{1,2})|(\d{1,2})([-/.])(\d{1,2})\6(\d{4}|\d{2}))(?![\d/]|:\d|[.-]\d)/g;
const SHORT_DATE = /(?<![\d/.:-])(\d{1,2})\/(\d{1,2})(?![\d/]|\.\d)/g;
const SHORT_DATE_CUE = /\b(?:on|since|from|until|till|to|by|dated?|admitted|discharged|seen|returned|visit|appointment|surgery|injury|onset|started|stopped|DOS|DOA|DOD|d\/c)\b[\s:,]*$/i;

function validNumeric(m: RegExpMatchArray): boolean {
  if (m[1]) return dateValid(+m[1], +m[3]!, +m[4]!);
  const y = m[8]!.length === 2 ? 2000 + +m[8]! : +m[8]!;
  // 3-3-2021 and "1.2.10" are often versions or scores: the two-digit-year form needs slashes or dashes.
  if (m[8]!.length === 2 && m[6] === '.') return false;
  return dateValid(y, +m[7]!, +m[5]!) || dateValid(y, +m[5]!, +m[7]!);
}

export function detectDates(text: string, out: Candidate[]): void {
  if (/\d/.test(text)) {
    for (const m of text.matchAll(NUMERIC_DATE)) {
      if (!validNumeric(m)) continue;
      // "version 1.2.2024" or "IP 10.1.1.10": a date shape inside a longer dotted code.
      if (m[2] === '.' || m[6] === '.') {
        if (/\b(?:v|ver|version|build|release|IP)\.?\s*$/i.test(before(text, m.index, 10))) continue;
      }
      out.push({ kind: 'date', start: m.index, end: m.index + m[0].length, confidence: 0.85 });
    }
    for (const m of text.matchAll(SHORT_DATE)) {
      const mo = +m[1]!;
      const d = +m[2]!;
      if (!(dateValid(2000, mo, d) || dateValid(2000, d, mo))) continue;
      if (!SHORT_DATE_CUE.test(before(text, m.index, 24))) continue;
      out.push({ kind: 'date', start: m.index, end: m.index + m[0].length, confidence: 0.7 });
    }
  }
  if (!/Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec/.test(text)) return;
  for (const m of text.matchAll(NAMED_DATE)) {
    let s = m[0];
    // "May" and "March" are also words: a bare "May 2" needs a capital M and a plausible day.
    if (/^May\s(?:the\s)?\d/.test(s) === false && /^may\b/.test(s)) continue;
    s = s.replace(/[,\s]+$/, '');
    out.push({ kind: 'date', start: m.index, end: m.index + s.length, confidence: 0.85 });
  }
}

// Ages 90 and over, however written: "93-year-old", "aged 93", "age: 93", "93 y/o", "93 yrs".
const AGE_AFTER = /(?<![\d.])(9\d|1[01]\d)(?:\s?-?\s?(?:years?|yrs?|y\.?o\.?|y\/o|yo|year-old|years-old)\b(?:[\s-]old)?)/gi;
const AGE_BEFORE = /\b(?:aged?|age:|age is|aged about|ages?)\s*:?\s*(9\d|1[01]\d)(?![\d.])/gi;
const NONAGENARIAN = /\b(?:nonagenarian|centenarian)\b/gi;

export function detectAges(text: string, out: Candidate[]): void {
  if (!/9\d|1[01]\d|enarian/.test(text)) return;
  for (const m of text.matchAll(AGE_AFTER)) out.push({ kind: 'age', start: m.index, end: m.index + m[0].length, confidence: 0.9 });
  for (const m of text.matchAll(AGE_BEFORE)) {
    const start = m.index + m[0].length - m[1]!.length;
    out.push({ kind: 'age', start, end: start + m[1]!.length, confidence: 0.85 });
  }
  for (const m of text.matchAll(NONAGENARIAN)) out.push({ kind: 'age', start: m.index, end: m.index + m[0].length, confidence: 0.8 });
}
