import { randomBytes } from 'node:crypto';

export const newId = (prefix: 'dn' | 'rec' | 'job' | 'imp' | 'snap' | 'run' | 'ad' | 'mdl' | 'conv' | 'rev' | 'prop') => `${prefix}_${randomBytes(8).toString('hex')}`;

export const nowIso = () => new Date().toISOString();
