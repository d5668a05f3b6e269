import { ArrowLeft, ChevronLeft, ChevronRight, FileText, Pencil, Plus, Trash2 } from 'lucide-react';
import { useEffect, useState } from 'react';
import type { RecordStatus } from '../../../../electron/shared/datanets';
import { Button, EmptyState, PageHeader, shortHash } from '../../components/ui';
import { PAGE_SIZE, useDatanets } from '../../store/datanets';
import { useRoute } from '../../store/route';
import { AddRecordDialog } from './AddRecordDialog';
import { DeleteDatanetDialog, RenameDatanetDialog } from './DatanetDialogs';
import { RecordDetail, recordPreview } from './RecordDetail';

const FILTERS: { label: string; value: RecordStatus | undefined }[] = [
  { label: 'All', value: undefined },
  { label: 'Pending', value: 'pending' },
  { label: 'Approved', value: 'approved' },
  { label: 'Rejected', value: 'rejected' },
];

export function DatanetDetail({ datanetId }: { datanetId: string }) {
  const { datanets, loaded, records, loadRecords } = useDatanets();
  const go = useRoute((s) => s.go);
  const datanet = datanets.find((d) => d.id === datanetId);
  const [dialog, setDialog] = useState<'add' | 'rename' | 'delete' | null>(null);
  const [selected, setSelected] = useState<string | null>(null);

  useEffect(() => {
    void loadRecords(datanetId, 0);
  }, [datanetId, loadRecords]);

  if (!datanet) {
    return loaded ? (
      <div className="page">
        <EmptyState title="This datanet does not exist" action={<Button onClick={() => go({ section: 'datanets' })}>Back to datanets</Button>}>
          <p>It may have been deleted.</p>
        </EmptyState>
      </div>
    ) : null;
  }
  const page = records?.datanetId === datanetId ? records : null;
  const selectedRecord = page?.items.find((r) => r.id === selected) ?? null;
  const from = page && page.total ? page.offset + 1 : 0;
  const to = page ? page.offset + page.items.length : 0;

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
            <Button onClick={() => setDialog('rename')}>
              <Pencil size={14} /> Rename
            </Button>
            <Button variant="danger" onClick={() => setDialog('delete')}>
              <Trash2 size={14} /> Delete
            </Button>
            <Button variant="primary" onClick={() => setDialog('add')}>
              <Plus size={14} /> Add record
            </Button>
          </>
        }
      />
      <div className="toolbar">
        <div className="segmented" role="group" aria-label="Filter by status">
          {FILTERS.map((f) => (
            <button
              key={f.label}
              type="button"
              data-state={page?.status === f.value ? 'active' : 'inactive'}
              onClick={() => void loadRecords(datanetId, 0, f.value)}
            >
              {f.label}
            </button>
          ))}
        </div>
        <span className="status-spacer" />
        <span className="muted" data-testid="records-range">
          {page ? `${from}–${to} of ${page.total.toLocaleString()}` : ''}
        </span>
        <button
          type="button"
          className="icon-btn"
          aria-label="Previous page"
          disabled={!page || page.offset === 0}
          onClick={() => page && void loadRecords(datanetId, Math.max(0, page.offset - PAGE_SIZE), page.status)}
        >
          <ChevronLeft size={16} />
        </button>
        <button
          type="button"
          className="icon-btn"
          aria-label="Next page"
          disabled={!page || to >= page.total}
          onClick={() => page && void loadRecords(datanetId, page.offset + PAGE_SIZE, page.status)}
        >
          <ChevronRight size={16} />
        </button>
      </div>
      {page && page.total === 0 ? (
        <EmptyState
          icon={<FileText size={28} />}
          title={page.status ? `No ${page.status} records` : 'No records yet'}
          action={
            page.status ? null : (
              <Button variant="primary" onClick={() => setDialog('add')}>
                <Plus size={14} /> Add record
              </Button>
            )
          }
        >
          {page.status ? null : <p>Add instruction/response pairs, chats or plain text. Each record gets a content hash and keeps its contributor.</p>}
        </EmptyState>
      ) : (
        <div className="split">
          <div className="split-main">
            <table className="table" data-testid="records-table">
              <thead>
                <tr>
                  <th className="num">#</th>
                  <th>Kind</th>
                  <th>Content</th>
                  <th>Contributor</th>
                  <th>Status</th>
                  <th>Hash</th>
                </tr>
              </thead>
              <tbody>
                {page?.items.map((r, i) => (
                  <tr
                    key={r.id}
                    tabIndex={0}
                    className={`clickable${selected === r.id ? ' selected' : ''}`}
                    aria-selected={selected === r.id}
                    onClick={() => setSelected(r.id)}
                    onKeyDown={(e) => {
                      if (e.key === 'Enter' || e.key === ' ') setSelected(r.id);
                    }}
                  >
                    <td className="num muted">{page.offset + i + 1}</td>
                    <td>
                      <span className="badge">{r.kind}</span>
                    </td>
                    <td className="ellipsis">{recordPreview(r)}</td>
                    <td className="mono muted">{r.contributor ? shortHash(r.contributor) : 'you'}</td>
                    <td>
                      <span className={`badge badge-${r.status}`}>{r.status}</span>
                    </td>
                    <td className="mono muted">{shortHash(r.contentHash)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {selectedRecord ? <RecordDetail record={selectedRecord} /> : null}
        </div>
      )}
      {/* Dialogs mount when opened, so each opening starts from a clean form. */}
      {dialog === 'add' ? <AddRecordDialog datanetId={datanet.id} open onOpenChange={(o) => setDialog(o ? 'add' : null)} /> : null}
      {dialog === 'rename' ? <RenameDatanetDialog datanet={datanet} open onOpenChange={(o) => setDialog(o ? 'rename' : null)} /> : null}
      {dialog === 'delete' ? <DeleteDatanetDialog datanet={datanet} open onOpenChange={(o) => setDialog(o ? 'delete' : null)} /> : null}
    </div>
  );
}
