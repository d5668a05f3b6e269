import { useEffect } from 'react';
import { useWallet } from '../../store/wallet';

/**
 * Picks one of the wallet's accounts; the first is chosen when none is. Renders a hint instead when
 * the workspace has no wallet yet.
 */
export function AccountSelect({ value, onChange, label = 'Account' }: { value: string; onChange(account: string): void; label?: string }) {
  const accounts = useWallet((s) => s.accounts);
  useEffect(() => {
    if (accounts.length && !accounts.some((a) => a.address === value)) onChange(accounts[0]!.address);
  }, [accounts, value, onChange]);
  if (!accounts.length) {
    return (
      <span className="muted small">
        No wallet account yet: create or import one in <a href="#/wallet">Wallet</a>.
      </span>
    );
  }
  return (
    <select aria-label={label} value={value} onChange={(e) => onChange(e.target.value)}>
      {accounts.map((a) => (
        <option key={a.address} value={a.address}>
          {a.label ? `${a.label} · ` : ''}
          {a.address}
        </option>
      ))}
    </select>
  );
}
