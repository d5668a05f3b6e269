#!/usr/bin/env node
// `serve`: the whole app for a browser on this machine — the built UI and the contract over a
// WebSocket on 127.0.0.1. For machines without Electron or a display, and for UI tests.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openCore } from '../core';
import { startUiServer } from '../host/ui-server';
import { defaultWorkspaceDir } from '../workspace/workspace';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

async function main() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      workspace: { type: 'string' },
      renderer: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log('Usage: npm run serve -- [--port N] [--workspace DIR] [--renderer DIR]\nServes the app on 127.0.0.1 (random port by default).');
    return;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`error: --port must be a port number (got "${values.port}")`);
    process.exitCode = 2;
    return;
  }
  const core = openCore({ workspaceDir: values.workspace ?? defaultWorkspaceDir(), host: 'serve' });
  const server = await startUiServer({ core, rendererDir: values.renderer ?? resolve(repoRoot, 'out/renderer'), port });
  console.log(`Datanet Studio is running.`);
  console.log(`  workspace: ${core.paths.root}`);
  console.log(`  open:      ${server.openUrl}`);
  console.log('Press Ctrl-C to stop.');
  const stop = async () => {
    await server.close();
    await core.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e: Error & { code?: string }) => {
  console.error(`error: ${e.message}`);
  process.exit(1);
});
