/** Capitalised words and initials of a text, with offsets: the units name and place detection look at. */

export interface Token {
  start: number;
  /** End of the word itself, before a possessive "'s". */
  end: number;
  /** The word in Title Case (ALL-CAPS words are looked up as Title Case), possessive removed. */
  norm: string;
  /** Written in capitals ("CHEN"). */
  caps: boolean;
  /** A single capital and a period ("L."). */
  initial: boolean;
  possessive: boolean;
}

// Bounded word length and no nested quantifiers: linear in the text.
const CAPITAL_WORD = /(?<![\p{L}\p{N}'’_[-])(?:\p{Lu}\.(?!\p{L})|\p{Lu}(?:['’]\p{Lu})?[\p{L}'’-]{1,30})/gu;

export function titleCase(w: string): string {
  return w.charAt(0) + w.slice(1).toLowerCase();
}

// Names and places both read the tokens of the same text, one after the other: keep the last result.
let memoText: string | null = null;
let memoTokens: Token[] = [];

export function capitalTokens(text: string): Token[] {
  if (text === memoText) return memoTokens;
  const out: Token[] = [];
  for (const m of text.matchAll(CAPITAL_WORD)) {
    let word = m[0];
    const initial = word.length === 2 && word[1] === '.';
    let possessive = false;
    if (!initial && /['’][sS]$/.test(word)) {
      word = word.slice(0, -2);
      possessive = true;
    } else if (!initial && /['’-]$/.test(word)) word = word.replace(/['’-]+$/, '');
    if (!initial && word.length < 2) continue;
    // Masks left by redaction ("[PERSON_NAME]") are not words of the text.
    if (text[m.index + m[0].length] === '_' || text[m.index + m[0].length] === ']') continue;
    const caps = !initial && word.length >= 2 && word === word.toUpperCase() && /\p{Lu}{2}/u.test(word);
    const norm = initial ? word : caps ? titleCase(word) : word;
    out.push({ start: m.index, end: m.index + word.length, norm, caps, initial, possessive });
  }
  memoText = text;
  memoTokens = out;
  return out;
}
