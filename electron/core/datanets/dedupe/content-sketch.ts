/**
 * A sketch of a text's content words, appended to its MinHash signature, so near-duplicate detection
 * can tell "the same note with a typo" from "the same template with a different drug".
 *
 * Why: on templated notes ("After discharge for heart failure, take furosemide 40 mg ..." vs
 * "... metoprolol 25 mg ..."), character shingles agree on all the boilerplate, and a one-word drug
 * swap costs no more similarity than a one-word typo; no threshold separates them. What does is the
 * kind of difference: a typo leaves a word recognisable (same start, same end), an inserted or
 * deleted filler word is one-sided, while a different drug, dose or condition is a *substitution*:
 * each text has a content word the other lacks. The sketch keeps, per content word, four one-byte
 * hashes (first three letters, last three letters, the sorted letters, first+last letter) and a word
 * matches when two of the four agree: one typo (a swapped, dropped, doubled or replaced letter inside
 * the word) leaves at least two of them, while drug siblings that share a stem ("atorvastatin" /
 * "simvastatin", "metoprolol" / "bisoprolol") agree in at most one.
 *
 * Not content: function words, month names, capitalised census names (patients, relatives), dates,
 * years, phone- and ID-shaped tokens, and redaction placeholders — a swapped name or date is not a
 * different example. Numbers of up to four digits are content (doses, amounts) and must match exactly.
 */
import { lexicon } from '../pii/lexicon';
import { fnv1a32, mix32 } from './hash32';

/** The value after the MinHash part that marks a signature carrying a content sketch. */
export const SKETCH_MARKER = 0x5c4e0002;
/** Content words kept per text (the smallest by sort key; a text with more is sampled). */
export const SKETCH_WORDS = 64;
/** Extra values after the MinHash part: marker, number of distinct content words, the words. */
export const SKETCH_LENGTH = 2 + SKETCH_WORDS;
const EMPTY = 0xffffffff;

const STOP = new Set(`a about above after again against all also although am among an and another any are as at be because been before
being below between both but by can could did do does doing done down during each either else ever every few for from further had has have
having he her here hers herself him himself his how however i if in into is it its itself just least less may me might more most much must
my myself neither no nor not now of off often on once only or other our ours ourselves out over own per please same shall she should since
so some such than that the their theirs them themselves then there these they this those though through thus to too under until up upon us
very was we were what when where whether which while who whom whose why will with within without would yet you your yours yourself
clearly notably further recent current relevant formal minor initial agreed reported also really quite rather
january february march april may june july august september october november december monday tuesday wednesday thursday friday saturday sunday
jan feb mar apr jun jul aug sep sept oct nov dec`.split(/\s+/));

// Dates, times, phone numbers and codes written with separators; e-mail and web addresses.
const SEPARATED = /\S+@\S+|https?:\/\/\S+|www\.\S+|\d+(?:[/.:-]\d+)+|\[[A-Z_]+\]/g;
const MONTH_NAMES = 'jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?';
const MONTH_NEAR = new RegExp(`\\b(?:${MONTH_NAMES})\\.?\\s+(?:the\\s+)?$`, 'i');
const MONTH_AFTER = new RegExp(`^(?:st|nd|rd|th)?\\s+(?:of\\s+)?(?:${MONTH_NAMES})\\b`, 'i');
const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;

// Records share most of their words (templates, boilerplate): remember each word's key.
const keyCache = new Map<string, number>();

function key(word: string): number {
  let k = keyCache.get(word);
  if (k === undefined) {
    if (keyCache.size >= 100_000) keyCache.clear();
    k = computeKey(word);
    keyCache.set(word, k);
  }
  return k;
}

function computeKey(word: string): number {
  const n = word.length;
  if (/^\d+$/.test(word)) {
    // Numbers match only themselves: each field is a different byte of the number's hash.
    return mix32(fnv1a32(word)) >>> 0;
  }
  const d = mix32((word.charCodeAt(0) << 16) ^ word.charCodeAt(n - 1)) & 0xff;
  const a = fnv1a32(word, 0, 3) & 0xff;
  const b = fnv1a32(word, n - 3, n) & 0xff;
  const c = fnv1a32([...word].sort().join('')) & 0xff;
  // First+last letter in the high bits: the sample (smallest keys) is chosen by what most typos keep.
  return ((d << 24) | (a << 16) | (b << 8) | c) >>> 0;
}

function sentenceInitial(text: string, at: number): boolean {
  let i = at - 1;
  while (i >= 0 && /[\s"'(]/.test(text[i]!)) i--;
  return i < 0 || /[.!?:;\n]/.test(text[i]!);
}

const SKIP = -1;
const NAME_IF_MID_SENTENCE = -2;
const NUMBER = -3;
// What a token is, by its spelling alone (the same tokens recur across records): its key, or one of
// the markers above when the answer needs the context (a capitalised name that is also a word, a number).
const tokenClass = new Map<string, number>();

function classify(raw: string): number {
  const lower = raw.toLowerCase();
  if (/\d/.test(raw)) {
    // Doses and amounts; not years, long numbers (identifiers) or letter-digit codes.
    return !/^\d{1,4}$/.test(raw) || /^(?:19|20)\d\d$/.test(raw) ? SKIP : NUMBER;
  }
  if (lower.length < 4 || STOP.has(lower)) return SKIP;
  // Names are looked up whatever their case: a copy in capitals or with stray capitals must read the same.
  const { first, last, words: dictionary } = lexicon();
  const title = lower[0]!.toUpperCase() + lower.slice(1);
  if (first.has(title) || last.has(title)) {
    if (!dictionary.has(lower)) return SKIP;
    // "Baker", "Will": a name only where written as one (Title Case), and then only mid-sentence.
    if (raw[0] !== lower[0] && raw[1] === lower[1]) return NAME_IF_MID_SENTENCE;
  }
  return key(lower);
}

/** The distinct content-word keys of a text, sorted ascending. */
export function contentKeys(text: string): Uint32Array {
  const cleaned = text.normalize('NFKC').replace(SEPARATED, ' ');
  const keys = new Set<number>();
  for (const m of cleaned.matchAll(WORD)) {
    const raw = m[0];
    let c = tokenClass.get(raw);
    if (c === undefined) {
      if (tokenClass.size >= 200_000) tokenClass.clear();
      c = classify(raw);
      tokenClass.set(raw, c);
    }
    if (c === SKIP) continue;
    if (c === NAME_IF_MID_SENTENCE) {
      // A census name that is also a word ("Baker", "Will") is a name mid-sentence, a word at a sentence start.
      if (!sentenceInitial(cleaned, m.index)) continue;
      c = key(raw.toLowerCase());
    } else if (c === NUMBER) {
      // The day of a date ("3 May", "May 3rd") is not content.
      if (MONTH_NEAR.test(cleaned.slice(Math.max(0, m.index - 10), m.index)) || MONTH_AFTER.test(cleaned.slice(m.index + raw.length, m.index + raw.length + 14))) continue;
      c = key(raw);
    }
    keys.add(c);
  }
  return Uint32Array.from(keys).sort();
}

/** The sketch values to append to a MinHash signature. */
export function contentSketch(text: string): Uint32Array {
  const keys = contentKeys(text);
  const out = new Uint32Array(SKETCH_LENGTH).fill(EMPTY);
  out[0] = SKETCH_MARKER;
  out[1] = keys.length;
  out.set(keys.subarray(0, SKETCH_WORDS), 2);
  return out;
}

/** Two words match when at least two of their four one-byte features agree. */
function matches(x: number, y: number): boolean {
  const z = (x ^ y) >>> 0;
  return ((z & 0xff000000) === 0 ? 1 : 0) + ((z & 0xff0000) === 0 ? 1 : 0) + ((z & 0xff00) === 0 ? 1 : 0) + ((z & 0xff) === 0 ? 1 : 0) >= 2;
}

function words(sig: Uint32Array, at: number): { keys: Uint32Array; complete: boolean } {
  const n = sig[at + 1]!;
  const kept = Math.min(n, SKETCH_WORDS);
  return { keys: sig.subarray(at + 2, at + 2 + kept), complete: n <= SKETCH_WORDS };
}

/** Words of `a` below `limit` with no matching word in `b`. */
function unmatched(a: Uint32Array, b: Uint32Array, limit: number): number {
  let n = 0;
  for (const x of a) {
    if (x > limit) break;
    if (!b.some((y) => matches(x, y))) n++;
  }
  return n;
}

/**
 * Whether two signatures' texts differ in content: each has a content word the other lacks.
 * Signatures without a sketch (stored before sketches existed) never differ by this test.
 */
export function contentDiffers(a: Uint32Array, b: Uint32Array, minhashLength: number): boolean {
  if (a.length < minhashLength + SKETCH_LENGTH || b.length < minhashLength + SKETCH_LENGTH) return false;
  if (a[minhashLength] !== SKETCH_MARKER || b[minhashLength] !== SKETCH_MARKER) return false;
  const x = words(a, minhashLength);
  const y = words(b, minhashLength);
  // When a sketch is a sample, compare only the key range both samples cover.
  let limit = 0xffffffff;
  if (!x.complete && x.keys.length) limit = Math.min(limit, x.keys[x.keys.length - 1]!);
  if (!y.complete && y.keys.length) limit = Math.min(limit, y.keys[y.keys.length - 1]!);
  return unmatched(x.keys, y.keys, limit) > 0 && unmatched(y.keys, x.keys, limit) > 0;
}
