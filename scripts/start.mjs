#!/usr/bin/env node
// `npm start`: the desktop app where Electron and a display exist; otherwise the same app in
// serve mode for a browser, saying so. Builds first when the build is missing or stale.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const forwarded = process.argv.slice(2);

function newestMtime(dir) {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    newest = Math.max(newest, s.isDirectory() ? newestMtime(p) : s.mtimeMs);
  }
  return newest;
}

function ensureBuilt() {
  const stamp = 'out/renderer/index.html';
  const fresh =
    existsSync(stamp) && existsSync('out/main/main.cjs') && statSync(stamp).mtimeMs >= Math.max(newestMtime('renderer/src'), newestMtime('electron'));
  if (fresh) return;
  console.log('Building the app…');
  const r = spawnSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** The Electron binary's path, or the reason there is none. */
function electronBinary() {
  try {
    return { path: require('electron') };
  } catch {
    if (!existsSync('node_modules/electron/install.js')) return { reason: 'the electron package is not installed' };
    // Installs deny Electron's download script (it fails on offline machines); try it once now.
    console.log('Fetching the Electron binary (one time)…');
    const r = spawnSync(process.execPath, ['node_modules/electron/install.js'], { stdio: 'ignore', timeout: 180_000 });
    if (r.status === 0) {
      try {
        return { path: require('electron') };
      } catch {
        /* fall through */
      }
    }
    return { reason: "its binary is not installed and could not be downloaded on this machine" };
  }
}

function hasDisplay() {
  return process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
}

ensureBuilt();
const electron = process.env.DATANET_STUDIO_MODE === 'serve' ? { reason: 'DATANET_STUDIO_MODE=serve' } : electronBinary();
if (electron.path && hasDisplay()) {
  const child = spawn(electron.path, ['.', ...forwarded], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  const why = electron.path ? 'there is no display' : `Electron is not available: ${electron.reason}`;
  console.log(`Starting in serve mode because ${why}. Open the address below in a browser.`);
  const child = spawn(process.execPath, ['--import', 'tsx', 'electron/core/bin/serve.ts', ...forwarded], { stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code) => process.exit(code ?? 0));
}
