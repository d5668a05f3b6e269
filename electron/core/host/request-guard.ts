import { timingSafeEqual } from 'node:crypto';

/**
 * Who may talk to a server bound to loopback: only requests addressed to this machine by name
 * (so a DNS-rebinding page at evil.example is refused), only from our own page's origin when a
 * browser sends one, and only with the per-launch secret.
 */
export interface GuardOptions {
  port: number;
  token: string;
  /**
   * Team mode of serve (HTTPS beyond loopback): the Host headers and Origins clients use, e.g.
   * "studio.lab:8443" and "https://studio.lab:8443". Absent: loopback names over http.
   */
  names?: { hosts: string[]; origins: string[] };
}

export type GuardVerdict = { ok: true } | { ok: false; status: 401 | 403; reason: string };

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

export function allowedHosts(port: number): string[] {
  return LOOPBACK_NAMES.map((h) => `${h}:${port}`);
}

export function allowedOrigins(port: number): string[] {
  return allowedHosts(port).map((h) => `http://${h}`);
}

export function checkHost(host: string | undefined, port: number, hosts = allowedHosts(port)): GuardVerdict {
  if (!host || !hosts.includes(host.toLowerCase())) {
    return { ok: false, status: 403, reason: `foreign Host header ${JSON.stringify(host ?? '')}` };
  }
  return { ok: true };
}

export function checkOrigin(origin: string | undefined, port: number, origins = allowedOrigins(port)): GuardVerdict {
  // Non-browser clients send no Origin; browsers always do, and it must be our own page.
  if (origin === undefined) return { ok: true };
  if (!origins.includes(origin.toLowerCase())) {
    return { ok: false, status: 403, reason: `foreign Origin ${JSON.stringify(origin)}` };
  }
  return { ok: true };
}

export function tokenMatches(given: string | null | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Host and Origin only (team mode checks a session instead of the launch token). */
export function checkSource(req: { host: string | undefined; origin: string | undefined }, opts: Omit<GuardOptions, 'token'>): GuardVerdict {
  const host = checkHost(req.host, opts.port, opts.names?.hosts);
  if (!host.ok) return host;
  return checkOrigin(req.origin, opts.port, opts.names?.origins);
}

export function checkRequest(
  req: { host: string | undefined; origin: string | undefined; token: string | null | undefined },
  opts: GuardOptions,
): GuardVerdict {
  const source = checkSource(req, opts);
  if (!source.ok) return source;
  if (!tokenMatches(req.token, opts.token)) return { ok: false, status: 401, reason: 'missing or wrong access token' };
  return { ok: true };
}
