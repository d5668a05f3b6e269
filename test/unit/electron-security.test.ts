import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  APP_ENTRY,
  desktopContentSecurityPolicy,
  isNavigationAllowed,
  isTrustedSender,
  permissionDecision,
  windowOpenDecision,
  windowWebPreferences,
} from '../../electron/main/security';
import { handleIpcCall } from '../../electron/main/ipc-policy';
import { createBridge, type IpcRendererLike } from '../../electron/preload/bridge';
import { contentSecurityPolicy } from '../../electron/core/host/csp';
import { resolveStaticPath } from '../../electron/core/host/static-files';
import type { Envelope } from '../../electron/shared/errors';
import { tempDir } from '../helpers/workspace';

test('windows are sandboxed and isolated, with no Node and no webview', () => {
  const prefs = windowWebPreferences('/app/preload.cjs');
  assert.equal(prefs.sandbox, true);
  assert.equal(prefs.contextIsolation, true);
  assert.equal(prefs.nodeIntegration, false);
  assert.equal(prefs.nodeIntegrationInWorker, false);
  assert.equal(prefs.nodeIntegrationInSubFrames, false);
  assert.equal(prefs.webviewTag, false);
  assert.equal(prefs.webSecurity, true);
  assert.equal(prefs.allowRunningInsecureContent, false);
  assert.equal(prefs.experimentalFeatures, false);
  assert.equal(prefs.enableBlinkFeatures, undefined);
  assert.equal(prefs.preload, '/app/preload.cjs');
});

test('the CSP allows only the app\'s own scripts: no eval, no inline script, no plugins, no framing', () => {
  for (const csp of [desktopContentSecurityPolicy(), contentSecurityPolicy({ connectSrc: ['ws://127.0.0.1:1234'] })]) {
    assert.doesNotMatch(csp, /unsafe-eval/);
    assert.doesNotMatch(csp, /\*/);
    const directives = Object.fromEntries(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    assert.deepEqual(directives['script-src'], ["'self'"]);
    assert.deepEqual(directives['default-src'], ["'self'"]);
    assert.deepEqual(directives['object-src'], ["'none'"]);
    assert.deepEqual(directives['frame-ancestors'], ["'none'"]);
    assert.deepEqual(directives['base-uri'], ["'none'"]);
  }
  assert.match(contentSecurityPolicy({ connectSrc: ['ws://127.0.0.1:1234'] }), /connect-src 'self' ws:\/\/127\.0\.0\.1:1234/);
});

test('navigation stays inside the app', () => {
  assert.equal(isNavigationAllowed(APP_ENTRY), true);
  assert.equal(isNavigationAllowed('app://studio/#/datanets'), true);
  for (const url of [
    'https://example.com/',
    'http://127.0.0.1:8080/',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'app://evil/index.html',
    'app://user:pw@studio/index.html',
    'data:text/html,<script>1</script>',
    'not a url',
  ]) {
    assert.equal(isNavigationAllowed(url), false, url);
  }
});

test('new windows and permission requests are refused', () => {
  assert.deepEqual(windowOpenDecision('https://example.com'), { action: 'deny' });
  assert.deepEqual(windowOpenDecision(APP_ENTRY), { action: 'deny' });
  for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fileSystem']) assert.equal(permissionDecision(p), false);
});

test('main answers IPC only from the app page and only for contract methods', async () => {
  const forwarded: string[] = [];
  const forward = async (m: string): Promise<Envelope<unknown>> => {
    forwarded.push(m);
    return { ok: true, value: null };
  };
  assert.equal(isTrustedSender(undefined), false);
  const foreign = await handleIpcCall('https://evil.example/', 'datanets.list', {}, forward);
  assert.equal(!foreign.ok && foreign.error.code, 'UNAUTHORIZED');
  const unknown = await handleIpcCall(APP_ENTRY, 'fs.readFile', {}, forward);
  assert.equal(!unknown.ok && unknown.error.code, 'UNKNOWN_METHOD');
  assert.deepEqual(await handleIpcCall(APP_ENTRY, 'datanets.list', {}, forward), { ok: true, value: null });
  assert.deepEqual(forwarded, ['datanets.list']);
});

test('the preload bridge passes contract names only', async () => {
  const sent: unknown[][] = [];
  const listeners: ((e: unknown, ...a: unknown[]) => void)[] = [];
  // Electron's ipcRenderer cannot exist outside Electron: this records what the bridge sends.
  const ipc: IpcRendererLike = {
    invoke: async (...args) => {
      sent.push(args);
      return { ok: true, value: 'from main' };
    },
    on: (_c, l) => listeners.push(l),
    off: (_c, l) => listeners.splice(listeners.indexOf(l), 1),
  };
  const bridge = createBridge(ipc);
  const refused = await bridge.call('shell.openExternal', { url: 'x' });
  assert.equal(!refused.ok && refused.error.code, 'UNKNOWN_METHOD');
  assert.deepEqual(sent, []);
  assert.deepEqual(await bridge.call('datanets.list', {}), { ok: true, value: 'from main' });
  assert.equal(sent.length, 1);
  assert.throws(() => bridge.on('ipc.anything', () => {}), /no event named/);
  const got: unknown[] = [];
  const off = bridge.on('jobs.progress', (p) => got.push(p));
  listeners.forEach((l) => l({}, 'jobs.progress', 1));
  listeners.forEach((l) => l({}, 'datanets.changed', 2));
  off();
  listeners.forEach((l) => l({}, 'jobs.progress', 3));
  assert.deepEqual(got, [1]);
});

test('static paths cannot leave the renderer folder', (t) => {
  const root = join(tempDir(t), 'renderer');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html>');
  writeFileSync(join(root, 'assets', 'app.js'), '');
  writeFileSync(join(root, '..', 'secret.txt'), 'secret');
  assert.equal(resolveStaticPath(root, '/'), join(root, 'index.html'));
  assert.equal(resolveStaticPath(root, '/index.html'), join(root, 'index.html'));
  assert.equal(resolveStaticPath(root, '/assets/app.js?v=1'), join(root, 'assets', 'app.js'));
  for (const p of [
    '/../secret.txt',
    '/assets/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/..%2fsecret.txt',
    '/%2e%2e%2fsecret.txt',
    '/..\\secret.txt',
    '/index.html%00.js',
    '/%E0%A4%A',
    '/missing.js',
    '/assets',
  ]) {
    assert.equal(resolveStaticPath(root, p), null, p);
  }
});
