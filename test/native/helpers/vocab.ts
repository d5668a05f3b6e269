/**
 * Words that pad the shared test vocabulary (buildVocabulary) to exactly `size` tokens, for models
 * with a real-sized output projection (49,152 like SmolLM2, 151,936 like Qwen2.5). The pieces are
 * `▁zq…` words no ordinary text tokenizes into, so token streams stay those of the small vocabulary.
 */
import { buildVocabulary, SPACE } from '../../fixtures/models/tokenizer.js';

export function vocabularyPadding(size: number): string[] {
  const base = buildVocabulary();
  const have = new Set(base.tokens);
  let count = base.tokens.length;
  if (size < count) throw new Error(`vocabulary of ${size} is smaller than the base one (${count})`);
  const piecesOf = (w: string) => Array.from({ length: w.length }, (_, i) => (SPACE + w).slice(0, i + 2));
  const words: string[] = [];
  for (let i = 0; count < size; i++) {
    let w = 'zq';
    for (let k = 0, v = i; k < 4; k++, v = Math.floor(v / 26)) w += String.fromCharCode(97 + (v % 26));
    const fresh = piecesOf(w).filter((p) => !have.has(p));
    if (count + fresh.length > size) {
      // Each one-letter extension of a word already in adds exactly one piece.
      let last = words[words.length - 1] ?? 'the';  // '▁the' and its prefixes are in the base vocabulary
      while (count < size) {
        last += 'x';
        if (have.has(SPACE + last)) continue;
        words.push(last);
        have.add(SPACE + last);
        count++;
      }
      break;
    }
    words.push(w);
    for (const p of fresh) have.add(p);
    count += fresh.length;
  }
  const got = buildVocabulary(words).tokens.length;
  if (got !== size) throw new Error(`padding gave ${got} tokens, wanted ${size}`);
  return words;
}
