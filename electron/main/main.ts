// Electron main process: windows, hardening, the app:// protocol, and hosting core in a
// utilityProcess. Everything testable without Electron lives in security.ts.
import { app, BrowserWindow, ipcMain, net, protocol, safeStorage, session, utilityProcess, type UtilityProcess } from 'electron';
import { join } from 'node:path';
import { anvilBinaryName, anvilPackage } from '../core/chain/anvil-package';
import { pathToFileURL } from 'node:url';
import type { Envelope } from '../shared/errors';
import { IPC } from '../shared/transport';
import { resolveStaticPath } from '../core/host/static-files';
import { defaultWorkspaceDir } from '../core/workspace/workspace';
import type { CoreHostMessage, CoreHostRequest } from './core-host-protocol';
import { keyringVerdict } from './keyring';
import { handleIpcCall } from './ipc-policy';
import {
  APP_ENTRY,
  APP_SCHEME,
  desktopContentSecurityPolicy,
  isNavigationAllowed,
  permissionDecision,
  windowOpenDecision,
  windowWebPreferences,
} from './security';

const outDir = join(__dirname, '..');
const rendererDir = join(outDir, 'renderer');

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

let coreHost: UtilityProcess | null = null;
let nextCallId = 1;
const pending = new Map<number, (r: Envelope<unknown>) => void>();

/** Native files and executables cannot run from inside the asar archive: they are unpacked beside it. */
const unpacked = (...parts: string[]) => join(app.getAppPath().replace(/app\.asar$/, 'app.asar.unpacked'), ...parts);

function anvilPath(): Record<string, string> {
  const pkg = anvilPackage(process.platform, process.arch);
  return pkg ? { DATANET_STUDIO_ANVIL: unpacked('node_modules', pkg, 'bin', anvilBinaryName(process.platform)) } : {};
}

function startCoreHost(workspaceDir: string) {
  const keyring = keyringVerdict({
    platform: process.platform,
    encryptionAvailable: safeStorage.isEncryptionAvailable(),
    linuxBackend: process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : null,
  });
  coreHost = utilityProcess.fork(join(__dirname, 'core-host.cjs'), ['--workspace', workspaceDir, '--keyring', JSON.stringify(keyring)], {
    serviceName: 'Datanet Studio core',
    env: {
      ...process.env,
      DATANET_STUDIO_MIGRATIONS: join(__dirname, 'migrations'),
      DATANET_TRAINING_RUNNER: join(__dirname, 'training-runner.cjs'),
      DATANET_SPAN_INDEX_WORKER: join(__dirname, 'span-index-worker.cjs'),
      DATANET_NATIVE_DIR: unpacked('native'),
      ...(app.isPackaged
        ? {
            DATANET_STUDIO_CATALOG: join(process.resourcesPath, 'catalog', 'models.json'),
            DATANET_STUDIO_CONTRACTS: join(process.resourcesPath, 'contracts', 'contracts.json'),
            DATANET_STUDIO_DEMO_DATA: join(process.resourcesPath, 'demo', 'pharmacy'),
            ...anvilPath(),
          }
        : {}),
    },
  });
  coreHost.on('message', (m: CoreHostMessage) => {
    if (m.type === 'result') {
      pending.get(m.id)?.(m.result);
      pending.delete(m.id);
    } else if (m.type === 'event') {
      for (const w of BrowserWindow.getAllWindows()) w.webContents.send(IPC.event, m.name, m.payload);
    } else if (m.type === 'keyring') {
      coreHost?.postMessage(keyringAnswer(m, keyring.available) satisfies CoreHostRequest);
    }
  });
  coreHost.on('exit', (code) => {
    for (const [, resolve] of pending) resolve({ ok: false, error: { code: 'INTERNAL', message: `The core process stopped (exit code ${code}).` } });
    pending.clear();
    coreHost = null;
  });
}

/** safeStorage for the core host: only where the verdict allowed it, so the plaintext fallback is never used. */
function keyringAnswer(m: Extract<CoreHostMessage, { type: 'keyring' }>, available: boolean): CoreHostRequest {
  try {
    if (!available) throw new Error('the OS keychain is not available');
    const data = m.op === 'encrypt'
      ? safeStorage.encryptString(m.data).toString('base64')
      : safeStorage.decryptString(Buffer.from(m.data, 'base64'));
    return { type: 'keyring-result', id: m.id, ok: true, data };
  } catch (e) {
    return { type: 'keyring-result', id: m.id, ok: false, data: (e as Error).message };
  }
}

function callCore(method: string, input: unknown): Promise<Envelope<unknown>> {
  if (!coreHost) return Promise.resolve({ ok: false, error: { code: 'INTERNAL', message: 'The core process is not running.' } });
  const id = nextCallId++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    coreHost!.postMessage({ type: 'call', id, method, input } satisfies CoreHostRequest);
  });
}

function hardenSessions() {
  session.defaultSession.setPermissionRequestHandler((_wc, permission, cb) => cb(permissionDecision(permission)));
  session.defaultSession.setPermissionCheckHandler((_wc, permission) => permissionDecision(permission));
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-navigate', (e, url) => {
      if (!isNavigationAllowed(url)) e.preventDefault();
    });
    contents.on('will-redirect', (e, url) => {
      if (!isNavigationAllowed(url)) e.preventDefault();
    });
    contents.on('will-attach-webview', (e) => e.preventDefault());
    contents.setWindowOpenHandler(({ url }) => windowOpenDecision(url));
  });
}

function registerAppProtocol() {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveStaticPath(rendererDir, new URL(request.url).pathname);
    if (!file) return new Response('Not found', { status: 404 });
    const res = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(res.headers);
    headers.set('Content-Security-Policy', desktopContentSecurityPolicy());
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(res.body, { status: res.status, headers });
  });
}

function createWindow() {
  const win = new BrowserWindow({
    width: 1360,
    height: 860,
    minWidth: 960,
    minHeight: 600,
    title: 'Datanet Studio',
    show: false,
    webPreferences: windowWebPreferences(join(outDir, 'preload', 'preload.cjs')),
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(APP_ENTRY);
}

app.setName('Datanet Studio');
app.enableSandbox();
if (!app.requestSingleInstanceLock()) app.quit();

app.whenReady().then(() => {
  hardenSessions();
  registerAppProtocol();
  startCoreHost(process.env.DATANET_STUDIO_WORKSPACE ?? defaultWorkspaceDir());
  ipcMain.handle(IPC.call, (event, method: unknown, input: unknown) => handleIpcCall(event.senderFrame?.url, method, input, callCore));
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
app.on('before-quit', () => coreHost?.postMessage({ type: 'shutdown' } satisfies CoreHostRequest));
