import { ServerFrame, TOKEN_PARAM, WS_PATH } from '../../../electron/shared/transport';
import type { Envelope } from '../../../electron/shared/errors';
import type { Transport } from './transport';

const TOKEN_KEY = 'datanet-studio-token';

/**
 * serve's per-launch secret arrives in the URL fragment (#token=…), which browsers never send to
 * the server; it is kept for this tab only and removed from the address bar.
 */
export function takeToken(): string | null {
  const match = new RegExp(`[#&]${TOKEN_PARAM}=([A-Za-z0-9_-]+)`).exec(window.location.hash);
  if (match) {
    sessionStorage.setItem(TOKEN_KEY, match[1]!);
    history.replaceState(null, '', `${window.location.pathname}#/`);
    return match[1]!;
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

/** A team server's session token, kept like the launch token: for this tab only. */
export function storeToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** The team server closes a socket with 4401 when its session has ended: sign in again. */
const SESSION_ENDED = 4401;

/** The contract over serve's WebSocket, reconnecting with backoff; calls wait for the socket. */
export function webSocketTransport(token: string): Transport {
  let socket: WebSocket | null = null;
  let nextId = 1;
  let connected = false;
  let retryMs = 250;
  const pending = new Map<number, { resolve: (r: Envelope<unknown>) => void; frame: string }>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const statusListeners = new Set<(connected: boolean) => void>();

  const setConnected = (c: boolean) => {
    connected = c;
    statusListeners.forEach((l) => l(c));
  };

  function connect() {
    const url = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}${WS_PATH}?${TOKEN_PARAM}=${encodeURIComponent(token)}`;
    const ws = new WebSocket(url);
    socket = ws;
    ws.onopen = () => {
      retryMs = 250;
      setConnected(true);
      for (const p of pending.values()) ws.send(p.frame);
    };
    ws.onmessage = (ev) => {
      const parsed = ServerFrame.safeParse(JSON.parse(String(ev.data)));
      if (!parsed.success) return;
      const frame = parsed.data;
      if (frame.type === 'result') {
        pending.get(frame.id)?.resolve(frame.result as Envelope<unknown>);
        pending.delete(frame.id);
      } else {
        listeners.get(frame.name)?.forEach((l) => l(frame.payload));
      }
    };
    ws.onclose = (ev) => {
      socket = null;
      if (ev.code === SESSION_ENDED) {
        forgetToken();
        window.location.reload();
        return;
      }
      setConnected(false);
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 5000);
    };
  }
  connect();

  return {
    kind: 'websocket',
    call(method, input) {
      const id = nextId++;
      const frame = JSON.stringify({ type: 'call', id, method, input });
      return new Promise((resolve) => {
        pending.set(id, { resolve, frame });
        if (connected && socket?.readyState === WebSocket.OPEN) socket.send(frame);
      });
    },
    on(event, callback) {
      const set = listeners.get(event) ?? new Set();
      set.add(callback);
      listeners.set(event, set);
      return () => set.delete(callback);
    },
    onStatus(callback) {
      statusListeners.add(callback);
      callback(connected);
      return () => statusListeners.delete(callback);
    },
  };
}
