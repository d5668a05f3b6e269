import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { AppError } from '../../shared/errors';

export const CONTRACT_NAMES = ['DatanetRegistry', 'ModelRegistry', 'AttributionRegistry', 'RewardDistributor', 'DevToken', 'ProposalRegistry'] as const;
export type ContractName = (typeof CONTRACT_NAMES)[number];

const Artifact = z.object({
  source: z.string(),
  abi: z.array(z.record(z.string(), z.unknown())),
  bytecode: z.string().regex(/^0x[0-9a-f]+$/),
});
const BuildOutput = z.object({
  solcVersion: z.string(),
  inputHash: z.string(),
  contracts: z.record(z.string(), Artifact),
});

export type ContractArtifact = z.infer<typeof Artifact>;
export type ContractArtifacts = Record<ContractName, ContractArtifact>;

let cached: { file: string; artifacts: ContractArtifacts } | null = null;

/**
 * The compiled contracts, as scripts/build-contracts.mjs wrote them. DATANET_STUDIO_CONTRACTS
 * points at the file where the source tree layout is gone (the bundled desktop app).
 */
export function loadContractArtifacts(): ContractArtifacts {
  const override = process.env.DATANET_STUDIO_CONTRACTS;
  const candidates = override
    ? [override]
    : [join(moduleDir(), '../../../resources/contracts/build/contracts.json'), join(process.cwd(), 'resources/contracts/build/contracts.json')];
  const file = candidates.find((c) => existsSync(c));
  if (!file) {
    throw new AppError(
      'NOT_AVAILABLE',
      `The compiled contracts are missing (looked for ${candidates.join(', ')}). Run \`npm run build:contracts\`.`,
    );
  }
  if (cached?.file === file) return cached.artifacts;
  let parsed: z.infer<typeof BuildOutput>;
  try {
    parsed = BuildOutput.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch (e) {
    throw new AppError('STORAGE', `The compiled contracts in ${file} are unreadable (${(e as Error).message}). Run \`npm run build:contracts -- --force\`.`);
  }
  const missing = CONTRACT_NAMES.filter((n) => !parsed.contracts[n]);
  if (missing.length) {
    throw new AppError('STORAGE', `${file} lacks ${missing.join(', ')}. Run \`npm run build:contracts\`.`);
  }
  const artifacts = Object.fromEntries(CONTRACT_NAMES.map((n) => [n, parsed.contracts[n]!])) as ContractArtifacts;
  cached = { file, artifacts };
  return artifacts;
}

function moduleDir(): string {
  try {
    return dirname(fileURLToPath(import.meta.url));
  } catch {
    return process.cwd();
  }
}
