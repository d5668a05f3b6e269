// Runs in an Electron utilityProcess: hosts core away from the window's process, so a crash or
// abort in native code cannot take down the UI, and the UI cannot reach the database directly.
import { openCore } from '../core/core';
import type { OsKeyring } from '../core/vault/gate';
import { CoreHostRequest, KeyringArg, type CoreHostMessage } from './core-host-protocol';

const workspaceDir = process.argv[process.argv.indexOf('--workspace') + 1];
if (!workspaceDir || !process.parentPort) {
  console.error('core-host must be started by the desktop app with --workspace DIR');
  process.exit(2);
}
const port = process.parentPort;
const post = (m: CoreHostMessage) => port.postMessage(m);

// The OS keychain is reached through the main process, which alone may use safeStorage.
let nextKeyringId = 1;
const keyringWaiting = new Map<number, (r: { ok: boolean; data: string }) => void>();
const askKeyring = (op: 'encrypt' | 'decrypt', data: string) => new Promise<string>((resolve, reject) => {
  const id = nextKeyringId++;
  keyringWaiting.set(id, (r) => (r.ok ? resolve(r.data) : reject(new Error(r.data))));
  post({ type: 'keyring', id, op, data });
});
const verdict = KeyringArg.safeParse(JSON.parse(process.argv[process.argv.indexOf('--keyring') + 1] ?? 'null'));
const keyring: OsKeyring | undefined = verdict.success
  ? {
      ...verdict.data,
      encrypt: (key) => askKeyring('encrypt', key.toString('hex')),
      decrypt: async (blob) => Buffer.from(await askKeyring('decrypt', blob), 'hex'),
    }
  : undefined;

const core = openCore({ workspaceDir, host: 'desktop', vault: { keyring } });

core.onEvent((name, payload) => post({ type: 'event', name, payload }));
port.on('message', async (e) => {
  const msg = CoreHostRequest.safeParse(e.data);
  if (!msg.success) return;
  if (msg.data.type === 'keyring-result') {
    keyringWaiting.get(msg.data.id)?.(msg.data);
    keyringWaiting.delete(msg.data.id);
    return;
  }
  if (msg.data.type === 'shutdown') {
    await core.close();
    process.exit(0);
  }
  if (msg.data.type === 'call') {
    post({ type: 'result', id: msg.data.id, result: await core.call(msg.data.method, msg.data.input) });
  }
});
post({ type: 'ready' });
