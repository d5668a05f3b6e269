import { FunctionFragment, getAddress, type Provider } from 'ethers';
import { AppError } from '../../shared/errors';
import { TransactionSummary } from '../../shared/wallet';
import { failureReason } from './secrets';

/** Asks the node itself: a provider with a static network would answer getNetwork from its config. */
export async function chainIdOf(provider: Provider): Promise<bigint> {
  try {
    const asJsonRpc = provider as Provider & { send?: (method: string, params: unknown[]) => Promise<unknown> };
    if (typeof asJsonRpc.send === 'function') return BigInt(String(await asJsonRpc.send('eth_chainId', [])));
    return (await provider.getNetwork()).chainId;
  } catch (e) {
    throw new AppError('NOT_AVAILABLE', `The network did not say which chain it is (${failureReason(e)}); nothing was sent.`);
  }
}

/**
 * The decoded summary is what the person approves, so it must describe this very transaction:
 * same chain, contract address and value, and a function whose selector starts the calldata.
 */
export function checkSummary({ summary, chainId, to, data, value }: { summary: unknown; chainId: number; to: string | null; data: string; value: bigint }): TransactionSummary {
  const parsed = TransactionSummary.safeParse(summary);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('BAD_INPUT', `summary.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  const s = parsed.data;
  const mismatch = (field: string, what: string) => new AppError('BAD_INPUT', `summary.${field} does not match the transaction (${what}); it would show the user something else than what is signed.`);
  if (s.chainId !== chainId) throw mismatch('chainId', `${s.chainId} vs ${chainId}`);
  if ((s.address === null ? null : getAddress(s.address)) !== to) throw mismatch('address', `${s.address ?? 'creation'} vs ${to ?? 'creation'}`);
  if (BigInt(s.valueWei) !== value) throw mismatch('valueWei', `${s.valueWei} vs ${value}`);
  if (to !== null) {
    let selector: string;
    try {
      selector = FunctionFragment.from(s.signature).selector;
    } catch {
      throw new AppError('BAD_INPUT', `summary.signature: "${s.signature.slice(0, 100)}" is not a function signature.`);
    }
    if (!data.toLowerCase().startsWith(selector)) throw mismatch('signature', `${s.signature} has selector ${selector}, the calldata starts ${data.slice(0, 10)}`);
  } else if (s.function !== 'constructor') {
    throw mismatch('function', 'a contract creation is a constructor call');
  }
  return s;
}
