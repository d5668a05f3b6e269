import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { isEventName } from '../../shared/contract';
import { ClientFrame, TOKEN_PARAM, WS_PATH, type ServerFrame } from '../../shared/transport';
import type { Envelope } from '../../shared/errors';
import type { Core } from '../core';
import { runAsCaller, type Caller } from '../team/context';
import { authorizeCall, filterResult, mayReceive } from '../team/policy';
import { closeOnError, requestUrl } from './connection-faults';
import { checkRequest, checkSource, type GuardOptions, type GuardVerdict } from './request-guard';

/**
 * Team mode: the token on the socket is a signed-in user's session, not the launch secret. `caller`
 * is asked again at every call, so a session that ended or an account that was removed stops there.
 */
export interface TeamAuth {
  caller(sessionToken: string | null): Caller | null;
}

/** The largest message a client may send; a longer one closes its connection (1009). */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

const internalError = (method: string, e: unknown): Envelope<never> => ({
  ok: false,
  error: { code: 'INTERNAL', message: `The server could not handle ${method.slice(0, 100)}: ${e instanceof Error ? e.message : String(e)}. Try again; if it keeps failing, restart serve.` },
});

/**
 * The contract over a WebSocket: calls in, results and events out, one socket per page. Whatever a
 * client sends — a protocol error, a malformed frame, a call whose handling throws — ends at most
 * that client's connection or call, never the server.
 */
export function attachWebSocketTransport(core: Core, guard: () => GuardOptions, team?: TeamAuth) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  // With noServer this should never fire; if it does, it must not end the process.
  wss.on('error', () => {});

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    // Node drops its own error listener from an upgraded socket: a reset while we answer would crash.
    closeOnError(socket);
    try {
      upgrade(req, socket, head);
    } catch {
      socket.destroy();
    }
  }

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    const url = requestUrl(req);
    if (!url) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const given = url.searchParams.get(TOKEN_PARAM);
    let caller: Caller | null = null;
    let verdict: GuardVerdict;
    if (url.pathname !== WS_PATH) verdict = { ok: false, status: 403, reason: 'unknown path' };
    else if (!team) verdict = checkRequest({ host: req.headers.host, origin: req.headers.origin, token: given }, guard());
    else {
      verdict = checkSource({ host: req.headers.host, origin: req.headers.origin }, guard());
      if (verdict.ok) {
        caller = team.caller(given);
        if (!caller) verdict = { ok: false, status: 401, reason: 'not signed in' };
      }
    }
    if (!verdict.ok) {
      socket.end(`HTTP/1.1 ${verdict.status} ${verdict.status === 401 ? 'Unauthorized' : 'Forbidden'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws, caller ? given : null));
  }

  function serveSocket(ws: WebSocket, session: string | null) {
    // A protocol error (bad UTF-8, an unmasked or oversized frame, a reserved opcode or bit): ws has
    // already sent the close code for it and closes this socket; without a listener it would throw.
    ws.on('error', () => {});
    const send = (frame: ServerFrame) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
    };
    const unsubscribe = core.onEvent((name, payload) => {
      // Runs inside whichever call emitted the event: a failure here must not fail that call.
      try {
        if (team) {
          const caller = team.caller(session);
          if (!caller || !isEventName(name) || !mayReceive(caller.role, name)) return;
        }
        send({ type: 'event', name, payload });
      } catch {
        // This socket misses the event; the next call it makes reports what is wrong.
      }
    });
    ws.on('close', unsubscribe);
    ws.on('message', (data) => {
      let frame: ClientFrame;
      try {
        frame = ClientFrame.parse(JSON.parse(String(data)));
      } catch {
        ws.close(1008, 'malformed frame');
        return;
      }
      answer(frame).then(
        (result) => send({ type: 'result', id: frame.id, result }),
        (e: unknown) => {
          try {
            send({ type: 'result', id: frame.id, result: internalError(frame.method, e) });
          } catch {
            ws.terminate();
          }
        },
      );
    });

    async function answer(frame: ClientFrame): Promise<Envelope<unknown>> {
      if (!team) return core.call(frame.method, frame.input);
      const caller = team.caller(session);
      if (!caller) {
        setImmediate(() => ws.close(4401, 'session ended'));
        return { ok: false, error: { code: 'UNAUTHORIZED', message: 'Your session has ended: sign in again.' } };
      }
      const checked = authorizeCall(caller, frame.method, frame.input);
      return checked.ok ? filterResult(caller, frame.method, await runAsCaller(caller, () => core.call(frame.method, checked.input))) : checked.error;
    }
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
