export * from './errors';
export * from './common';
export * from './datanets';
export * from './jobs';
export * from './audit';
export * from './app';
export * from './contract';
export * from './transport';
