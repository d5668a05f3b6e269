export * from './types.js';
export * from './reader.js';
export * from './writer.js';
export * from './quant.js';
export { writeFileAtomic } from '../../common/atomic-file.js';
