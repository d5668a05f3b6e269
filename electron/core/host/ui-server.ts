import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { TOKEN_PARAM } from '../../shared/transport';
import type { Core } from '../core';
import { contentSecurityPolicy } from './csp';
import { closeServer, listenOnLoopback } from './loopback';
import { checkHost } from './request-guard';
import { mimeType, openStatic, resolveStaticPath } from './static-files';
import { attachWebSocketTransport } from './ws-transport';

export interface UiServerOptions {
  core: Core;
  /** The built renderer (index.html and assets). */
  rendererDir: string;
  port?: number;
  token?: string;
}

export interface UiServer {
  url: string;
  /** The address to open: the URL with the per-launch secret in its fragment (never sent to the server). */
  openUrl: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** Serves the built renderer and the contract (over a WebSocket) on 127.0.0.1. */
export async function startUiServer(opts: UiServerOptions): Promise<UiServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  let port = 0;
  const transport = attachWebSocketTransport(opts.core, () => ({ port, token }));
  const server: Server = createServer((req, res) => {
    const host = checkHost(req.headers.host, port);
    if (!host.ok) {
      res.writeHead(host.status, { 'Content-Type': 'text/plain', ...SECURITY_HEADERS }).end(`Forbidden: ${host.reason}\n`);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', ...SECURITY_HEADERS }).end();
      return;
    }
    const path = new URL(req.url ?? '/', 'http://placeholder').pathname;
    // Client-side routes are hash-based, so any unknown path is a 404, not index.html.
    const file = resolveStaticPath(opts.rendererDir, path);
    if (!file) {
      const missing = resolveStaticPath(opts.rendererDir, '/') === null;
      res
        .writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS })
        .end(missing ? `The UI is not built (${opts.rendererDir} has no index.html). Run: npm run build\n` : 'Not found\n');
      return;
    }
    const hostHeader = req.headers.host!;
    res.writeHead(200, {
      'Content-Type': mimeType(file),
      'Cache-Control': file.endsWith('index.html') ? 'no-store' : 'public, max-age=31536000, immutable',
      'Content-Security-Policy': contentSecurityPolicy({ connectSrc: [`ws://${hostHeader}`] }),
      ...SECURITY_HEADERS,
    });
    if (req.method === 'HEAD') res.end();
    else openStatic(file).pipe(res);
  });
  server.on('upgrade', (req, socket, head) => transport.handleUpgrade(req, socket, head));
  port = await listenOnLoopback(server, opts.port);
  const url = `http://127.0.0.1:${port}/`;
  return {
    url,
    openUrl: `${url}#${TOKEN_PARAM}=${token}`,
    port,
    token,
    close: () => {
      transport.close();
      return closeServer(server);
    },
  };
}
