import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { isEventName } from '../../shared/contract';
import { ClientFrame, TOKEN_PARAM, WS_PATH, type ServerFrame } from '../../shared/transport';
import type { Core } from '../core';
import { runAsCaller, type Caller } from '../team/context';
import { authorizeCall, filterResult, mayReceive } from '../team/policy';
import { checkRequest, checkSource, type GuardOptions, type GuardVerdict } from './request-guard';

/**
 * Team mode: the token on the socket is a signed-in user's session, not the launch secret. `caller`
 * is asked again at every call, so a session that ended or an account that was removed stops there.
 */
export interface TeamAuth {
  caller(sessionToken: string | null): Caller | null;
}

/** The contract over a WebSocket: calls in, results and events out, one socket per page. */
export function attachWebSocketTransport(core: Core, guard: () => GuardOptions, team?: TeamAuth) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    const url = new URL(req.url ?? '/', 'http://placeholder');
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
    const send = (frame: ServerFrame) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
    };
    const unsubscribe = core.onEvent((name, payload) => {
      if (team) {
        const caller = team.caller(session);
        if (!caller || !isEventName(name) || !mayReceive(caller.role, name)) return;
      }
      send({ type: 'event', name, payload });
    });
    ws.on('close', unsubscribe);
    ws.on('message', async (data) => {
      let frame: ClientFrame;
      try {
        frame = ClientFrame.parse(JSON.parse(String(data)));
      } catch {
        ws.close(1008, 'malformed frame');
        return;
      }
      if (!team) {
        send({ type: 'result', id: frame.id, result: await core.call(frame.method, frame.input) });
        return;
      }
      const caller = team.caller(session);
      if (!caller) {
        send({ type: 'result', id: frame.id, result: { ok: false, error: { code: 'UNAUTHORIZED', message: 'Your session has ended: sign in again.' } } });
        ws.close(4401, 'session ended');
        return;
      }
      const checked = authorizeCall(caller, frame.method, frame.input);
      const result = checked.ok ? filterResult(caller, frame.method, await runAsCaller(caller, () => core.call(frame.method, checked.input))) : checked.error;
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
