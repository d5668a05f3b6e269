export { SpanIndex, type RecordCount, type SpanMatch, type SpanQuery } from './span-index.js';
export { SpanIndexWriter, type FinishOptions, type SpanIndexDocument, type SpanIndexWriterOptions } from './writer.js';
export type { BuildPhase } from './build-runner.js';
export { DEFAULT_SHARD_TOKENS, TOKEN_ID_LIMIT, type SpanIndexInfo } from './format.js';
export { SpanIndexCache } from './cache.js';
