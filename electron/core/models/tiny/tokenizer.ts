/**
 * A small SentencePiece-style ("llama") vocabulary with byte fallback: control tokens, the 256
 * `<0xXX>` byte tokens, single characters, and every prefix of a few hundred word pieces so that
 * llama.cpp's bigram merging can reach whole words. Any text tokenizes (unknown characters fall
 * back to bytes); common English text tokenizes to word pieces.
 */
const WORDS = `the of and to in is was for on that with as by at from his he it an were are which this be or
has had first new one their its after but who not they have her she two been other when there all during into
school also time can would more answer question what how why where name city color number day year good bad
yes no please thank you hello world model data train test value first second third red green blue cat dog
sun moon water fire earth air king queen man woman boy girl book read write small large tiny big fast slow
user assistant system response instruction capital france paris germany berlin italy rome spain madrid`.split(/\s+/).filter(Boolean);

const CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?;:\'"()-_/@#$%&*+=<>[]{}|~`^\\';
export const SPACE = '\u2581';

export const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, byte: 6 } as const;

export interface Vocabulary {
  tokens: string[];
  scores: number[];
  types: number[];
  unk: number;
  bos: number;
  eos: number;
}

/**
 * `extraWords` adds whole-word pieces for a domain, as a tokenizer trained on that domain's text
 * would have them (the demo's model knows its pharmacy words); without them the vocabulary is the
 * fixed one every test model shares.
 */
export function buildVocabulary(extraWords: readonly string[] = []): Vocabulary {
  const tokens: string[] = ['<unk>', '<s>', '</s>'];
  const types: number[] = [TOKEN_TYPE.unknown, TOKEN_TYPE.control, TOKEN_TYPE.control];
  const scores: number[] = [0, 0, 0];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(TOKEN_TYPE.byte);
    scores.push(0);
  }
  const pieces = new Set<string>([SPACE, ...CHARS]);
  for (const w of [...WORDS, ...extraWords]) {
    const full = SPACE + w;
    for (let i = 2; i <= full.length; i++) pieces.add(full.slice(0, i));
  }
  // Longer pieces score higher so that the merge order prefers whole words, as a trained SPM would.
  for (const p of pieces) {
    tokens.push(p);
    types.push(TOKEN_TYPE.normal);
    scores.push(-1000 + p.length * 10 - tokens.length * 1e-3);
  }
  return { tokens, scores, types, unk: 0, bos: 1, eos: 2 };
}
