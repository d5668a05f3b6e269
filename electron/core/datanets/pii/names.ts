import { lexicon } from './lexicon';
import { isPlaceAt, STATE_WORDS } from './places';
import type { Candidate } from './types';
import { capitalTokens, type Token } from './tokens';

/** How person names are found, and what that means for recall. */
export interface NameDetectionInfo {
  mode: 'heuristic' | 'model' | 'off';
  note: string;
}

/** A person-name span found by a NameDetector. */
export interface NameSpan {
  start: number;
  end: number;
  confidence: number;
}

/**
 * A source of person-name spans. The built-in one is rules plus census name lists; a model-backed one
 * (for example @huggingface/transformers running a locally installed token-classification model)
 * can implement this interface and be passed to detectPiiAsync. None ships with the app.
 */
export interface NameDetector {
  readonly info: NameDetectionInfo;
  detectNames(text: string): NameSpan[] | Promise<NameSpan[]>;
}

export const HEURISTIC_NAME_DETECTION: NameDetectionInfo = {
  mode: 'heuristic',
  note:
    'Person names are found by rules and word lists, without a model: the 1990 US Census first-name and surname lists ' +
    '(about 94,000 names), cue words (titles, "Patient", "her daughter", "signed by", "v."), "Last, First", initials ' +
    'and all-caps headers. A census name that is also an ordinary word ("Hope", "Will") counts only with such a cue or ' +
    'next to another name. Names outside the lists are found only next to a cue or a listed first name. A local NER model ' +
    '(token classification) can be plugged in as a NameDetector; a model is not installed.',
};

/** What the app currently does for names. */
export const nameDetection: NameDetectionInfo = HEURISTIC_NAME_DETECTION;

const TITLES = new Set(['mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'prof', 'professor', 'sir', 'dame', 'judge', 'justice', 'rev', 'hon', 'nurse',
  'sister', 'officer', 'det', 'detective', 'sgt', 'sergeant', 'atty', 'attorney', 'counsel', 'councillor', 'master', 'madam', 'lady', 'lord']);
const ABBREVIATED_TITLES = new Set(['mr', 'mrs', 'ms', 'mx', 'dr', 'prof', 'rev', 'hon', 'det', 'sgt', 'atty', 'st', 'v', 'vs', 'cc', 'attn', 'pt', 're']);
// Words after which the next capitalised words are a person: roles, relatives, labels, verbs of signing.
const CUE_WORDS = new Set(['patient', 'pt', 'client', 'claimant', 'defendant', 'plaintiff', 'respondent', 'petitioner', 'appellant', 'appellee',
  'applicant', 'witness', 'decedent', 'deceased', 'tenant', 'landlord', 'employee', 'employer', 'resident', 'member', 'insured', 'beneficiary',
  'guarantor', 'debtor', 'creditor', 'deponent', 'affiant', 'testator', 'executor', 'executrix', 'trustee', 'minor', 'child', 'infant', 'baby',
  'daughter', 'son', 'wife', 'husband', 'mother', 'father', 'mom', 'mum', 'dad', 'sister', 'brother', 'partner', 'spouse', 'friend', 'neighbour',
  'neighbor', 'carer', 'caregiver', 'caretaker', 'aunt', 'uncle', 'niece', 'nephew', 'cousin', 'grandson', 'granddaughter', 'grandmother',
  'grandfather', 'grandma', 'grandpa', 'stepson', 'stepdaughter', 'stepmother', 'stepfather', 'fiance', 'fiancé', 'fiancée', 'girlfriend',
  'boyfriend', 'guardian', 'colleague', 'roommate', 'flatmate', 'sibling', 'twin', 'kin', 'contact', 'name', 'named', 'called', 'by', 'attn',
  'attention', 'cc', 'dear', 'hi', 'hello', 'signed', 'signature', 'physician', 'doctor', 'surgeon', 'clinician', 'provider', 'pcp', 'gp',
  'therapist', 'midwife', 'pharmacist', 'paramedic', 'solicitor', 'lawyer', 'paralegal', 'interpreter', 'translator', 'notary', 'mediator',
  'arbitrator', 'caseworker', 'referrer', 'v', 'vs', 'versus', 're', 'regarding', 'with', 'mr.', 'from', 'to', 'and', 'of', 'for']);
// Weak cues: only count before a census name (they are too common to make any capitalised word a name).
const WEAK_CUES = new Set(['by', 'with', 'from', 'to', 'and', 'of', 'for', 're', 'regarding', 'called', 'named', 'contact', 'name']);
const LOCATIVE = new Set(['in', 'from', 'to', 'near', 'at', 'into', 'outside', 'around', 'via', 'toward', 'towards', 'of', 'through']);
// Capitalised words of clinical and legal documents that are never names, even where a census list has them.
const NEVER_NAMES = new Set(['The', 'This', 'That', 'These', 'Those', 'Patient', 'Client', 'Sir', 'Madam', 'Team', 'All', 'Doctor', 'Nurse',
  'Unknown', 'Redacted', 'None', 'Name', 'Not', 'See', 'Yes', 'No', 'Male', 'Female', 'Street', 'Road', 'Avenue', 'Hospital', 'Clinic',
  'Court', 'County', 'Company', 'Ltd', 'Inc', 'LLC', 'LLP', 'Department', 'Ward', 'Date', 'Please', 'Thank', 'Thanks', 'Dear', 'Regards',
  'Sincerely', 'Kind', 'Best', 'Plan', 'Care', 'Center', 'Centre', 'Medical', 'Health', 'General', 'Memorial', 'Regional', 'University',
  'Emergency', 'Discharge', 'Summary', 'Instructions', 'Referral', 'Intake', 'Form', 'History', 'Notes', 'Note', 'Re', 'Subject', 'Case',
  'Order', 'Judge', 'Law', 'Office', 'Services', 'State', 'City', 'Town', 'Village', 'Park', 'Floor', 'Suite', 'Unit', 'Room', 'Box',
  'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday', 'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December', 'English', 'Spanish', 'French', 'Medicare', 'Medicaid', 'Type',
  'Follow', 'Take', 'Call', 'Return', 'Stop', 'Continue', 'Start', 'Avoid', 'Keep', 'Use', 'Bring', 'Tel', 'Fax', 'Phone', 'Email',
  'Page', 'Exhibit', 'Section', 'Clause', 'Schedule', 'Appendix', 'Dept', 'St', 'Mt', 'Fort', 'Lake', 'North', 'South', 'East', 'West',
  'New', 'Mother', 'Father', 'Daughter', 'Son', 'Wife', 'Husband', 'Brother', 'Sister', 'Friend', 'Partner', 'Guardian', 'Witness',
  'Plaintiff', 'Defendant', 'Claimant', 'Respondent', 'Petitioner', 'Appellant', 'Attorney', 'Counsel', 'Tenant', 'Landlord', 'Employee',
  'Dr', 'Mr', 'Mrs', 'Ms', 'Prof', 'Miss', 'Mx', 'Rev', 'Hon', 'Officer', 'Chief', 'Complaint', 'Assessment', 'Diagnosis', 'Medications',
  'Allergies', 'Signed', 'Signature', 'Reason', 'Visit', 'Admission', 'Admitted', 'Seen', 'Reviewed', 'Address', 'Phone', 'Contact']);
const ORG_AFTER = new Set(['Hospital', 'Clinic', 'Center', 'Centre', 'University', 'College', 'School', 'Medical', 'Health', 'Healthcare',
  'Institute', 'Foundation', 'Pharmacy', 'Laboratories', 'Labs', 'Group', 'Associates', 'LLP', 'LLC', 'Inc', 'Ltd', 'Corporation', 'Corp',
  'Street', 'St', 'Avenue', 'Ave', 'Road', 'Rd', 'Lane', 'Drive', 'Boulevard', 'Blvd', 'Court', 'County', 'Way', 'Place', 'Syndrome',
  'Disease', 'Hall', 'Building', 'House', 'Park', 'Bank', 'Trust', 'Partners', 'Law', 'Insurance']);
const PARTICLES = new Set(['van', 'von', 'de', 'der', 'den', 'da', 'del', 'della', 'di', 'du', 'la', 'le', 'bin', 'ibn', 'al', 'el', 'ter', 'ten', 'dos', 'das']);
// A name is written Capitalised-then-lower-case (O'Brien, Anna-Lena); "StreetMRN" is not one.
const NAME_SHAPE = /^\p{Lu}(?:['’]\p{Lu})?[\p{Ll}'’]+(?:\p{Lu}[\p{Ll}'’]+)?(?:-\p{Lu}?[\p{Ll}'’]+)?$/u;
const EPONYM_AFTER = /^(?:['’]s)?\s(?:disease|syndrome|palsy|sign|phenomenon|test|score|criteria|classification|procedure|operation|fracture|tumou?r|lymphoma|disorder|maneuver|manoeuvre|reflex|ulcer|cyst|hernia|node)\b/;
const DRUG_SUFFIX = /(?:mycin|cillin|olol|pril|sartan|statin|azole|prazole|dipine|mab|nib|oxacin|cycline|semide|zepam|zolam|parin|xaban|gliptin|gliflozin|formin|profen|tidine|triptan|setron|vir|caine)$/;
const SPEECH_VERBS = /^\s+(?:reports?|reported|states?|stated|says|said|called|denies|denied|notes?|noted|was|is|has|had|presents?|presented|attended|arrived|agreed|declined|signed|testified|confirmed|wrote|asked|will|would|can|may|visited|returned|came|lives|lived)\b/;

interface Candidates {
  out: Candidate[];
}

/** Whether a token can be part of a name at all (census name, or an unlisted capitalised word that is not a known non-name). */
function nameLike(t: Token): boolean {
  if (t.initial) return true;
  return !NEVER_NAMES.has(t.norm);
}

function listed(t: Token): 'first' | 'last' | 'both' | null {
  const { first, last } = lexicon();
  const f = first.has(t.norm);
  const l = last.has(t.norm);
  return f && l ? 'both' : f ? 'first' : l ? 'last' : null;
}

function isWord(t: Token): boolean {
  const lower = t.norm.toLowerCase();
  const { words } = lexicon();
  // "Full-face", "Follow-up": hyphenated ordinary words.
  return words.has(lower) || (lower.includes('-') && lower.split('-').every((p) => words.has(p)));
}

function common(t: Token): boolean {
  return lexicon().commonWord.has(t.norm) || NEVER_NAMES.has(t.norm);
}

/** The word ending at `end` (scanning back over letters and apostrophes): [start, word]. */
function wordBefore(text: string, end: number): [number, string] {
  let i = end;
  while (i > 0 && /[\p{L}'’]/u.test(text[i - 1]!)) i--;
  return [i, text.slice(i, end)];
}

const FILLER_WORDS = new Set(['is', 'was', 'name', 'kin']);

/**
 * The cue word right before a token, if any. Scans back by hand (a regex anchored at the end of
 * a slice costs a scan of the whole slice per token): spaces, an optional colon or comma, an
 * optional abbreviation period, the word; "is", "was", "name" and "of kin" are stepped over.
 */
function cueBefore(text: string, t: Token): { word: string; strong: boolean } | null {
  let i = t.start;
  let colon = false;
  let period = false;
  let comma = false;
  let word = '';
  for (let step = 0; step < 3; step++) {
    while (i > 0 && (text[i - 1] === ' ' || text[i - 1] === '\t')) i--;
    if (i > 0 && text[i - 1] === ':') {
      colon = true;
      i--;
      while (i > 0 && (text[i - 1] === ' ' || text[i - 1] === '\t')) i--;
    } else if (i > 0 && text[i - 1] === ',' && step === 0) {
      comma = true;
      i--;
    }
    period = false;
    if (i > 0 && text[i - 1] === '.') {
      period = true;
      i--;
    }
    const [from, w] = wordBefore(text, i);
    if (!w) return null;
    word = w.toLowerCase().replace(/['’]s$/, '');
    i = from;
    if (!FILLER_WORDS.has(word) || period) break;
    if (word === 'kin') {
      const [ofFrom, of] = wordBefore(text, Math.max(0, i - 1));
      if (of.toLowerCase() === 'of') i = ofFrom;
    }
  }
  if (period && !ABBREVIATED_TITLES.has(word)) return null;
  if (TITLES.has(word)) return !colon && !comma && t.start > i + word.length ? { word, strong: true } : null;
  if (word === 'by' && /\b(?:signed|seen|prepared|reviewed|dictated|attended|represented|referred|accompanied|examined|written|witnessed|authored|sent|treated|assessed|countersigned)\s+$/i.test(text.slice(Math.max(0, i - 16), i))) {
    return { word, strong: true };
  }
  if (!CUE_WORDS.has(word)) return null;
  // "her daughter", "patient's son", "Name:", "signed by": all strong unless the cue is a bare preposition.
  return { word, strong: !WEAK_CUES.has(word) || colon };
}

/** Sentence start: the token opens the text, a line, or follows end punctuation. */
function sentenceInitial(text: string, t: Token): boolean {
  const lead = text.slice(Math.max(0, t.start - 4), t.start);
  return t.start === 0 || /(?:[.!?:;]["')\]]?\s+|\n\s*|^\s+)$/.test(lead) || /^[\s"'(]*$/.test(text.slice(0, t.start));
}

function push(c: Candidates, text: string, tokens: Token[], from: number, to: number, confidence: number): void {
  const start = tokens[from]!.start;
  const end = tokens[to]!.end;
  c.out.push({ kind: 'person_name', start, end, confidence });
}

/** The longest run of name-like tokens from i, joined by single spaces (or a particle), at most 4. */
function runFrom(text: string, tokens: Token[], i: number): number {
  let j = i;
  while (j + 1 < tokens.length && j - i < 3) {
    const gap = text.slice(tokens[j]!.end, tokens[j + 1]!.start);
    if (tokens[j]!.possessive) break;
    const joined = gap === ' ' || (gap.length <= 6 && /^ (?:[a-z]{2,4} ){1,2}$/.test(gap) && gap.trim().split(' ').every((p) => PARTICLES.has(p)));
    if (!joined || !nameLike(tokens[j + 1]!) || ORG_AFTER.has(tokens[j + 1]!.norm)) break;
    if (tokens[j + 1]!.caps !== tokens[i]!.caps && !tokens[j + 1]!.initial) break;
    j++;
  }
  return j;
}

/** The heuristic name spans of a text. */
export function detectNamesHeuristic(text: string, out: Candidate[]): void {
  const tokens = capitalTokens(text);
  if (tokens.length === 0) return;
  const c: Candidates = { out };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (!nameLike(t) || (t.initial && i + 1 >= tokens.length)) continue;
    let end = runFrom(text, tokens, i);
    // A run of Title Case words that ends in an organisation word ("Mary Washington Hospital") is not a person.
    const next = tokens[end + 1];
    if (next && ORG_AFTER.has(next.norm) && text.slice(tokens[end]!.end, next.start) === ' ') {
      i = end + 1;
      continue;
    }
    if (/\b(?:St|Saint|Mount|Mt|Fort|Lake|Port)\.? $/.test(text.slice(Math.max(0, t.start - 6), t.start))) {
      i = end;
      continue;
    }
    const cue = cueBefore(text, t);
    if (cue?.strong && !TITLES.has(cue.word) && !t.initial && isWord(t) && listed(t) === null) {
      // "Patient: Reports chest pain": an ordinary word after a cue is not a name.
      i = end;
      continue;
    }
    // An ordinary word opening a sentence ("Yesterday Robert Alvarez") is not part of the name.
    let from = i;
    while (from < end && !tokens[from]!.initial && isWord(tokens[from]!) && !isFirst(tokens[from]!)) from++;
    while (!cue?.strong && end > from && !tokens[end]!.initial && isWord(tokens[end]!) && listed(tokens[end]!) === null && !isFirst(tokens[end - 1]!)) end--;
    if (from !== i) {
      i = from - 1;
      continue;
    }
    // Eponyms ("Parkinson disease", "Bell palsy") and drug names are not people.
    if (EPONYM_AFTER.test(text.slice(tokens[end]!.end, tokens[end]!.end + 16)) || (end === i && DRUG_SUFFIX.test(t.norm))) {
      i = end;
      continue;
    }
    // A party before "v." in a case caption ("Smith v. Jones").
    const caption = end === i && / (?:v\.|vs\.?|versus) \p{Lu}/u.test(text.slice(t.end, t.end + 10)) && NAME_SHAPE.test(t.norm) && !NEVER_NAMES.has(t.norm);
    const confidence = caption ? 0.8 : accept(text, tokens, i, end, cue);
    if (confidence > 0) {
      const last = tokens[end]!.initial && end > i ? end - 1 : end;
      push(c, text, tokens, i, last, confidence);
      i = end;
      continue;
    }
    const lastFirst = end === i ? surnameCommaFirst(text, tokens, i) : 0;
    if (lastFirst > 0) {
      push(c, text, tokens, i, lastFirst, 0.85);
      i = lastFirst;
      continue;
    }
    i = end;
  }
}

function isFirst(t: Token): boolean {
  const k = listed(t);
  return k === 'first' || k === 'both';
}

/** How sure a run of capitalised tokens [i, end] is a name (0: not one). */
function accept(text: string, tokens: Token[], i: number, end: number, cue: { word: string; strong: boolean } | null): number {
  const t = tokens[i]!;
  const run = tokens.slice(i, end + 1);
  const words = run.filter((x) => !x.initial);
  if (words.length === 0) return 0;
  const kinds = words.map(listed);
  const anyListed = kinds.some((k) => k !== null);
  // Capitals are a heading's style, not evidence: an ALL-CAPS word counts only if a census list has it.
  if (words.some((w) => w.caps) && !(words.every((w) => listed(w) !== null) || (words.length >= 2 && words.some((w) => listed(w) !== null && (!common(w) || cue?.strong))) || (cue?.strong && words.length >= 2 && words.every((w) => !isWord(w))))) return 0;
  if (cue?.strong && cue.word !== 'to' && cue.word !== 'from') return TITLES.has(cue.word) ? 0.9 : 0.85;
  if (run.length >= 2) {
    // "L. Chen": an initial needs a surname that is not an ordinary word ("°C. Blood" is not a name).
    if (run[0]!.initial && words.length === 1) {
      const w = words[0]!;
      const glued = t.start > 0 && !/[\s([,;:"'–-]/.test(text[t.start - 1]!);
      if (glued || NEVER_NAMES.has(w.norm) || (listed(w) === null && isWord(w)) || (common(w) && sentenceInitial(text, t))) return 0;
    }
    const firstOk = run[0]!.initial || isFirst(words[0]!);
    const lastOk = kinds[kinds.length - 1] !== null || !common(run[run.length - 1]!);
    if (firstOk && lastOk) return 0.85;
    // Two or more capitalised words that are neither ordinary words nor known non-names ("Olumide Oyelaran").
    if (words.length >= 2 && words.every((w) => !isWord(w) && !NEVER_NAMES.has(w.norm) && NAME_SHAPE.test(w.norm))) return 0.7;
    if (anyListed && words.length >= 2 && words.every((w) => !common(w))) return 0.75;
    return 0;
  }
  if (t.caps) return 0;
  if (!anyListed) {
    // "I spoke with Olumide": an unlisted, name-shaped word mid-sentence after a preposition, not a place.
    const unlistedOk = cue && !sentenceInitial(text, t) && !isWord(t) && NAME_SHAPE.test(t.norm) && !NEVER_NAMES.has(t.norm) && !lexicon().places.has(t.norm);
    return unlistedOk ? 0.6 : 0;
  }
  const locative = LOCATIVE.has(/([\p{L}]+)\s+$/u.exec(text.slice(Math.max(0, t.start - 12), t.start))?.[1]?.toLowerCase() ?? '');
  if (locative && isPlaceAt(text, t)) return 0;
  // One word: a listed name that is not an ordinary word, mid-sentence, before a reporting verb, possessive, or after a weak cue;
  // a first name that is also a word ("Maria", "Grace") only Title Case after a preposition mid-sentence ("spoke with Maria").
  if (common(t)) return cue && !NEVER_NAMES.has(t.norm) && isFirst(t) && !sentenceInitial(text, t) && ['with', 'to', 'by', 'and'].includes(cue.word) ? 0.6 : 0;
  if (!sentenceInitial(text, t) || SPEECH_VERBS.test(text.slice(t.end, t.end + 14)) || t.possessive || cue) return 0.75;
  return 0;
}

/** "Chen, Linda" and "Hernandez, Hiroshi": the index of the first-name token, or 0. */
function surnameCommaFirst(text: string, tokens: Token[], i: number): number {
  const t = tokens[i]!;
  const n = tokens[i + 1];
  if (!n || t.initial || n.initial || text.slice(t.end, n.start) !== ', ' || t.possessive) return 0;
  if (NEVER_NAMES.has(t.norm) || NEVER_NAMES.has(n.norm)) return 0;
  const surname = listed(t) !== null ? !common(t) || isFirst(n) : !isWord(t) && NAME_SHAPE.test(t.norm);
  const given = isFirst(n) ? !common(n) || listed(t) !== null || !isWord(t) : !isWord(n) && listed(n) === null && NAME_SHAPE.test(n.norm);
  if (!surname || !given || lexicon().places.has(n.norm) || STATE_WORDS.has(n.norm.toLowerCase())) return 0;
  // The given name is followed by lower-case words or the end of a clause, not by more Title Case (a list of places).
  const after = text.slice(n.end, n.end + 3);
  if (/^,\s?\p{Lu}/u.test(after)) return 0;
  const tail = runFrom(text, tokens, i + 1);
  return Math.min(tail, i + 2);
}

/** The built-in heuristic detector, as a NameDetector. */
export const heuristicNameDetector: NameDetector = {
  info: HEURISTIC_NAME_DETECTION,
  detectNames(text: string): NameSpan[] {
    const found: Candidate[] = [];
    detectNamesHeuristic(text, found);
    return found.map(({ start, end, confidence }) => ({ start, end, confidence }));
  },
};
