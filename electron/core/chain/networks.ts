import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { JsonRpcProvider } from 'ethers';
import { z } from 'zod';
import { AppError } from '../../shared/errors';
import { writeFileAtomic } from '../common/atomic-file';

/** anvil's default chain id: the devnet the app starts itself. */
export const DEVNET_CHAIN_ID = 31337;
export const DEVNET_NETWORK_ID = 'devnet';

export const NetworkConfig = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lowercase letters, digits and dashes'),
  name: z.string().min(1).max(80),
  kind: z.enum(['devnet', 'custom']),
  /** Absent for the devnet: its URL (a free loopback port) is only known once it runs. */
  rpcUrl: z.url({ protocol: /^https?$/ }).optional(),
  chainId: z.number().int().positive(),
});
export type NetworkConfig = z.infer<typeof NetworkConfig>;

export const DEVNET: NetworkConfig = { id: DEVNET_NETWORK_ID, name: 'Local devnet (anvil)', kind: 'devnet', chainId: DEVNET_CHAIN_ID };

const NetworksFile = z.object({ version: z.literal(1), networks: z.array(NetworkConfig) });

/**
 * The networks the user configured, in `<workspace>/chain/networks.json`. The devnet is always
 * there and cannot be removed or redefined.
 */
export class NetworkStore {
  constructor(private readonly file: string) {}

  list(): NetworkConfig[] {
    return [DEVNET, ...this.readCustom()];
  }

  get(id: string): NetworkConfig {
    const n = this.list().find((x) => x.id === id);
    if (!n) throw new AppError('NOT_FOUND', `No network "${id}" is configured (known: ${this.list().map((x) => x.id).join(', ')}).`);
    return n;
  }

  add(input: { id: string; name: string; rpcUrl: string; chainId: number }): NetworkConfig {
    const parsed = NetworkConfig.safeParse({ ...input, kind: 'custom' });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new AppError('BAD_INPUT', `Network ${issue.path.join('.') || 'config'}: ${issue.message}`);
    }
    if (parsed.data.id === DEVNET_NETWORK_ID) throw new AppError('CONFLICT', 'The id "devnet" belongs to the built-in local devnet.');
    const custom = this.readCustom().filter((n) => n.id !== parsed.data.id);
    this.write([...custom, parsed.data]);
    return parsed.data;
  }

  remove(id: string): void {
    if (id === DEVNET_NETWORK_ID) throw new AppError('CONFLICT', 'The built-in devnet cannot be removed.');
    const custom = this.readCustom();
    if (!custom.some((n) => n.id === id)) throw new AppError('NOT_FOUND', `No network "${id}" is configured.`);
    this.write(custom.filter((n) => n.id !== id));
  }

  private readCustom(): NetworkConfig[] {
    if (!existsSync(this.file)) return [];
    try {
      return NetworksFile.parse(JSON.parse(readFileSync(this.file, 'utf8'))).networks;
    } catch (e) {
      throw new AppError('STORAGE', `${this.file} is not a valid network list: ${(e as Error).message}`);
    }
  }

  private write(networks: NetworkConfig[]): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    writeFileAtomic(this.file, [Buffer.from(`${JSON.stringify({ version: 1, networks }, null, 2)}\n`)]);
  }
}

/**
 * Asks the node for its chain id, and refuses to go on when it is not the expected one: called
 * before every signature and transaction, so a misconfigured or swapped RPC endpoint can never
 * receive something signed for another chain.
 */
export async function assertChainId({ provider, expected }: { provider: JsonRpcProvider; expected: number }): Promise<void> {
  let actual: number;
  try {
    actual = Number(BigInt(await provider.send('eth_chainId', [])));
  } catch (e) {
    throw new AppError('NOT_AVAILABLE', `The RPC endpoint did not answer eth_chainId: ${(e as Error).message}`);
  }
  if (actual !== expected) {
    throw new AppError('CONFLICT', `The RPC endpoint is on chain ${actual}, but this network is configured for chain ${expected}. Nothing was signed.`);
  }
}
