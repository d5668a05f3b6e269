import type { Candidate } from './types';

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
 * A source of person-name spans. The built-in one is heuristic; a model-backed one (for example
 * @huggingface/transformers running a locally installed token-classification model) can implement
 * this interface and be passed to detectPiiAsync. None ships with the app.
 */
export interface NameDetector {
  readonly info: NameDetectionInfo;
  detectNames(text: string): NameSpan[] | Promise<NameSpan[]>;
}

export const HEURISTIC_NAME_DETECTION: NameDetectionInfo = {
  mode: 'heuristic',
  note:
    'Person names are found only by heuristics: a title (Mr, Mrs, Ms, Dr, Prof, ...) or a cue ("Patient:", "Name:", ' +
    '"Client:", "signed by", "Dear ...") followed by capitalised words. Names without such a cue are missed. Full name ' +
    'detection needs a local NER model (token classification with @huggingface/transformers), which is not installed.',
};

/** What the app currently does for names. */
export const nameDetection: NameDetectionInfo = HEURISTIC_NAME_DETECTION;

// Capitalised word, allowing O'Brien and double-barrelled Anna-Lena.
const NAME_WORD = String.raw`\p{Lu}(?:['’]\p{Lu})?[\p{Ll}'’]{1,20}(?:-\p{Lu}[\p{Ll}'’]{1,20})?`;
const INITIAL = String.raw`\p{Lu}\.`;
// Name words are joined by single spaces only, so a name never runs across a line break.
// Two to four name words, or an initial between them ("John A. Smith", "Anna-Lena Müller").
const FULL_NAME = String.raw`${NAME_WORD}(?: (?:${INITIAL} )?${NAME_WORD}){1,3}`;
// One surname is enough after a title ("Dr Okafor"); "Last, First" is common in records.
const TITLED = new RegExp(String.raw`\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Professor|Sir|Dame|Judge|Justice|Nurse|Sister|Rev|Hon)\.? (${NAME_WORD}(?: (?:${INITIAL} )?${NAME_WORD}){0,2})`, 'gu');
// Cues match in either initial case ("Patient:" / "patient:"), but names must be capitalised,
// so the regex is case-sensitive and each cue word gets a [Xx] first letter.
const anyInitial = (cue: string) => `[${cue[0]!.toUpperCase()}${cue[0]!.toLowerCase()}]${cue.slice(1)}`;
const LABEL_CUES = ['Patient', 'Name', 'Client', 'Claimant', 'Defendant', 'Plaintiff', 'Respondent', 'Applicant', 'Witness', 'Employee',
  'Tenant', 'Signed', 'Signature', 'Attn', 'Attention', 'Contact', 'Referred by', 'Next of kin', 'Guardian', 'Emergency contact',
  'Physician', 'Doctor', 'Nurse'].map(anyInitial).join('|');
const PHRASE_CUES = ['signed by', 'prepared by', 'seen by', 'reviewed by', 'dictated by', 'attended by', 'represented by', 'on behalf of']
  .map(anyInitial).join('|');
const CUED = new RegExp(
  String.raw`(?:\b(?:${LABEL_CUES})\s?(?:[Nn]ame)?\s?:\s?|\b(?:${PHRASE_CUES})\s)(${FULL_NAME}|${NAME_WORD},\s${NAME_WORD})`,
  'gu',
);
const STREET_BEFORE = /(?<![\p{L}\d])\d{1,6}[A-Za-z]?\s(?:\p{Lu}\p{Ll}+\s){1,4}$/u;
const DEAR = new RegExp(String.raw`\bDear (${NAME_WORD}(?: ${NAME_WORD}){0,2})`, 'gu');

// Capitalised words that follow titles and cues but are not names.
const NOT_NAMES = new Set([
  'The', 'This', 'That', 'Patient', 'Client', 'Sir', 'Madam', 'Colleague', 'Colleagues', 'Team', 'Customer', 'All', 'Doctor',
  'Nurse', 'Unknown', 'Redacted', 'None', 'Name', 'Not', 'See', 'Yes', 'No', 'Male', 'Female', 'Mr', 'Mrs', 'Ms', 'Dr', 'Prof',
  'Street', 'Road', 'Avenue', 'Hospital', 'Clinic', 'Court', 'Company', 'Ltd', 'Inc', 'Department', 'Ward', 'Date', 'Please',
  'Thank', 'Thanks', 'Dear', 'Regards', 'Friend', 'Friends', 'Parent', 'Parents', 'Member', 'Members', 'Applicant', 'Claimant',
]);

function push(out: Candidate[], start: number, name: string, confidence: number): void {
  const words = name.split(/\s+/);
  if (NOT_NAMES.has(words[0]!.replace(/,$/, ''))) return;
  // Drop trailing words that are not names ("Dr Smith Hospital" keeps "Smith").
  let kept = name;
  while (words.length > 1 && NOT_NAMES.has(words[words.length - 1]!)) {
    const last = words.pop()!;
    kept = kept.slice(0, kept.length - last.length).trimEnd();
  }
  out.push({ kind: 'person_name', start, end: start + kept.length, confidence });
}

/** The heuristic name spans of a text. */
export function detectNamesHeuristic(text: string, out: Candidate[]): void {
  for (const [re, confidence] of [[TITLED, 0.85], [CUED, 0.8], [DEAR, 0.7]] as const) {
    for (const m of text.matchAll(re)) {
      // "12 Cedar Dr. Naïve to ..." : that Dr ends a street address, it is not a title.
      if (re === TITLED && STREET_BEFORE.test(text.slice(Math.max(0, m.index - 60), m.index))) continue;
      const name = m[1]!;
      push(out, m.index + m[0].length - name.length, name, confidence);
    }
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
