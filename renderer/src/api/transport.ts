import type { Envelope } from '../../../electron/shared/errors';

/** How the client reaches core: the Electron preload bridge or serve's WebSocket. */
export interface Transport {
  kind: 'desktop' | 'websocket';
  call(method: string, input: unknown): Promise<Envelope<unknown>>;
  on(event: string, callback: (payload: unknown) => void): () => void;
  /** Connection state changes (the WebSocket can drop; the preload cannot). */
  onStatus(callback: (connected: boolean) => void): () => void;
}

export interface PreloadBridge {
  call(method: string, input: unknown): Promise<Envelope<unknown>>;
  on(event: string, callback: (payload: unknown) => void): () => void;
}

declare global {
  interface Window {
    datanetStudio?: PreloadBridge;
  }
}

export function preloadTransport(bridge: PreloadBridge): Transport {
  return {
    kind: 'desktop',
    call: (m, i) => bridge.call(m, i),
    on: (e, cb) => bridge.on(e, cb),
    onStatus: (cb) => {
      cb(true);
      return () => {};
    },
  };
}
