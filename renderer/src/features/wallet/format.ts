import type { SigningRequest, SummaryField, TransactionSummary } from '../../../../electron/shared/wallet';

const CHAINS: Record<number, string> = {
  1: 'Ethereum mainnet',
  10: 'OP Mainnet',
  137: 'Polygon',
  8453: 'Base',
  42161: 'Arbitrum One',
  11155111: 'Sepolia testnet',
  31337: 'local devnet',
};

/** A chain id with its well-known name, so "1" (real money) never looks like a test network. */
export const chainName = (chainId: number) => (CHAINS[chainId] ? `${CHAINS[chainId]} (chain ${chainId})` : `chain ${chainId}`);

/** A decoded transaction in words: "DatanetRegistry.registerSnapshot", or the deployment of a contract. */
export const transactionTitle = (t: TransactionSummary) => (t.address === null ? `Deploy ${t.contract}` : `${t.contract}.${t.function}`);

/** One line for the activity list and the dialog title. */
export const requestTitle = (r: SigningRequest) => (r.transaction ? transactionTitle(r.transaction.summary) : `Sign ${r.typedData?.primaryType ?? 'typed data'}`);

const display = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'bigint' ? v.toString() : JSON.stringify(v) ?? String(v));

/** The rows to show: a call's decoded arguments, or the typed data's fields (already display strings). */
export const requestFields = (r: SigningRequest): SummaryField[] =>
  r.transaction ? r.transaction.summary.args.map((a) => ({ name: a.name, type: a.type, value: display(a.value) })) : (r.typedData?.fields ?? []);
