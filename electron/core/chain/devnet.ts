import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { JsonRpcProvider } from 'ethers';
import { AppError } from '../../shared/errors';
import { writeFileAtomic } from '../common/atomic-file';
import { spawnTied } from '../common/tied-child';
import { DEVNET_CHAIN_ID } from './networks';
import { createRpcProvider } from './rpc';
import { anvilBinaryName, anvilPackage } from './anvil-package';

/**
 * anvil's first dev account, unlocked on the devnet (its key is public and well known). The devnet
 * deploys and mints with it through eth_sendTransaction, so the app never holds a key of its own
 * for the devnet; the user's wallet is funded from it.
 */
export const DEVNET_FUNDER = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';


/**
 * The anvil binary from the npm package's platform-specific dependency (what @foundry-rs/anvil's
 * own bin.mjs runs). DATANET_STUDIO_ANVIL overrides it, e.g. for the packaged app's unpacked copy.
 */
export function anvilBinaryPath(): string {
  const override = process.env.DATANET_STUDIO_ANVIL;
  if (override) {
    if (!existsSync(override)) throw new AppError('NOT_AVAILABLE', `DATANET_STUDIO_ANVIL points at ${override}, which does not exist.`);
    return override;
  }
  const pkg = anvilPackage(process.platform, process.arch);
  if (!pkg) throw new AppError('NOT_AVAILABLE', `anvil has no build for ${process.platform}-${process.arch}; configure a network by RPC URL instead of the devnet.`);
  const binary = anvilBinaryName(process.platform);
  for (const base of [import.meta.url, join(process.cwd(), 'package.json')]) {
    try {
      if (base) return createRequire(base).resolve(`${pkg}/bin/${binary}`);
    } catch {
      // Not resolvable from there; try the next base.
    }
  }
  throw new AppError('NOT_AVAILABLE', `The devnet needs anvil from ${pkg}, which is not installed. Run \`npm install\` (it comes with @foundry-rs/anvil).`);
}

export interface Devnet {
  url: string;
  port: number;
  chainId: number;
  /** anvil's process id. */
  pid: number;
  /** Settles with anvil's exit code when it exits, whether stopped or crashed. */
  exited: Promise<number | null>;
  provider: JsonRpcProvider;
  /** Where the chain state is kept between runs. */
  stateFile: string;
  /** Writes the current chain state to stateFile (atomically), so a crash loses nothing before it. */
  persist(): Promise<void>;
  /** Persists, then stops anvil. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts anvil on 127.0.0.1 with the chain state kept in `dir`/state.json. The state is loaded at
 * start and written after each new block, on persist() and on stop(), through anvil_dumpState and
 * an atomic file write rather than anvil's own exit dump: a crash mid-write cannot tear the file.
 */
export async function startDevnet({
  dir,
  chainId = DEVNET_CHAIN_ID,
  autosaveMs = 1000,
  signal,
}: {
  dir: string;
  chainId?: number;
  /** How often a new block is looked for and, when one came, the state saved. */
  autosaveMs?: number;
  signal?: AbortSignal;
}): Promise<Devnet> {
  const binary = anvilBinaryPath();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stateFile = join(dir, 'state.json');
  const port = await freePort();
  const args = ['--host', '127.0.0.1', '--port', String(port), '--chain-id', String(chainId), '--silent'];
  if (existsSync(stateFile)) args.push('--load-state', stateFile);
  // Through a watchdog, so that anvil ends when this process does, even by SIGKILL (tied-child.ts).
  const child = await spawnTied(binary, args);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const { exited } = child;

  const url = `http://127.0.0.1:${port}`;
  const provider = createRpcProvider({ url, chainId });
  try {
    await waitUntilAnswering({ provider, exited, signal, stderr: () => stderr });
  } catch (e) {
    provider.destroy();
    child.kill('SIGKILL');
    throw e;
  }

  let stopped = false;
  let saving: Promise<void> | null = null;
  let savedBlock = Number(BigInt(await provider.send('eth_blockNumber', [])));
  const persist = async () => {
    // One dump at a time: the autosave and an explicit persist() must not interleave their writes.
    while (saving) await saving;
    saving = (async () => {
      const block = Number(BigInt(await provider.send('eth_blockNumber', [])));
      const dump = String(await provider.send('anvil_dumpState', []));
      writeFileAtomic(stateFile, [gunzipSync(Buffer.from(dump.slice(2), 'hex'))]);
      savedBlock = block;
    })();
    try {
      await saving;
    } finally {
      saving = null;
    }
  };
  // Every mined block is saved within autosaveMs, so even a crash of the app keeps the chain.
  const autosave = setInterval(() => {
    if (stopped || saving) return;
    provider
      .send('eth_blockNumber', [])
      .then((hex: string) => (Number(BigInt(hex)) !== savedBlock && !stopped ? persist() : undefined))
      .catch(() => undefined);
  }, autosaveMs);
  autosave.unref();
  void exited.then(() => {
    // anvil is gone (stopped or crashed): no more saves, and no requests to a closed port.
    stopped = true;
    clearInterval(autosave);
    provider.destroy();
  });
  return {
    url,
    port,
    chainId,
    pid: child.pid,
    exited,
    provider,
    stateFile,
    persist,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(autosave);
      try {
        await persist();
      } finally {
        provider.destroy();
        child.kill('SIGTERM');
        // The state is already saved, so an anvil that does not exit promptly loses nothing to a kill.
        const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(kill);
      }
    },
  };
}

async function waitUntilAnswering({
  provider,
  exited,
  signal,
  stderr,
}: {
  provider: JsonRpcProvider;
  exited: Promise<number | null>;
  signal?: AbortSignal;
  stderr: () => string;
}): Promise<void> {
  let exitCode: number | null | undefined;
  void exited.then((c) => (exitCode = c));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (signal?.aborted) throw new AppError('CANCELLED', 'Starting the devnet was cancelled.');
    if (exitCode !== undefined) {
      throw new AppError('NOT_AVAILABLE', `anvil exited (code ${exitCode}) before answering: ${stderr().trim() || 'no output'}`);
    }
    try {
      await provider.send('eth_chainId', []);
      return;
    } catch {
      if (Date.now() > deadline) throw new AppError('NOT_AVAILABLE', `anvil did not answer within 30 s: ${stderr().trim() || 'no output'}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Gives `address` native currency for gas on the devnet (anvil_setBalance; devnet only). */
export async function fundOnDevnet({ devnet, address, wei }: { devnet: Devnet; address: string; wei: bigint }): Promise<void> {
  await devnet.provider.send('anvil_setBalance', [address, `0x${wei.toString(16)}`]);
}
