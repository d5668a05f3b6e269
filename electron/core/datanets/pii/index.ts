/** PII/PHI detection and redaction (mask or consistent pseudonyms). Pure functions, no I/O. */
export { PII_KINDS, type PiiKind, type PiiFinding } from './types';
export { detectPii, detectPiiAsync, type DetectPiiOptions } from './detect';
export {
  nameDetection,
  heuristicNameDetector,
  type NameDetector,
  type NameDetectionInfo,
  type NameSpan,
} from './names';
export { redact, maskFor, type RedactionMode, type RedactionResult, type Replacement } from './redact';
export { Pseudonymizer } from './pseudonymizer';
export { luhnValid, ibanValid, ssnValid } from './checksums';
