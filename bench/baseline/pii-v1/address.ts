import type { Candidate } from './types';

const SUFFIX = 'Street|St|Avenue|Ave|Av|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Way|Terrace|Ter|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Square|Sq|Crescent|Cres|Close|Gardens|Grove|Row|Walk|Trail|Trl';
const NAME_WORD = String.raw`(?:\d{1,3}(?:st|nd|rd|th)|\p{Lu}[\p{Ll}'’-]{1,20}\.?)`;
const UNIT = String.raw`(?:,?\s(?:Apt|Apartment|Suite|Ste|Unit|Flat|Fl|Floor|Room|Rm|#)\.?\s?#?[A-Za-z0-9-]{1,6})?`;
const CITY = String.raw`\p{Lu}[\p{Ll}'’-]{1,20}(?:\s\p{Lu}[\p{Ll}'’-]{1,20}){0,2}`;
const US_ZIP = String.raw`\d{5}(?:-\d{4})?`;
const UK_POSTCODE = String.raw`[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}`;
// City only counts when a state, ZIP or postcode follows: ", Springfield, IL 62704".
const LOCALITY = String.raw`(?:,\s${CITY},?\s(?:[A-Z]{2}\s${US_ZIP}|[A-Z]{2}(?![\p{L}\d])|${US_ZIP}|${UK_POSTCODE}))?`;

/**
 * House number, one to four capitalised street-name words, a street suffix, then optionally a unit
 * and a city with state/ZIP. Bounded repetition throughout: linear time on any input.
 */
const STREET_ADDRESS = new RegExp(
  String.raw`(?<![\p{L}\d])\d{1,6}[A-Za-z]?\s(?:${NAME_WORD}\s){1,4}(?:${SUFFIX})\b\.?${UNIT}${LOCALITY}`,
  'gu',
);

export function detectStreetAddresses(text: string, out: Candidate[]): void {
  for (const m of text.matchAll(STREET_ADDRESS)) {
    let end = m.index + m[0].length;
    // A trailing period belongs to the sentence unless it abbreviates the suffix ("Main St.").
    if (text[end - 1] === '.' && !/\b(?:St|Ave|Av|Rd|Blvd|Ln|Dr|Ct|Pl|Ter|Cir|Pkwy|Hwy|Sq|Cres|Trl)\.$/.test(m[0])) end--;
    out.push({ kind: 'street_address', start: m.index, end, confidence: m[0].includes(',') ? 0.9 : 0.8 });
  }
}
