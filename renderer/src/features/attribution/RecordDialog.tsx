import { useEffect, useState } from 'react';
import type { DatanetRecord } from '../../../../electron/shared/datanets';
import { client } from '../../api';
import { Dialog, errorMessage } from '../../components/ui';
import { useDatanets } from '../../store/datanets';
import { RecordDetail } from '../datanets/RecordDetail';

type Loaded = { id: string; record: DatanetRecord } | { id: string; error: string };

/** One record an answer was traced to, shown as the Datanets screen shows it. */
export function RecordDialog({ recordId, onClose }: { recordId: string; onClose(): void }) {
  const [shown, setShown] = useState<string>(recordId);
  const [loaded, setLoaded] = useState<Loaded | null>(null);

  useEffect(() => {
    let live = true;
    // RecordDetail offers inclusion proofs from its datanet's snapshots, so those load first.
    const load = async () => {
      const record = await client!.call('datanets.getRecord', { id: shown });
      await useDatanets.getState().loadSnapshots(record.datanetId);
      return record;
    };
    load().then(
      (record) => live && setLoaded({ id: shown, record }),
      (e: unknown) => live && setLoaded({ id: shown, error: errorMessage(e) }),
    );
    return () => {
      live = false;
    };
  }, [shown]);

  const snapshotsOf = useDatanets((s) => s.snapshots?.datanetId);
  const current = loaded?.id === shown && ('error' in loaded || snapshotsOf === loaded.record.datanetId) ? loaded : null;
  return (
    <Dialog open onOpenChange={(o) => (o ? null : onClose())} title={`Record ${shown}`} width={560}>
      {!current ? (
        <div className="muted">Loading…</div>
      ) : 'error' in current ? (
        <div className="form-error">{current.error}</div>
      ) : (
        <RecordDetail record={current.record} onOpenRecord={setShown} />
      )}
    </Dialog>
  );
}
