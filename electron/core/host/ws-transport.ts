import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { ClientFrame, TOKEN_PARAM, WS_PATH, type ServerFrame } from '../../shared/transport';
import type { Core } from '../core';
import { checkRequest, type GuardOptions } from './request-guard';

/** The contract over a WebSocket: calls in, results and events out, one socket per page. */
export function attachWebSocketTransport(core: Core, guard: () => GuardOptions) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    const verdict =
      url.pathname !== WS_PATH
        ? ({ ok: false, status: 403, reason: 'unknown path' } as const)
        : checkRequest({ host: req.headers.host, origin: req.headers.origin, token: url.searchParams.get(TOKEN_PARAM) }, guard());
    if (!verdict.ok) {
      socket.end(`HTTP/1.1 ${verdict.status} ${verdict.status === 401 ? 'Unauthorized' : 'Forbidden'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws));
  }

  function serveSocket(ws: WebSocket) {
    const send = (frame: ServerFrame) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
    };
    const unsubscribe = core.onEvent((name, payload) => send({ type: 'event', name, payload }));
    ws.on('close', unsubscribe);
    ws.on('message', async (data) => {
      let frame: ClientFrame;
      try {
        frame = ClientFrame.parse(JSON.parse(String(data)));
      } catch {
        ws.close(1008, 'malformed frame');
        return;
      }
      const result = await core.call(frame.method, frame.input);
      send({ type: 'result', id: frame.id, result });
    });
  }

  return {
    handleUpgrade,
    /** Drops every open socket too: an open browser tab must not hold up shutdown. */
    close: () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
    },
  };
}
