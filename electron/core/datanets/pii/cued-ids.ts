import type { Candidate, PiiKind } from './types';

/**
 * Identifiers that look like any other code and are told apart only by the words before them:
 * account and health-plan numbers, licence and certificate numbers, case and docket numbers,
 * vehicle identifiers and plates, device serials, and biometric or photo references.
 */

interface CuedRule {
  kind: PiiKind;
  cue: RegExp;
  /** Allows one inner space ("AB12 CDE" plates). */
  spaced?: boolean;
}

const NUMBER_WORD = String.raw`(?:\s*(?:number|num|no\.?|nr\.?|#|id|identifier|code|ref\.?))?`;
const rules: CuedRule[] = [
  // First: "licence plate" must not be read as a licence number.
  { kind: 'vehicle_id', cue: /\b(?:vin|vehicle identification number|(?:licen[cs]e|number|registration|reg\.?)\s+plate(?:\s+(?:number|no\.?))?|plate(?:\s+(?:number|no\.?))|vehicle registration(?:\s+(?:number|no\.?))?|reg(?:istration)?\.?\s+(?:number|no\.?))/gi, spaced: true },
  { kind: 'account_number', cue: new RegExp(String.raw`\b(?:account|acct\.?|a\/c|billing account|bank account|health plan(?: beneficiary| member| subscriber)?|plan member|member|subscriber|beneficiary|policy(?:holder)?|(?<!national )insurance|insurance policy|medicare|medicaid|group)${NUMBER_WORD}`, 'gi') },
  { kind: 'license_number', cue: new RegExp(String.raw`\b(?:licen[cs]e|certificate|dea|npi|bar|passport)${NUMBER_WORD}`, 'gi') },
  { kind: 'case_number', cue: new RegExp(String.raw`\b(?:case|docket|claim|index|civil action|cause|matter|file|court file|appeal|proceedings?)${NUMBER_WORD}`, 'gi') },
  { kind: 'device_id', cue: new RegExp(String.raw`\b(?:serial|s\/n|sn|device|udi|imei|implant|pacemaker|defibrillator|icd|pump|monitor|hearing aid|catheter)(?:\s+(?:serial|model))?${NUMBER_WORD}`, 'gi') },
  { kind: 'biometric', cue: /\b(?:fingerprints?|finger\s?print|retinal?\s+scan|iris\s+scan|voice\s?prints?|palm\s?prints?|face\s+scan|facial\s+(?:image|photo(?:graph)?|scan)|full[- ]face\s+photo(?:graph)?|photo(?:graph)?s?|biometric(?:\s+(?:template|record|id))?|dna\s+(?:profile|sample))(?:\s+(?:id|file|record|image|template|ref(?:erence)?))?/gi },
];

const FILLER = /[\s:#.=()-]{0,6}(?:(?:is|was|of|on file|ending in|no\.?|number|#|:)\s*){0,3}/iy;
const CODE = /[A-Za-z0-9](?:[A-Za-z0-9/_.-]{1,30}[A-Za-z0-9])?/y;
const FILE_NAME = /[\w-]{1,40}\.(?:jpe?g|png|heic|tiff?|bmp|gif|dcm|wav|mp3|wsq)\b/iy;

function codeAt(text: string, at: number, spaced: boolean, biometric: boolean): { start: number; end: number } | null {
  FILLER.lastIndex = at;
  const f = FILLER.exec(text);
  const start = at + (f ? f[0].length : 0);
  if (biometric) {
    FILE_NAME.lastIndex = start;
    const file = FILE_NAME.exec(text);
    if (file) return { start, end: start + file[0].length };
  }
  CODE.lastIndex = start;
  const m = CODE.exec(text);
  if (!m) return null;
  let end = start + m[0].length;
  if (spaced) {
    const more = /^ [A-Z0-9]{2,4}(?![A-Za-z0-9])/.exec(text.slice(end, end + 6));
    if (more && /\d/.test(m[0]) && /^[A-Z0-9]+$/.test(m[0])) end += more[0].length;
  }
  const code = text.slice(start, end);
  // IBAN-shaped codes belong to the IBAN check (and its synthetic XX00 pseudonyms).
  if (/^[A-Z]{2}\d{2} [A-Z0-9]{4}/.test(text.slice(start, start + 12)) || (/^[A-Z]{2}\d{2}[A-Z0-9]{11,}$/.test(code))) return null;
  // An identifier has digits; a word that follows a cue ("account holder", "device settings") is not one.
  if ((code.match(/\d/g)?.length ?? 0) < 2 || code.length < 4) return null;
  // Dates and SSN shapes are other detectors' (and SSN pseudonyms, 9xx-xx-xxxx, are never identifiers).
  if (/^\d{1,2}[/.]\d{1,2}[/.]\d{2,4}$/.test(code) || /^\d{3}-\d{2}-\d{4}$/.test(code)) return null;
  return { start, end };
}

// All cues in one alternation, one capture group per rule: the text is scanned once, not once per rule.
const ANY_CUE = new RegExp(rules.map((r) => `(${r.cue.source})`).join('|'), 'gi');

export function detectCuedIds(text: string, out: Candidate[]): void {
  if (!/\d/.test(text)) return;
  for (const m of text.matchAll(ANY_CUE)) {
    const r = rules[m.slice(1).findIndex((g) => g !== undefined)]!;
    const span = codeAt(text, m.index + m[0].length, r.spaced ?? false, r.kind === 'biometric');
    if (span) out.push({ kind: r.kind, start: span.start, end: span.end, confidence: 0.85 });
  }
  // A 17-character VIN (no I, O or Q) is a vehicle identifier without a cue.
  for (const m of text.matchAll(/\b[A-HJ-NPR-Z0-9]{17}\b/g)) {
    if (/\d/.test(m[0]) && /[A-Z]/.test(m[0])) out.push({ kind: 'vehicle_id', start: m.index, end: m.index + 17, confidence: 0.8 });
  }
  // Federal docket numbers ("2:21-cv-01234") name a case wherever they are written.
  for (const m of text.matchAll(/(?<![\w-])\d{1,2}:\d{2}-(?:cv|cr|bk|mc|md|ap)-\d{3,6}(?:-[A-Z]{2,4})?(?![\w-])/gi)) {
    out.push({ kind: 'case_number', start: m.index, end: m.index + m[0].length, confidence: 0.9 });
  }
}
