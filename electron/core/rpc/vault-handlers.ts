import type { VaultControl } from '../vault/gate';
import type { Handlers } from './router';

type VaultMethod = 'vault.status' | 'vault.unlock' | 'vault.lock' | 'vault.enable' | 'vault.changePassphrase' | 'vault.setIdleLock' | 'vault.setKeyring';

export function vaultHandlers(v: VaultControl): Pick<Handlers, VaultMethod> {
  return {
    'vault.status': () => v.status(),
    'vault.unlock': (i) => v.unlock(i),
    'vault.lock': () => v.lock(),
    'vault.enable': (i) => v.enable(i),
    'vault.changePassphrase': (i) => v.changePassphrase(i),
    'vault.setIdleLock': (i) => v.setIdleLock(i),
    'vault.setKeyring': (i) => v.setKeyring(i),
  };
}
