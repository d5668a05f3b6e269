/** The kinds of personal (PII) and health (PHI) information the detector knows. */
export const PII_KINDS = [
  'email',
  'phone',
  'national_id',
  'credit_card',
  'iban',
  'ip_address',
  'date_of_birth',
  'mrn',
  'street_address',
  'person_name',
] as const;
export type PiiKind = (typeof PII_KINDS)[number];

/** One finding: text.slice(start, end) === text; offsets are UTF-16 code units (JS string indices). */
export interface PiiFinding {
  kind: PiiKind;
  start: number;
  end: number;
  text: string;
  /** 0..1: how sure the detector is (checksummed or cue-backed findings score higher). */
  confidence: number;
}

/** A candidate before overlaps are resolved. */
export type Candidate = Omit<PiiFinding, 'text'>;

/** A detector for one family of kinds: appends its candidates for `text`. */
export type Detector = (text: string, out: Candidate[]) => void;
