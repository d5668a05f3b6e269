#!/usr/bin/env node
// Compiles resources/contracts/*.sol with solc-js (the exact version pinned in package.json) into
// resources/contracts/build/contracts.json: ABI and creation bytecode of each of our contracts.
// OpenZeppelin imports resolve from node_modules. When the sources, the compiler and the settings
// are unchanged since the last build, the output is kept as is, so `npm run build` stays fast.
// Options: --force (compile even when up to date), --out FILE (write elsewhere, e.g. in tests).
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = join(root, 'resources/contracts');
const outArg = process.argv.indexOf('--out');
const outFile = outArg > 0 && process.argv[outArg + 1] ? resolve(process.argv[outArg + 1]) : join(sourceDir, 'build/contracts.json');
const force = process.argv.includes('--force');

const settings = {
  optimizer: { enabled: true, runs: 200 },
  // Cancun: what current public EVM chains run; anvil's default hardfork accepts it too.
  evmVersion: 'cancun',
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
};

const ozPackage = require('@openzeppelin/contracts/package.json');
const solc = require('solc');

const files = readdirSync(sourceDir).filter((f) => f.endsWith('.sol')).sort();
if (files.length === 0) throw new Error(`No .sol files in ${sourceDir}`);
const sources = Object.fromEntries(files.map((f) => [f, { content: readFileSync(join(sourceDir, f), 'utf8') }]));

const inputHash = createHash('sha256')
  .update(JSON.stringify({ solc: solc.version(), openzeppelin: ozPackage.version, settings, sources }))
  .digest('hex');

if (!force && existsSync(outFile)) {
  try {
    if (JSON.parse(readFileSync(outFile, 'utf8')).inputHash === inputHash) {
      console.log('contracts: up to date');
      process.exit(0);
    }
  } catch {
    // An unreadable previous output is simply rebuilt.
  }
}

function findImports(path) {
  if (path.startsWith('@openzeppelin/contracts/')) {
    return { contents: readFileSync(require.resolve(path), 'utf8') };
  }
  const local = join(sourceDir, path);
  if (existsSync(local)) return { contents: readFileSync(local, 'utf8') };
  return { error: `Import not found: ${path} (only ./ files of resources/contracts and @openzeppelin/contracts are allowed)` };
}

const started = Date.now();
const output = JSON.parse(solc.compile(JSON.stringify({ language: 'Solidity', sources, settings }), { import: findImports }));
const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
for (const w of (output.errors ?? []).filter((e) => e.severity !== 'error')) console.warn(w.formattedMessage);
if (errors.length) {
  for (const e of errors) console.error(e.formattedMessage);
  process.exit(1);
}

const contracts = {};
for (const f of files) {
  for (const [name, c] of Object.entries(output.contracts[f] ?? {})) {
    contracts[name] = { source: `resources/contracts/${f}`, abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
  }
}

const json = `${JSON.stringify({ solcVersion: solc.version(), openzeppelin: ozPackage.version, evmVersion: settings.evmVersion, inputHash, contracts }, null, 2)}\n`;
mkdirSync(dirname(outFile), { recursive: true });
const tmp = `${outFile}.${process.pid}.tmp`;
const fd = openSync(tmp, 'w', 0o644);
try {
  const bytes = Buffer.from(json);
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
  fsyncSync(fd);
} finally {
  closeSync(fd);
}
renameSync(tmp, outFile);
console.log(`contracts: ${Object.keys(contracts).join(', ')} compiled with solc ${solc.version()} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
