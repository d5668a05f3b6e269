import { LOGIN_PATH, LoginResponse, MODE_PATH, ServeMode } from '../../../../electron/shared/team';
import { storeToken } from '../../api/ws-transport';

/**
 * Whether this page was served by a team server (HTTPS, accounts): then it signs in before the
 * app starts. The desktop app and the single-user serve answer 'local'.
 */
export async function serveMode(): Promise<ServeMode['mode']> {
  if (window.datanetStudio || !window.location.protocol.startsWith('http')) return 'local';
  try {
    const res = await fetch(MODE_PATH, { cache: 'no-store' });
    if (!res.ok) return 'local';
    const parsed = ServeMode.safeParse(await res.json());
    return parsed.success ? parsed.data.mode : 'local';
  } catch {
    return 'local';
  }
}

/** Signs in; the session token is kept for this tab only (sessionStorage) and used for the WebSocket. */
export async function signIn(name: string, password: string): Promise<LoginResponse> {
  const res = await fetch(LOGIN_PATH, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name, password }),
    cache: 'no-store',
  });
  const body = (await res.json().catch(() => ({}))) as { error?: string };
  if (!res.ok) throw new Error(body.error ?? `Signing in failed (HTTP ${res.status}).`);
  const session = LoginResponse.parse(body);
  storeToken(session.session);
  return session;
}
