/** Near-duplicate detection: normalisation, shingling, MinHash signatures, LSH banding. */
export { normalizeForDedupe } from './normalize';
export { shingleHashes, DEFAULT_SHINGLE, type ShingleKind } from './shingles';
export {
  minhashSignature,
  nearDupSignature,
  minhashOfShingles,
  estimateJaccard,
  exactJaccard,
  DEFAULT_NUM_PERM,
  DEFAULT_SEED,
  type MinHashOptions,
} from './minhash';
export { bandsFor, lshBandKeys, lshBandNumbers, candidateProbability, DEFAULT_THRESHOLD, type Banding } from './lsh';
export { NearDupIndex, type NearDupIndexOptions, type NearDupCandidate } from './near-dup-index';
export { signatureToBuffer, bufferToSignature } from './serialize';
export { contentDiffers, contentKeys, SKETCH_LENGTH } from './content-sketch';
