import { z } from 'zod';
import type { Envelope } from '../shared/errors';

/** Messages between the main process and the core host utility process. */
export const CoreHostRequest = z.discriminatedUnion('type', [
  z.object({ type: z.literal('call'), id: z.number().int(), method: z.string(), input: z.unknown() }),
  z.object({ type: z.literal('shutdown') }),
]);
export type CoreHostRequest = z.infer<typeof CoreHostRequest>;

export type CoreHostMessage =
  | { type: 'ready' }
  | { type: 'result'; id: number; result: Envelope<unknown> }
  | { type: 'event'; name: string; payload: unknown };
