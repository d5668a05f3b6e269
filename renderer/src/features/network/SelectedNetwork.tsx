import { useChain } from '../../store/chain';

/** The network a chain action will use, and whether it is ready (a stopped devnet is started by the action). */
export function SelectedNetwork() {
  const status = useChain((s) => s.status);
  const network = status?.network;
  return (
    <div className="small">
      Network: <strong>{network ? `${network.name} (chain ${network.chainId})` : '…'}</strong>
      {status && !status.ready ? <span className="muted"> — {network?.kind === 'devnet' ? 'not running; it is started first' : 'not ready'}</span> : null}
    </div>
  );
}
