import { join } from 'node:path';
import { SEPARATOR, shardFileName, TOKENS_FILE, type ShardEntry } from './format.js';
import { HashedFileWriter } from './hashed-file.js';
import { readU32Range } from './u32-file.js';
import { buildSuffixArray, type SuffixArrayStage } from './suffix-array.js';

export interface ShardPlan {
  index: number;
  tokenStart: number;
  tokenCount: number;
}

/**
 * Builds one shard's suffix array file in `dir` from its slice of tokens.u32. Only this slice and
 * its suffix-sorting work space are in memory, which is what bounds a build's memory by the shard
 * size rather than the snapshot size.
 */
export function buildShard(dir: string, plan: ShardPlan, onStage?: (stage: SuffixArrayStage) => void): ShardEntry {
  const text = readU32Range(join(dir, TOKENS_FILE), plan.tokenStart, plan.tokenCount);
  let maxToken = 0;
  let separators = 0;
  for (let i = 0; i < text.length; i++) {
    const t = text[i]!;
    if (t === SEPARATOR) separators++;
    else if (t > maxToken) maxToken = t;
  }
  // The separator sorts after every token, as SEPARATOR does in the file the queries read, so the
  // suffixes starting at one all land at the end of the array and are cut off.
  const sepRank = maxToken + 1;
  for (let i = 0; i < text.length; i++) if (text[i] === SEPARATOR) text[i] = sepRank;
  const sa = buildSuffixArray(text, sepRank, onStage);
  const suffixes = text.length - separators;
  const name = shardFileName(plan.index);
  const out = new HashedFileWriter(join(dir, name));
  try {
    out.writeU32(new Uint32Array(sa.buffer, sa.byteOffset, suffixes));
  } catch (e) {
    out.discard();
    throw e;
  }
  const { bytes, sha256 } = out.close();
  return { file: { name, bytes, sha256 }, tokenStart: plan.tokenStart, tokenCount: plan.tokenCount, suffixes };
}
