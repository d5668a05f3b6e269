/**
 * The renderer's Content-Security-Policy, the same for the desktop window and serve: scripts
 * only from the app itself (no eval, no inline script), no plugins, no framing, no forms.
 * Inline styles are allowed because the UI's accessible primitives position popovers with them.
 */
export function contentSecurityPolicy(options: { connectSrc?: string[] } = {}): string {
  const connect = ["'self'", ...(options.connectSrc ?? [])].join(' ');
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src ${connect}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "worker-src 'self'",
  ].join('; ');
}
