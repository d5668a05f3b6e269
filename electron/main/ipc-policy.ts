import { isMethodName } from '../shared/contract';
import type { Envelope } from '../shared/errors';
import { isTrustedSender } from './security';

/**
 * What main does with a call arriving over IPC: only from our own page, only contract methods;
 * everything else is answered with an error envelope without reaching core.
 */
export function handleIpcCall(
  senderFrameUrl: string | undefined,
  method: unknown,
  input: unknown,
  forward: (method: string, input: unknown) => Promise<Envelope<unknown>>,
): Promise<Envelope<unknown>> {
  if (!isTrustedSender(senderFrameUrl)) {
    return Promise.resolve({ ok: false, error: { code: 'UNAUTHORIZED', message: 'Calls are accepted only from the app window.' } });
  }
  if (!isMethodName(method)) {
    return Promise.resolve({ ok: false, error: { code: 'UNKNOWN_METHOD', message: `There is no method named ${String(method)}.` } });
  }
  return forward(method, input);
}
