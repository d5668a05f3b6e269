import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * What a server of ours does with a connection that misbehaves: it closes that one connection and
 * keeps serving everyone else. Without these listeners Node turns a socket error (a reset at the
 * wrong moment, a protocol error) into an uncaught exception that ends the whole process.
 */

const BAD_REQUEST = 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';
const CLIENT_ERROR_RESPONSES: Record<string, string> = {
  HPE_HEADER_OVERFLOW: 'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
  ERR_HTTP_REQUEST_TIMEOUT: 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
};

/** A socket error ends that socket only (and is not rethrown). */
export function closeOnError(socket: Duplex): void {
  socket.on('error', () => socket.destroy());
}

/**
 * For an http(s) server: unparsable requests are answered 400/408/431 and their connection closed
 * (as Node does by default, but said here so it cannot be lost to a later listener); failed TLS
 * handshakes close their socket; an error of the listening socket itself (e.g. EMFILE when out of
 * file descriptors) is reported and the server keeps accepting once it can.
 */
export function guardServer(server: Server, name: string, report: (line: string) => void = (l) => console.error(l)): void {
  server.on('clientError', (err: Error & { code?: string }, socket: Duplex) => {
    closeOnError(socket);
    if (!socket.writable || (socket as Duplex & { bytesWritten?: number }).bytesWritten !== 0 || err.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    // Destroyed once the answer is out, or after 5 s if the client does not take it.
    socket.end(CLIENT_ERROR_RESPONSES[err.code ?? ''] ?? BAD_REQUEST, () => socket.destroy());
    setTimeout(() => socket.destroy(), 5000).unref();
  });
  server.on('tlsClientError', (_err: Error, socket: Duplex) => socket.destroy());
  let last = 0;
  const onServerError = (err: Error & { code?: string }) => {
    // At most one line a minute: a flood of failed accepts must not flood the log too.
    if (Date.now() - last < 60_000) return;
    last = Date.now();
    report(`warning: ${name} could not accept a connection (${err.code ?? err.message}); it keeps serving.`);
  };
  // Only once listening: a failure to listen is the caller's to report.
  if (server.listening) server.on('error', onServerError);
  else server.once('listening', () => server.on('error', onServerError));
}

/** The request's URL, or null when its target is not one (answer 400). */
export function requestUrl(req: IncomingMessage): URL | null {
  try {
    return new URL(req.url ?? '/', 'http://placeholder');
  } catch {
    return null;
  }
}
