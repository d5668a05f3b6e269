import { detectEmails, detectIpAddresses, detectPhones } from './contact';
import { detectCreditCards, detectIbans } from './financial';
import { detectDatesOfBirth, detectMrns, detectNationalIds } from './identifiers';
import { detectStreetAddresses } from './address';
import { detectNamesHeuristic, type NameDetector } from './names';
import type { Candidate, Detector, PiiFinding, PiiKind } from './types';

export interface DetectPiiOptions {
  /** Kinds to look for (default: all). */
  kinds?: readonly PiiKind[];
  /** 'heuristic' (default) uses the built-in cue-based name detector; 'off' finds no names. */
  names?: 'heuristic' | 'off';
  /** Findings below this confidence are dropped (default 0). */
  minConfidence?: number;
}

/**
 * When findings overlap, the higher priority wins: checksummed and structurally unambiguous kinds
 * first, loose heuristics (addresses, names) last. Ties go to the longer span, then the earlier one.
 */
const PRIORITY: Partial<Record<PiiKind, number>> = {
  email: 100,
  iban: 95,
  credit_card: 90,
  national_id: 85,
  mrn: 80,
  date_of_birth: 75,
  ip_address: 70,
  phone: 60,
  street_address: 50,
  person_name: 40,
};

const DETECTORS: readonly { kinds: readonly PiiKind[]; detect: Detector }[] = [
  { kinds: ['email'], detect: detectEmails },
  { kinds: ['iban'], detect: detectIbans },
  { kinds: ['credit_card'], detect: detectCreditCards },
  { kinds: ['national_id'], detect: detectNationalIds },
  { kinds: ['mrn'], detect: detectMrns },
  { kinds: ['date_of_birth'], detect: detectDatesOfBirth },
  { kinds: ['ip_address'], detect: detectIpAddresses },
  { kinds: ['phone'], detect: detectPhones },
  { kinds: ['street_address'], detect: detectStreetAddresses },
];

function collect(text: string, options: DetectPiiOptions): Candidate[] {
  const wanted = options.kinds ? new Set(options.kinds) : null;
  const out: Candidate[] = [];
  for (const d of DETECTORS) {
    if (!wanted || d.kinds.some((k) => wanted.has(k))) d.detect(text, out);
  }
  if ((options.names ?? 'heuristic') === 'heuristic' && (!wanted || wanted.has('person_name'))) detectNamesHeuristic(text, out);
  return wanted ? out.filter((c) => wanted.has(c.kind)) : out;
}

/** Keeps a non-overlapping subset of candidates by priority, then sorts it by position. */
export function resolveOverlaps(text: string, candidates: Candidate[], minConfidence = 0): PiiFinding[] {
  const ranked = candidates
    .filter((c) => c.end > c.start && c.confidence >= minConfidence)
    .sort((a, b) => (PRIORITY[b.kind] ?? 0) - (PRIORITY[a.kind] ?? 0) || b.end - b.start - (a.end - a.start) || a.start - b.start);
  const kept: Candidate[] = [];
  for (const c of ranked) {
    // Few findings per record: a linear overlap check is cheaper than an interval tree.
    if (kept.every((k) => c.end <= k.start || c.start >= k.end)) kept.push(c);
  }
  kept.sort((a, b) => a.start - b.start);
  return kept.map((c) => ({ ...c, text: text.slice(c.start, c.end) }));
}

/** The PII findings in a text: sorted by start, non-overlapping, offsets in UTF-16 code units. */
export function detectPii(text: string, options: DetectPiiOptions = {}): PiiFinding[] {
  return resolveOverlaps(text, collect(text, options), options.minConfidence);
}

/**
 * As detectPii, with person names from the given detector (for example a model-backed one)
 * instead of the built-in heuristics.
 */
export async function detectPiiAsync(
  text: string,
  nameDetector: NameDetector,
  options: Omit<DetectPiiOptions, 'names'> = {},
): Promise<PiiFinding[]> {
  const candidates = collect(text, { ...options, names: 'off' });
  if (!options.kinds || options.kinds.includes('person_name')) {
    for (const s of await nameDetector.detectNames(text)) candidates.push({ kind: 'person_name', ...s });
  }
  return resolveOverlaps(text, candidates, options.minConfidence);
}
