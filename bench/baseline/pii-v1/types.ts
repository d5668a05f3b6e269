import { PII_KINDS } from '../../../electron/shared/datanets';

/** The kinds of personal (PII) and health (PHI) information the detector knows (one list, in the contract). */
export { PII_KINDS };
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
