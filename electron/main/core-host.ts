// Runs in an Electron utilityProcess: hosts core away from the window's process, so a crash or
// abort in native code cannot take down the UI, and the UI cannot reach the database directly.
import { openCore } from '../core/core';
import { CoreHostRequest, type CoreHostMessage } from './core-host-protocol';

const workspaceDir = process.argv[process.argv.indexOf('--workspace') + 1];
if (!workspaceDir || !process.parentPort) {
  console.error('core-host must be started by the desktop app with --workspace DIR');
  process.exit(2);
}
const port = process.parentPort;
const core = openCore({ workspaceDir, host: 'desktop' });
const post = (m: CoreHostMessage) => port.postMessage(m);

core.onEvent((name, payload) => post({ type: 'event', name, payload }));
port.on('message', async (e) => {
  const msg = CoreHostRequest.safeParse(e.data);
  if (!msg.success) return;
  if (msg.data.type === 'shutdown') {
    await core.close();
    process.exit(0);
  }
  if (msg.data.type === 'call') {
    post({ type: 'result', id: msg.data.id, result: await core.call(msg.data.method, msg.data.input) });
  }
});
post({ type: 'ready' });
