import type { JsonRpcProvider, TransactionReceipt } from 'ethers';
import { AppError } from '../../shared/errors';
import { decodeRevert, type TxSender, type UnsignedTx } from './contracts';
import { assertChainId } from './networks';

export interface SentTx {
  hash: string;
  blockNumber: number;
  /** Set for a contract creation. */
  contractAddress: string | null;
  receipt: TransactionReceipt;
}

function revertData(e: unknown): string | null {
  const err = e as { data?: unknown; info?: { error?: { data?: unknown } }; error?: { data?: unknown } };
  for (const d of [err.data, err.info?.error?.data, err.error?.data]) if (typeof d === 'string' && d.startsWith('0x')) return d;
  return null;
}

function revertError(what: string, e: unknown): AppError {
  const decoded = decodeRevert(revertData(e));
  return new AppError('CONFLICT', `${what} would revert: ${decoded ?? (e as Error).message}`);
}

/**
 * Polls for the receipt. ethers' waitForTransaction watches for new blocks instead, and on anvil,
 * which mines instantly, it could miss the one block that held the transaction and wait forever.
 */
export async function waitForReceipt({ provider, hash, timeoutMs }: { provider: JsonRpcProvider; hash: string; timeoutMs: number }): Promise<TransactionReceipt | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const receipt = await provider.getTransactionReceipt(hash);
    if (receipt) return receipt;
    if (Date.now() > deadline) return null;
    await new Promise((r) => setTimeout(r, provider.pollingInterval));
  }
}

/**
 * Checks the chain id, dry-runs the transaction from the sender (so a revert is explained by its
 * custom error before anything is signed), hands it to the sender, and waits for the receipt.
 */
export async function sendTransaction({
  provider,
  sender,
  tx,
  timeoutMs = 10 * 60_000,
}: {
  provider: JsonRpcProvider;
  sender: TxSender;
  tx: UnsignedTx;
  /** How long to wait for the receipt once sent. */
  timeoutMs?: number;
}): Promise<SentTx> {
  await assertChainId({ provider, expected: tx.chainId });
  const what = `${tx.summary.contract}.${tx.summary.function}`;
  try {
    const call = { from: sender.address, to: tx.to ?? undefined, data: tx.data, value: tx.value };
    if (tx.to === null) await provider.estimateGas(call);
    else await provider.call(call);
  } catch (e) {
    throw revertError(what, e);
  }
  const hash = await sender.send(tx);
  const receipt = await waitForReceipt({ provider, hash, timeoutMs });
  if (!receipt) throw new AppError('NOT_AVAILABLE', `Transaction ${hash} (${what}) was sent but not mined within ${Math.round(timeoutMs / 1000)} s.`);
  if (receipt.status !== 1) throw new AppError('CONFLICT', `Transaction ${hash} (${what}) reverted on chain.`);
  return { hash, blockNumber: receipt.blockNumber, contractAddress: receipt.contractAddress, receipt };
}
