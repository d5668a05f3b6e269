import statesData from 'zipcodes/lib/states.js';
import { lexicon } from './lexicon';
import { capitalTokens, type Token } from './tokens';
import type { Candidate } from './types';

/**
 * Geography smaller than a state (HIPAA Safe Harbor): a listed US place after a locative word
 * ("lives in Springfield") or before a state ("Ashford, CT"), "X County", and ZIP codes after a
 * state or a ZIP cue. The place list is the zipcodes package's (see lexicon.ts).
 */

const STATES = statesData as { abbr: Record<string, string>; full?: Record<string, string> };
const STATE_ABBR = new Set(Object.keys(STATES.abbr ?? {}));
const STATE_NAMES = new Set(Object.values(STATES.abbr ?? {}).map((n) => n.toLowerCase()));
/** US state names, lower case ("new york", "illinois"). */
export const STATE_WORDS: ReadonlySet<string> = STATE_NAMES;

const LOCATIVE = /(?:\b(?:city|town|county|residence|hometown|birthplace|place of birth)\s*:\s*$|\b(?:in|from|to|near|at|into|outside|around|via|towards?|through|lives|resides|moved|relocated|born|city|town|village|visiting|travel(?:led|ed)?)\s+(?:the\s+(?:city|town|village|county)\s+of\s+)?|\b(?:city|town|village)\s+of\s+)$/i;
const CAP_RUN = /\p{Lu}[\p{Ll}'’.-]{1,25}(?: \p{Lu}[\p{Ll}'’.-]{1,25}){0,3}/uy;
const COUNTY = /(?<![\p{L}])(?:\p{Lu}[\p{Ll}'’.-]{1,25} ){1,3}(?:County|Parish|Borough)\b|\b(?:County|Parish) of (?:\p{Lu}[\p{Ll}'’.-]{1,25} ?){1,3}/gu;
const ZIP_AFTER_STATE = /\b([A-Z]{2}),?\s(\d{5}(?:-\d{4})?)(?!\w)/g;
const ZIP_CUE = /\b(?:zip|zip\s*code|postal\s*code|postcode)\b[\s:#.-]{0,4}(\d{5}(?:-\d{4})?)(?!\w)/gi;
const ZIP_PLUS4 = /(?<![\d-])\d{5}-\d{4}(?![\w-])/g;

const NOT_PLACES_ALONE = /^(?:January|February|March|April|May|June|July|August|September|October|November|December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|English|Spanish|French|Home|Care|Bed|Rest|Hope|Union|Normal|Mission|Early|Order|Court|Office|Clinic|Hospital|Center|General|Plan)$/;

function placeWords(text: string, at: number): { end: number } | null {
  CAP_RUN.lastIndex = at;
  const m = CAP_RUN.exec(text);
  if (!m) return null;
  const words: string[] = [];
  for (const w of m[0].split(' ')) {
    // A period ends the place ("near Lubbock. City: ..."), except in "St." and "Ft.".
    words.push(w.replace(/\.$/, ''));
    if (w.endsWith('.') && !/^(?:St|Ft|Mt)\.$/.test(w)) break;
  }
  const { places, maxPlaceWords } = lexicon();
  for (let n = Math.min(words.length, maxPlaceWords); n >= 1; n--) {
    const cand = words.slice(0, n).join(' ');
    if (places.has(cand)) return { end: at + cand.length };
  }
  return null;
}

function stateAfter(text: string, end: number): boolean {
  const m = /^,\s?([A-Z]{2}\b|[A-Z][a-z]+(?: [A-Z][a-z]+)?)/.exec(text.slice(end, end + 24));
  if (!m) return false;
  return STATE_ABBR.has(m[1]!) || STATE_NAMES.has(m[1]!.toLowerCase());
}

/** Whether the one-word token is a listed place written where a place goes. */
export function isPlaceAt(text: string, t: Token): boolean {
  if (!lexicon().places.has(t.norm) || lexicon().words.has(t.norm.toLowerCase())) return false;
  return LOCATIVE.test(text.slice(Math.max(0, t.start - 40), t.start)) || stateAfter(text, t.end);
}

export function detectLocations(text: string, out: Candidate[]): void {
  const { places } = lexicon();
  if (places.size === 0) return;
  // Listed places, only where a place is written: after a locative word, or before a state.
  const tokens = capitalTokens(text);
  const firstWords = lexicon().placeFirstWords;
  let coveredTo = -1;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.start < coveredTo || t.initial || t.caps || !firstWords.has(t.norm)) continue;
    if (t.start > 0 && /[\p{L}\p{N}_\]]/u.test(text[t.start - 1]!)) continue;
    const p = placeWords(text, t.start);
    if (!p) continue;
    const state = stateAfter(text, p.end);
    const locative = !state && LOCATIVE.test(text.slice(Math.max(0, t.start - 40), t.start));
    // A one-word place that is also a month, a weekday or a word often capitalised in records needs its state.
    const ordinary = !text.slice(t.start, p.end).includes(' ') && NOT_PLACES_ALONE.test(text.slice(t.start, p.end));
    if (state || (locative && !ordinary)) {
      out.push({ kind: 'location', start: t.start, end: p.end, confidence: state ? 0.9 : 0.75 });
      coveredTo = p.end;
    }
  }
  if (/County|Parish|Borough/.test(text)) for (const m of text.matchAll(COUNTY)) out.push({ kind: 'location', start: m.index, end: m.index + m[0].trimEnd().length, confidence: 0.85 });
  for (const m of text.matchAll(ZIP_AFTER_STATE)) {
    if (!STATE_ABBR.has(m[1]!)) continue;
    const start = m.index + m[0].length - m[2]!.length;
    out.push({ kind: 'location', start, end: start + m[2]!.length, confidence: 0.9 });
  }
  for (const m of text.matchAll(ZIP_CUE)) {
    const start = m.index + m[0].length - m[1]!.length;
    out.push({ kind: 'location', start, end: start + m[1]!.length, confidence: 0.9 });
  }
  for (const m of text.matchAll(ZIP_PLUS4)) out.push({ kind: 'location', start: m.index, end: m.index + m[0].length, confidence: 0.8 });
}
