// The desktop shell's security policy as pure functions, so it is unit-tested without Electron.
import type { WebPreferences } from 'electron';
import { contentSecurityPolicy } from '../core/host/csp';

/** The renderer is served from this privileged custom scheme, never from file://. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'studio';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;

export function windowWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    sandbox: true,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webviewTag: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
  };
}

/** The desktop CSP: the renderer reaches core only through the preload, so no connect targets. */
export const desktopContentSecurityPolicy = () => contentSecurityPolicy();

function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && !u.username && !u.password;
  } catch {
    return false;
  }
}

/** Navigation stays inside the app: anything else (http, file, javascript:, other schemes) is refused. */
export const isNavigationAllowed = (url: string) => isAppUrl(url);

/** window.open and target=_blank never create windows. */
export const windowOpenDecision = (_url: string) => ({ action: 'deny' as const });

/** Camera, microphone, geolocation, notifications, … — the app needs none of them. */
export const permissionDecision = (_permission: string) => false;

/** IPC is answered only for our own page in our own window. */
export const isTrustedSender = (frameUrl: string | undefined) => frameUrl !== undefined && isAppUrl(frameUrl);
