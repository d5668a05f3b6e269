import { z } from 'zod';
import { ErrorInfo } from './errors';

/** Frames on the WebSocket between a browser client and `serve`. */
export const ClientFrame = z.object({
  type: z.literal('call'),
  id: z.number().int().nonnegative(),
  method: z.string().max(200),
  input: z.unknown(),
});
export type ClientFrame = z.infer<typeof ClientFrame>;

export const ServerFrame = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('result'),
    id: z.number().int(),
    result: z.discriminatedUnion('ok', [
      z.object({ ok: z.literal(true), value: z.unknown() }),
      z.object({ ok: z.literal(false), error: ErrorInfo }),
    ]),
  }),
  z.object({ type: z.literal('event'), name: z.string(), payload: z.unknown() }),
]);
export type ServerFrame = z.infer<typeof ServerFrame>;

/** The Electron IPC channels between preload and main. */
export const IPC = { call: 'datanet-studio:call', event: 'datanet-studio:event' } as const;

/** Query parameter / fragment key carrying serve's per-launch secret. */
export const TOKEN_PARAM = 'token';
export const WS_PATH = '/rpc';
