import { z } from 'zod';
import type { Envelope } from '../shared/errors';

/** Messages between the main process and the core host utility process. */
export const CoreHostRequest = z.discriminatedUnion('type', [
  z.object({ type: z.literal('call'), id: z.number().int(), method: z.string(), input: z.unknown() }),
  z.object({ type: z.literal('shutdown') }),
  /** The main process's answer to a keyring request (safeStorage lives only there). */
  z.object({ type: z.literal('keyring-result'), id: z.number().int(), ok: z.boolean(), data: z.string() }),
]);
export type CoreHostRequest = z.infer<typeof CoreHostRequest>;

export type CoreHostMessage =
  | { type: 'ready' }
  | { type: 'result'; id: number; result: Envelope<unknown> }
  | { type: 'event'; name: string; payload: unknown }
  /** Encrypt (data: the key, hex) or decrypt (data: the blob, base64) with the OS keychain. */
  | { type: 'keyring'; id: number; op: 'encrypt' | 'decrypt'; data: string };

/** The keychain verdict travels to the core host as a command-line argument (JSON). */
export const KeyringArg = z.object({ available: z.boolean(), note: z.string() });
