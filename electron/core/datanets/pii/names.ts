import { lexicon } from './lexicon';
import { isPlaceAt } from './places';
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
  return lexicon().words.has(t.norm.toLowerCase());
}

function common(t: Token): boolean {
  return lexicon().commonWord.has(t.norm) || NEVER_NAMES.has(t.norm);
}

/** The cue word right before token i (lower case, without its period or colon), if any. */
function cueBefore(text: string, t: Token): { word: string; strong: boolean } | null {
  const lead = text.slice(Math.max(0, t.start - 32), t.start);
  const m = /([\p{L}.'’]+)\.?[:,]?\s*(?:of\s+kin\s*:?\s*|name\s*:?\s*|is\s+|was\s+|:\s*)?$/u.exec(lead);
  if (!m) return null;
  let word = m[1]!.toLowerCase().replace(/[.'’]+$/, '').replace(/['’]s$/, '');
  if (word.endsWith('.')) word = word.slice(0, -1);
  if (TITLES.has(word)) return /[\p{L}.]\s$/u.test(lead) ? { word, strong: true } : null;
  if (word === 'by' && /\b(?:signed|seen|prepared|reviewed|dictated|attended|represented|referred|accompanied|examined|written|witnessed|authored|sent|treated|assessed|countersigned)\s+by\s*$/i.test(lead)) {
    return { word, strong: true };
  }
  if (!CUE_WORDS.has(word)) return null;
  // "her daughter", "patient's son", "Name:", "signed by": all strong unless the cue is a bare preposition.
  return { word, strong: !WEAK_CUES.has(word) || /:\s*$/.test(lead) };
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
    const prev = text.slice(Math.max(0, t.start - 6), t.start);
    if (/\b(?:St|Saint|Mount|Mt|Fort|Lake|Port)\.? $/.test(prev)) {
      i = end;
      continue;
    }
    // An ordinary word opening a sentence ("Yesterday Robert Alvarez") is not part of the name.
    const cueFirst = cueBefore(text, t);
    if (cueFirst?.strong && !TITLES.has(cueFirst.word) && !t.initial && isWord(t) && listed(t) === null) {
      // "Patient: Reports chest pain": an ordinary word after a cue is not a name.
      i = end;
      continue;
    }
    let from = i;
    while (from < end && !tokens[from]!.initial && isWord(tokens[from]!) && listed(tokens[from]!) !== 'first' && listed(tokens[from]!) !== 'both') from++;
    while (!cueFirst?.strong && end > from && !tokens[end]!.initial && isWord(tokens[end]!) && listed(tokens[end]!) === null && !['first', 'both'].includes(listed(tokens[end - 1]!) ?? '')) end--;
    if (from !== i) {
      i = from - 1;
      continue;
    }
    const run = tokens.slice(i, end + 1);
    const cue = cueFirst;
    const words = run.filter((x) => !x.initial);
    const kinds = words.map(listed);
    const anyListed = kinds.some((k) => k !== null);
    const place = words.length === 1 && isPlaceAt(text, t);
    const locative = LOCATIVE.has(/([\p{L}]+)\s+$/u.exec(text.slice(Math.max(0, t.start - 12), t.start))?.[1]?.toLowerCase() ?? '');
    let accept = 0;
    if (cue?.strong && words.length > 0 && !(cue.word === 'to' || cue.word === 'from')) accept = TITLES.has(cue.word) ? 0.9 : 0.85;
    else if (words.length === 0) accept = 0;
    else if (run.length >= 2) {
      // Two or more name words: First Last, First M. Last, L. Last, or an unlisted surname after a listed first name.
      const firstOk = run[0]!.initial || kinds[0] === 'first' || kinds[0] === 'both';
      const lastOk = kinds[kinds.length - 1] !== null || !common(run[run.length - 1]!);
      const uncommon = words.some((w) => !common(w) && listed(w) !== null);
      if (firstOk && lastOk && (uncommon || !sentenceInitial(text, t) || cue || words.length >= 2)) accept = 0.85;
      else if (anyListed && words.every((w) => !common(w)) && words.length >= 2) accept = 0.75;
    } else if (anyListed && !(place && locative) && !t.caps) {
      // One word: a listed name that is not an ordinary word, mid-sentence or before a reporting verb; or any listed name after a weak cue.
      if (!common(t) && (!sentenceInitial(text, t) || SPEECH_VERBS.test(text.slice(t.end, t.end + 14)) || t.possessive)) accept = 0.75;
      else if (cue && !common(t)) accept = 0.75;
    }
    if (!accept && run.length === 1 && anyListed && !common(t) && text.slice(t.end, t.end + 2) === ', ') {
      // "Chen, Linda": surname, comma, first name.
      const n = tokens[i + 1];
      if (n && n.start === t.end + 2 && (listed(n) === 'first' || listed(n) === 'both') && !NEVER_NAMES.has(n.norm)) {
        const tail = runFrom(text, tokens, i + 1);
        push(c, text, tokens, i, Math.min(tail, i + 2), 0.85);
        i = Math.min(tail, i + 2);
        continue;
      }
    }
    if (accept) {
      if (run[run.length - 1]!.initial && run.length > 1) push(c, text, tokens, i, end - 1, accept);
      else push(c, text, tokens, i, end, accept);
    } else if (run.length === 1 && (listed(t) === 'last' || listed(t) === 'both' || !common(t))) {
      // "Baker, Linda" (a surname that is also a word, then a first name).
      const n = tokens[i + 1];
      if (n && n.start === t.end + 2 && text.slice(t.end, n.start) === ', ' && listed(n) !== null && (listed(n) === 'first' || listed(n) === 'both') && !common(n)) {
        push(c, text, tokens, i, i + 1, 0.8);
        i++;
        continue;
      }
    }
    i = end;
  }
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
