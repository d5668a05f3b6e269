import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream';
import { TOKEN_PARAM } from '../../shared/transport';
import { LOGIN_PATH, LOGOUT_PATH, LoginRequest, MODE_PATH, type LoginResponse, type ServeMode } from '../../shared/team';
import type { Core } from '../core';
import type { AccountStore } from '../team/accounts';
import type { Caller } from '../team/context';
import { LoginLimiter, SESSION_IDLE_MS, SessionStore } from '../team/sessions';
import { bindRefusal, isWildcard } from './bind-policy';
import { guardServer, requestUrl } from './connection-faults';
import { contentSecurityPolicy } from './csp';
import { closeServer, listenOnLoopback } from './loopback';
import { checkHost, checkSource, type GuardOptions } from './request-guard';
import { mimeType, openStatic, resolveStaticPath } from './static-files';
import { attachWebSocketTransport } from './ws-transport';

/** serve for a team: HTTPS on any address, accounts with roles, a session per signed-in user. */
export interface TeamServerOptions {
  /** The address to listen on (e.g. 0.0.0.0, or this machine's LAN address). */
  host: string;
  /** The names clients reach the server by (Host header, without port). Default: `host`, unless it is a wildcard. */
  publicNames?: string[];
  tls: { cert: string | Buffer; key: string | Buffer };
  accounts: AccountStore;
  sessions?: SessionStore;
  limiter?: LoginLimiter;
}

export interface UiServerOptions {
  core: Core;
  /** The built renderer (index.html and assets). */
  rendererDir: string;
  port?: number;
  token?: string;
  /** The address to listen on; only loopback without `team` (the default, 127.0.0.1). */
  host?: string;
  team?: TeamServerOptions;
}

export interface UiServer {
  url: string;
  /** The address to open: the URL with the per-launch secret in its fragment (never sent to the server); team mode: the URL. */
  openUrl: string;
  port: number;
  token: string;
  mode: ServeMode['mode'];
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const MAX_LOGIN_BODY = 8 * 1024;

const bracket = (name: string) => (name.includes(':') && !name.startsWith('[') ? `[${name}]` : name).toLowerCase();

function teamNames(team: TeamServerOptions, port: number): NonNullable<GuardOptions['names']> {
  const names = team.publicNames?.length ? team.publicNames : [team.host];
  const hosts = names.flatMap((n) => (port === 443 ? [`${bracket(n)}:443`, bracket(n)] : [`${bracket(n)}:${port}`]));
  return { hosts, origins: hosts.filter((h) => port !== 443 || !h.endsWith(':443')).map((h) => `https://${h}`) };
}

function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        resolve(null);
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(null));
    // Cut off before its end: no 'end', and not always an 'error'.
    req.on('close', () => resolve(null));
  });
}

/**
 * Serves the built renderer and the contract (over a WebSocket): on 127.0.0.1 with a per-launch
 * token, or — team mode — over HTTPS on the given address with accounts and sessions.
 */
export async function startUiServer(opts: UiServerOptions): Promise<UiServer> {
  const team = opts.team;
  const bindHost = team?.host ?? opts.host ?? '127.0.0.1';
  const refusal = bindRefusal({
    host: bindHost,
    team: team ? { hasCert: Boolean(team.tls.cert?.length), hasKey: Boolean(team.tls.key?.length), hasOwner: team.accounts.hasOwner() } : null,
  });
  if (refusal) throw new Error(refusal);
  if (team && isWildcard(team.host) && !team.publicNames?.length) {
    throw new Error(`listening on ${team.host} needs --public-name NAME: the host name (or address) reviewers open in their browsers.`);
  }
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const sessions = team ? (team.sessions ?? new SessionStore()) : null;
  const limiter = team ? (team.limiter ?? new LoginLimiter()) : null;
  let port = 0;
  const guard = (): GuardOptions => ({ port, token, ...(team ? { names: teamNames(team, port) } : {}) });

  const callerOf = (session: string | null): Caller | null => {
    const s = sessions!.touch(session);
    if (!s) return null;
    const account = team!.accounts.get(s.name);
    // Removed, or its role or address changed since it signed in: the session is over.
    if (!account || account.role !== s.role || account.address !== s.address) {
      sessions!.endAllOf(s.name);
      return null;
    }
    return { name: account.name, role: account.role, address: account.address };
  };
  const transport = attachWebSocketTransport(opts.core, guard, team ? { caller: callerOf } : undefined);

  const json = (res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}) =>
    res
      .writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...SECURITY_HEADERS, ...extra })
      .end(JSON.stringify(body));

  async function login(req: IncomingMessage, res: ServerResponse) {
    const client = req.socket.remoteAddress ?? 'unknown';
    const wait = limiter!.retryAfter(client);
    if (wait > 0) return json(res, 429, { error: `Too many failed sign-ins: try again in ${wait} s.` }, { 'Retry-After': String(wait) });
    if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) return json(res, 415, { error: 'Send the sign-in as application/json.' });
    const body = await readBody(req, MAX_LOGIN_BODY);
    let parsed;
    try {
      parsed = body === null ? null : LoginRequest.safeParse(JSON.parse(body));
    } catch {
      parsed = null;
    }
    if (!parsed?.success) return json(res, 400, { error: 'Send {"name": …, "password": …}.' });
    const account = await team!.accounts.verify(parsed.data.name, parsed.data.password);
    if (!account) {
      limiter!.failed(client);
      return json(res, 401, { error: 'Wrong name or password.' });
    }
    limiter!.succeeded(client);
    const session = sessions!.create(account);
    const out: LoginResponse = { session, name: account.name, role: account.role, expiresInSeconds: SESSION_IDLE_MS / 1000 };
    return json(res, 200, out);
  }

  function logout(req: IncomingMessage, res: ServerResponse) {
    const m = /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(String(req.headers.authorization ?? ''));
    if (m) sessions!.end(m[1]!);
    res.writeHead(204, { 'Cache-Control': 'no-store', ...SECURITY_HEADERS }).end();
  }

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    try {
      route(req, res);
    } catch {
      // A bug in one request's handling answers that request, and only it.
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain', ...SECURITY_HEADERS }).end('Internal error\n');
      else res.destroy();
    }
  };

  const route = (req: IncomingMessage, res: ServerResponse) => {
    const g = guard();
    const source = team ? checkSource({ host: req.headers.host, origin: req.headers.origin }, g) : checkHost(req.headers.host, port);
    if (!source.ok) {
      res.writeHead(source.status, { 'Content-Type': 'text/plain', ...SECURITY_HEADERS }).end(`Forbidden: ${source.reason}\n`);
      return;
    }
    const url = requestUrl(req);
    if (!url) {
      res.writeHead(400, { 'Content-Type': 'text/plain', ...SECURITY_HEADERS }).end('Bad request: the path is not a URL\n');
      return;
    }
    const path = url.pathname;
    if (path === MODE_PATH && req.method === 'GET') return json(res, 200, { mode: team ? 'team' : 'local' } satisfies ServeMode);
    if (team && req.method === 'POST' && path === LOGIN_PATH) {
      login(req, res).catch(() => (res.headersSent ? res.destroy() : json(res, 500, { error: 'Signing in failed.' })));
      return;
    }
    if (team && req.method === 'POST' && path === LOGOUT_PATH) return logout(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', ...SECURITY_HEADERS }).end();
      return;
    }
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
      'Content-Security-Policy': contentSecurityPolicy({ connectSrc: [`${team ? 'wss' : 'ws'}://${hostHeader}`] }),
      ...SECURITY_HEADERS,
      ...(team ? { 'Strict-Transport-Security': 'max-age=31536000' } : {}),
    });
    if (req.method === 'HEAD') res.end();
    // The file can vanish or fail to read between the check and the read (a rebuild): that
    // response is cut off, the server goes on.
    else pipeline(openStatic(file), res, () => {});
  };

  const server: Server = team ? createHttpsServer({ cert: team.tls.cert, key: team.tls.key }, handler) : createServer(handler);
  server.on('upgrade', (req, socket, head) => transport.handleUpgrade(req, socket, head));
  guardServer(server, team ? 'the team server' : 'serve');
  if (team) {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, team.host, () => resolve());
    });
    port = (server.address() as AddressInfo).port;
  } else {
    port = await listenOnLoopback(server, opts.port);
  }
  const url = team ? `https://${bracket(team.publicNames?.[0] ?? team.host)}:${port}/` : `http://127.0.0.1:${port}/`;
  return {
    url,
    openUrl: team ? url : `${url}#${TOKEN_PARAM}=${token}`,
    port,
    token,
    mode: team ? 'team' : 'local',
    close: () => {
      transport.close();
      return closeServer(server);
    },
  };
}
