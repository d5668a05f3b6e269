import { LOGIN_PATH, LOGOUT_PATH, LoginResponse, MODE_PATH, ServeMode } from '../../../../electron/shared/team';
import { forgetToken, storeToken, takeToken } from '../../api/ws-transport';

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

/** Ends this tab's session on the server (best effort: it ends there anyway after 12 idle hours) and goes back to sign-in. */
export async function signOut(): Promise<void> {
  const token = takeToken();
  if (token) await fetch(LOGOUT_PATH, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, cache: 'no-store' }).catch(() => undefined);
  forgetToken();
  // Without the hash: the next person to sign in starts at the first section, not on this one's page.
  window.location.replace(window.location.pathname);
}
