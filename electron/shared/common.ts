import { z } from 'zod';

/** Prefixed random ids (`dn_3f2a…`) so a pasted id says what it names. */
export const idOf = (prefix: string) =>
  z.string().regex(new RegExp(`^${prefix}_[0-9a-f]{16}$`), `must be an id like ${prefix}_0123456789abcdef`);

export const DatanetId = idOf('dn');
export const RecordId = idOf('rec');
export const JobId = idOf('job');

export const Address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'must be an Ethereum address (0x followed by 40 hex digits)');

export const Hash32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'must be a 32-byte hex hash (0x followed by 64 hex digits)');

export const Timestamp = z.string().describe('ISO 8601 UTC');

export const Empty = z.object({}).strict();

export const Paging = {
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(500).default(50),
};

export const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), total: z.number().int(), offset: z.number().int(), limit: z.number().int() });
