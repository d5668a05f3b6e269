import type { z } from 'zod';
import { AppError } from '../../shared/errors';
import type { walletMethods } from '../../shared/wallet';
import type { WalletService } from '../wallet/service';

type WalletMethods = typeof walletMethods;
type WalletMethod = keyof WalletMethods;
type WalletHandler<M extends WalletMethod> = (input: z.output<WalletMethods[M]['input']>) => z.output<WalletMethods[M]['output']> | Promise<z.output<WalletMethods[M]['output']>>;
export type WalletHandlers = { [M in WalletMethod]: WalletHandler<M> };

/**
 * The router reports an unexpected error with its message and hands the error object to a logger;
 * an error from inside the wallet could carry what the caller typed (a phrase, a key), so only its
 * kind leaves here. The service's own errors are AppErrors written not to contain secrets.
 */
export function guarded<M extends WalletMethod>(method: M, handler: WalletHandler<M>): WalletHandler<M> {
  const scrubbed = (e: unknown) => {
    if (e instanceof AppError) return e;
    const kind = e instanceof Error ? e.name : typeof e;
    return new AppError('INTERNAL', `${method} failed unexpectedly (${kind}); details are withheld because they may contain key material. This is a bug.`);
  };
  return (input) => {
    try {
      const out = handler(input);
      return out instanceof Promise ? out.catch((e: unknown) => Promise.reject(scrubbed(e))) : out;
    } catch (e) {
      throw scrubbed(e);
    }
  };
}

/** The wallet's contract methods; spread into createHandlers once walletMethods is in the contract. */
export function createWalletHandlers(wallet: WalletService): WalletHandlers {
  return {
    'wallet.status': guarded('wallet.status', () => wallet.status()),
    'wallet.listAccounts': guarded('wallet.listAccounts', () => ({ items: wallet.listAccounts() })),
    'wallet.beginCreate': guarded('wallet.beginCreate', () => wallet.beginCreate()),
    'wallet.confirmCreate': guarded('wallet.confirmCreate', (i) => wallet.confirmCreate(i)),
    'wallet.cancelCreate': guarded('wallet.cancelCreate', (i) => wallet.cancelCreate(i)),
    'wallet.import': guarded('wallet.import', (i) => wallet.import(i)),
    'wallet.addAccount': guarded('wallet.addAccount', (i) => wallet.addAccount(i)),
    'wallet.unlock': guarded('wallet.unlock', (i) => wallet.unlock(i)),
    'wallet.lock': guarded('wallet.lock', () => wallet.lock()),
    'wallet.setAutoLock': guarded('wallet.setAutoLock', (i) => wallet.setAutoLock(i)),
    'wallet.requestTypedData': guarded('wallet.requestTypedData', (i) => wallet.requestTypedData({ ...i, origin: 'wallet.requestTypedData' })),
    'wallet.listRequests': guarded('wallet.listRequests', () => ({ items: wallet.listRequests() })),
    'wallet.approve': guarded('wallet.approve', (i) => wallet.approve({ id: i.id })),
    'wallet.reject': guarded('wallet.reject', (i) => wallet.reject(i)),
  };
}
