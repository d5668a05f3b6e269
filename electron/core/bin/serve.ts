#!/usr/bin/env node
// `serve`: the whole app for a browser on this machine — the built UI and the contract over a
// WebSocket on 127.0.0.1. For machines without Electron or a display, and for UI tests.
// Team mode (--host ADDR --tls-cert F --tls-key F): HTTPS for several signed-in users with roles.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PASSPHRASE_ENV, secret } from '../cli/args';
import { unlockWorkspace } from '../cli/run';
import { openCore } from '../core';
import { onStopSignals } from '../common/stop-signals';
import { bindRefusal } from '../host/bind-policy';
import { startUiServer, type TeamServerOptions } from '../host/ui-server';
import { openTeamAccounts } from '../team/workspace-accounts';
import { defaultWorkspaceDir } from '../workspace/workspace';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

async function main() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      workspace: { type: 'string' },
      renderer: { type: 'string' },
      host: { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'public-name': { type: 'string', multiple: true },
      'passphrase-file': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(
      [
        'Usage: npm run serve -- [--port N] [--workspace DIR] [--renderer DIR] [--passphrase-file F]',
        '       npm run serve -- --host ADDR --tls-cert F --tls-key F [--public-name NAME]… [--port N] [--workspace DIR] [--passphrase-file F]',
        'Serves the app on 127.0.0.1 (random port by default), opened with a per-launch token.',
        'Team mode: HTTPS on ADDR for the accounts made with `cli team add-user` (at least one owner);',
        '--public-name is the host name reviewers open (required when ADDR is 0.0.0.0 or ::).',
        'Any ADDR other than loopback is refused without TLS and an owner account.',
        `An encrypted workspace is unlocked at start with the passphrase on the first line of F (or $${PASSPHRASE_ENV});`,
        'without it the app opens locked, and team mode is refused (sign-in reads the accounts from the encrypted database).',
      ].join('\n'),
    );
    return;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`error: --port must be a port number (got "${values.port}")`);
    process.exitCode = 2;
    return;
  }
  const host = values.host ?? '127.0.0.1';
  const wantsTeam = values['tls-cert'] !== undefined || values['tls-key'] !== undefined;
  // Refused before the workspace is opened or anything listens (the owner check follows once it is open).
  const early = bindRefusal({ host, team: wantsTeam ? { hasCert: values['tls-cert'] !== undefined, hasKey: values['tls-key'] !== undefined, hasOwner: true } : null });
  if (early) {
    console.error(`error: ${early}`);
    process.exitCode = 2;
    return;
  }
  let tls: TeamServerOptions['tls'] | null = null;
  if (wantsTeam) {
    try {
      tls = { cert: readFileSync(values['tls-cert']!), key: readFileSync(values['tls-key']!) };
    } catch (e) {
      console.error(`error: cannot read the TLS certificate or key: ${(e as Error).message}`);
      process.exitCode = 2;
      return;
    }
  }
  const passphrase = secret(values, 'passphrase-file', PASSPHRASE_ENV);
  // Not inherited by the trainer, anvil or any other child.
  delete process.env[PASSPHRASE_ENV];
  const core = openCore({ workspaceDir: values.workspace ?? defaultWorkspaceDir(), host: 'serve' });
  let accounts: Awaited<ReturnType<typeof openTeamAccounts>> | null = null;
  let server;
  try {
    const unlocked = await unlockWorkspace(core, passphrase);
    // Without a passphrase the single-user page opens locked and asks for it; team sign-in reads the
    // accounts from the encrypted database before anyone could, so team mode is refused.
    if (!unlocked.ok && !(unlocked.error.code === 'LOCKED' && tls === null)) {
      console.error(`error: ${unlocked.error.message}`);
      await core.close();
      process.exitCode = unlocked.error.code === 'LOCKED' ? 2 : 1;
      return;
    }
    accounts = tls ? await openTeamAccounts({ paths: core.paths, passphrase }) : null;
    server = await startUiServer({
      core,
      rendererDir: values.renderer ?? resolve(repoRoot, 'out/renderer'),
      port,
      ...(tls && accounts ? { team: { host, tls, accounts: accounts.store, publicNames: values['public-name'] ?? [] } } : {}),
    });
  } catch (e) {
    accounts?.close();
    await core.close();
    throw e;
  }
  console.log(`Datanet Studio is running.`);
  console.log(`  workspace: ${core.paths.root}`);
  console.log(`  open:      ${server.openUrl}`);
  if (server.mode === 'team') console.log('  team mode: HTTPS; sign in with an account from `cli team list-users`.');
  console.log('Press Ctrl-C to stop.');
  const stop = async () => {
    await server.close();
    accounts?.close();
    await core.close();
    process.exit(0);
  };
  onStopSignals(() => void stop());
  reportStrayRejections();
}

/**
 * The last line of defence of a server left running unattended: a promise that fails with nobody
 * waiting on it belongs to one request, so it is reported and the others go on being served. The
 * first lines are the transports' own (every socket and server has an error listener, every call
 * is answered); this should never fire. A thrown exception still ends the process: after one, the
 * state of the app is not known.
 */
function reportStrayRejections() {
  let last = 0;
  let quiet = 0;
  process.on('unhandledRejection', (reason) => {
    // At most one report every 10 s, so a client that can trigger it cannot flood the log.
    if (Date.now() - last < 10_000) return void quiet++;
    last = Date.now();
    const more = quiet ? ` (${quiet} more since the last report)` : '';
    quiet = 0;
    console.error(`error: an unexpected failure in serve, which keeps running${more}: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
  });
}

main().catch((e: Error & { code?: string }) => {
  console.error(`error: ${e.message}`);
  process.exit(1);
});
