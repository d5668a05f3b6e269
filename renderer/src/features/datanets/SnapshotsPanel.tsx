import { Camera, Copy } from 'lucide-react';
import { useEffect } from 'react';
import { toast } from 'sonner';
import { client } from '../../api';
import { Button, EmptyState, formatTime, errorMessage } from '../../components/ui';
import { useDatanets } from '../../store/datanets';
import { PublishOnChain } from '../network/PublishOnChain';

/** Immutable versions of the approved records, each with the Merkle root that commits to it. */
export function SnapshotsPanel({ datanetId }: { datanetId: string }) {
  const { snapshots, loadSnapshots } = useDatanets();
  useEffect(() => {
    void loadSnapshots(datanetId);
  }, [datanetId, loadSnapshots]);
  const items = snapshots?.datanetId === datanetId ? snapshots.items : [];
  const take = async () => {
    try {
      const s = await client!.call('datanets.createSnapshot', { datanetId });
      toast.success(`Snapshot v${s.version}: ${s.recordCount} records`);
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };
  const copy = async (root: string) => {
    await navigator.clipboard.writeText(root);
    toast.success('Root copied');
  };
  return (
    <div className="panel">
      <div className="toolbar">
        <span className="muted">Only approved records are frozen. Training reads snapshots, never the live datanet.</span>
        <span className="status-spacer" />
        <Button variant="primary" onClick={() => void take()}>
          <Camera size={14} /> Take snapshot
        </Button>
      </div>
      {items.length === 0 ? (
        <EmptyState title="No snapshots yet">
          <p>Approve records, then take a snapshot: an immutable, ordered copy with a Merkle root you can publish and prove records against.</p>
        </EmptyState>
      ) : (
        <table className="table" data-testid="snapshots-table">
          <thead>
            <tr>
              <th className="num">Version</th>
              <th className="num">Records</th>
              <th>Merkle root</th>
              <th>Taken</th>
              <th>ID</th>
              <th>On chain</th>
            </tr>
          </thead>
          <tbody>
            {items.map((s) => (
              <tr key={s.id}>
                <td className="num">v{s.version}</td>
                <td className="num">{s.recordCount.toLocaleString()}</td>
                <td className="mono">
                  <span data-testid="snapshot-root">{s.root}</span>
                  <button type="button" className="icon-btn" aria-label={`Copy root of v${s.version}`} onClick={() => void copy(s.root)}>
                    <Copy size={13} />
                  </button>
                </td>
                <td>{formatTime(s.createdAt)}</td>
                <td className="mono muted">{s.id}</td>
                <td>
                  <PublishOnChain kind="snapshot" subject={s.id} name={`Snapshot v${s.version}`} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
