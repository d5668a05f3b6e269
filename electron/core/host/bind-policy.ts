/**
 * Where serve may listen. Loopback is the single-user app, guarded by a per-launch token. Any
 * other address is reachable by other machines, so it needs team mode: TLS (the session tokens
 * and the data must not cross the network in clear) and accounts with at least one owner.
 */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

export const isWildcard = (host: string) => ['0.0.0.0', '::', '[::]'].includes(host);

export interface BindRequest {
  host: string;
  /** Team mode asked for (TLS certificate and key given). */
  team: null | { hasCert: boolean; hasKey: boolean; hasOwner: boolean };
}

/** Why serve must not listen as asked, or null when it may. */
export function bindRefusal(req: BindRequest): string | null {
  if (!req.team) {
    if (isLoopback(req.host)) return null;
    return (
      `refusing to listen on ${req.host}, which other machines can reach, without TLS and team accounts. ` +
      'Give --tls-cert FILE and --tls-key FILE, and add an owner first (cli team add-user --role owner …); ' +
      'or leave out --host to serve this machine only (127.0.0.1).'
    );
  }
  if (!req.team.hasCert || !req.team.hasKey) return 'team mode needs both --tls-cert FILE and --tls-key FILE (PEM).';
  if (!req.team.hasOwner) {
    return 'team mode needs at least one owner account: add one with `cli team add-user --name NAME --role owner --password-file F`.';
  }
  return null;
}
