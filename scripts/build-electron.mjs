#!/usr/bin/env node
// Bundles the Electron main process, the core host and the preload into out/ with esbuild.
// Native modules stay external (electron-builder unpacks them from the asar).
import { build } from 'esbuild';
import { cpSync, mkdirSync, readdirSync } from 'node:fs';

const external = ['electron', 'better-sqlite3-multiple-ciphers', 'node-llama-cpp', 'bufferutil', 'utf-8-validate'];
// import.meta.url is only read where DATANET_STUDIO_MIGRATIONS is unset, which the desktop hosts always set.
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  external,
  logLevel: 'warning',
  logOverride: { 'empty-import-meta': 'silent' },
};

// For a bundle whose dependencies need a real import.meta.url (test/integration/document-worker.test.ts builds the same).
const WITH_IMPORT_META_URL = {
  define: { 'import.meta.url': '__import_meta_url' },
  banner: { js: 'const __import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
};

await Promise.all([
  build({ ...common, entryPoints: ['electron/main/main.ts'], outfile: 'out/main/main.cjs' }),
  build({ ...common, entryPoints: ['electron/main/core-host.ts'], outfile: 'out/main/core-host.cjs' }),
  // The training child process (core forks it; a GGML abort there cannot take the app down).
  build({ ...common, entryPoints: ['electron/core/training/runner.ts'], outfile: 'out/main/training-runner.cjs' }),
  // The span index's suffix sorting runs in a worker thread.
  build({ ...common, entryPoints: ['electron/core/attribution/span-index/build-worker.ts'], outfile: 'out/main/span-index-worker.cjs' }),
  // PDF and DOCX are parsed in a worker thread with heap and time limits; core finds it beside itself.
  // pdf.js loads its DOMMatrix polyfill (@napi-rs/canvas) with createRequire(import.meta.url).
  build({ ...common, ...WITH_IMPORT_META_URL, entryPoints: ['electron/core/datanets/import/document-worker.ts'], outfile: 'out/main/document-worker.cjs' }),
  // Sandboxed preloads can require only 'electron': everything else is bundled in.
  build({ ...common, entryPoints: ['electron/preload/preload.ts'], outfile: 'out/preload/preload.cjs', external: ['electron'], minify: true }),
]);

mkdirSync('out/main/migrations', { recursive: true });
for (const f of readdirSync('electron/core/db/migrations').filter((f) => f.endsWith('.sql'))) {
  cpSync(`electron/core/db/migrations/${f}`, `out/main/migrations/${f}`);
}
