import type { z } from 'zod';
import type { walletMethods } from '../../shared/wallet';
import type { WalletService } from '../wallet/service';

type WalletMethods = typeof walletMethods;
export type WalletHandlers = {
  [M in keyof WalletMethods]: (input: z.output<WalletMethods[M]['input']>) => z.output<WalletMethods[M]['output']> | Promise<z.output<WalletMethods[M]['output']>>;
};

/** The wallet's contract methods; spread into createHandlers once walletMethods is in the contract. */
export function createWalletHandlers(wallet: WalletService): WalletHandlers {
  return {
    'wallet.status': () => wallet.status(),
    'wallet.listAccounts': () => ({ items: wallet.listAccounts() }),
    'wallet.beginCreate': () => wallet.beginCreate(),
    'wallet.confirmCreate': (i) => wallet.confirmCreate(i),
    'wallet.import': (i) => wallet.import(i),
    'wallet.addAccount': (i) => wallet.addAccount(i),
    'wallet.unlock': (i) => wallet.unlock(i),
    'wallet.lock': () => wallet.lock(),
    'wallet.setAutoLock': (i) => wallet.setAutoLock(i),
    'wallet.requestTypedData': (i) => wallet.requestTypedData({ ...i, origin: 'wallet.requestTypedData' }),
    'wallet.listRequests': () => ({ items: wallet.listRequests() }),
    'wallet.approve': (i) => wallet.approve({ id: i.id }),
    'wallet.reject': (i) => wallet.reject(i),
  };
}
