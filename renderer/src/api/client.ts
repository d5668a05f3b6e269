import type { EventName, EventPayload, Input, MethodName, Output } from '../../../electron/shared/contract';
import type { ErrorCode } from '../../../electron/shared/errors';
import { preloadTransport, type Transport } from './transport';
import { takeToken, webSocketTransport } from './ws-transport';

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The one way the UI talks to core: typed by the contract, whichever transport exists. */
export interface Client {
  transport: Transport['kind'];
  call<M extends MethodName>(method: M, input: Input<M>): Promise<Output<M>>;
  on<E extends EventName>(event: E, callback: (payload: EventPayload<E>) => void): () => void;
  onStatus(callback: (connected: boolean) => void): () => void;
}

export function createClient(transport: Transport): Client {
  return {
    transport: transport.kind,
    async call(method, input) {
      const r = await transport.call(method, input);
      if (!r.ok) throw new ApiError(r.error.code, r.error.message);
      return r.value as never;
    },
    on: (event, callback) => transport.on(event, callback as (p: unknown) => void),
    onStatus: (cb) => transport.onStatus(cb),
  };
}

/** null when neither transport is possible (served without a token): the UI says how to open it. */
export function pickClient(): Client | null {
  if (window.datanetStudio) return createClient(preloadTransport(window.datanetStudio));
  const token = takeToken();
  return token ? createClient(webSocketTransport(token)) : null;
}
