import { ArrowLeft, FileUp, Pencil, Plus, Trash2 } from 'lucide-react';
import { Tabs } from 'radix-ui';
import { useEffect, useState } from 'react';
import { Button, EmptyState, PageHeader } from '../../components/ui';
import { useDatanets } from '../../store/datanets';
import { useRoute } from '../../store/route';
import { AddRecordDialog } from './AddRecordDialog';
import { useMay } from '../team/access';
import { DeleteDatanetDialog, RenameDatanetDialog } from './DatanetDialogs';
import { ImportDialog } from './ImportDialog';
import { ImportsPanel } from './ImportsPanel';
import { RecordsPanel } from './RecordsPanel';
import { SnapshotsPanel } from './SnapshotsPanel';

export function DatanetDetail({ datanetId }: { datanetId: string }) {
  // A team user sees only the actions their role may take.
  const may = useMay();
  const { datanets, loaded, loadSnapshots } = useDatanets();
  const go = useRoute((s) => s.go);
  const datanet = datanets.find((d) => d.id === datanetId);
  const [dialog, setDialog] = useState<'add' | 'rename' | 'delete' | 'import' | null>(null);
  const [tab, setTab] = useState('records');

  useEffect(() => {
    void loadSnapshots(datanetId);
  }, [datanetId, loadSnapshots]);

  if (!datanet) {
    return loaded ? (
      <div className="page">
        <EmptyState title="This datanet does not exist" action={<Button onClick={() => go({ section: 'datanets' })}>Back to datanets</Button>}>
          <p>It may have been deleted.</p>
        </EmptyState>
      </div>
    ) : null;
  }

  return (
    <div className="page page-split">
      <PageHeader
        title={
          <span className="title-with-back">
            <button type="button" className="icon-btn" aria-label="Back to datanets" onClick={() => go({ section: 'datanets' })}>
              <ArrowLeft size={16} />
            </button>
            {datanet.name}
          </span>
        }
        subtitle={
          <>
            {datanet.description ? `${datanet.description} · ` : ''}
            <span className="mono">{datanet.id}</span> · {datanet.recordCount.toLocaleString()} records
          </>
        }
        actions={
          <>
            {may('datanets.rename') ? (
              <Button onClick={() => setDialog('rename')}>
                <Pencil size={14} /> Rename
              </Button>
            ) : null}
            {may('datanets.delete') ? (
              <Button variant="danger" onClick={() => setDialog('delete')}>
                <Trash2 size={14} /> Delete
              </Button>
            ) : null}
            {may('datanets.importFile') ? (
              <Button onClick={() => setDialog('import')}>
                <FileUp size={14} /> Import file
              </Button>
            ) : null}
            <Button variant="primary" onClick={() => setDialog('add')}>
              <Plus size={14} /> Add record
            </Button>
          </>
        }
      />
      <Tabs.Root value={tab} onValueChange={setTab} className="tabs">
        <Tabs.List className="tab-list" aria-label="Datanet views">
          <Tabs.Trigger value="records">Records</Tabs.Trigger>
          <Tabs.Trigger value="imports">Imports</Tabs.Trigger>
          <Tabs.Trigger value="snapshots">Snapshots</Tabs.Trigger>
        </Tabs.List>
        <Tabs.Content value="records" className="tab-panel">
          <RecordsPanel datanetId={datanet.id} onAdd={() => setDialog('add')} />
        </Tabs.Content>
        <Tabs.Content value="imports" className="tab-panel">
          <ImportsPanel datanetId={datanet.id} onImport={() => setDialog('import')} />
        </Tabs.Content>
        <Tabs.Content value="snapshots" className="tab-panel">
          <SnapshotsPanel datanetId={datanet.id} />
        </Tabs.Content>
      </Tabs.Root>
      {/* Dialogs mount when opened, so each opening starts from a clean form. */}
      {dialog === 'add' ? <AddRecordDialog datanetId={datanet.id} open onOpenChange={(o) => setDialog(o ? 'add' : null)} /> : null}
      {dialog === 'import' ? <ImportDialog datanetId={datanet.id} onOpenChange={(o) => setDialog(o ? 'import' : null)} /> : null}
      {dialog === 'rename' ? <RenameDatanetDialog datanet={datanet} open onOpenChange={(o) => setDialog(o ? 'rename' : null)} /> : null}
      {dialog === 'delete' ? <DeleteDatanetDialog datanet={datanet} open onOpenChange={(o) => setDialog(o ? 'delete' : null)} /> : null}
    </div>
  );
}
