import { Check, ChevronLeft, ChevronRight, EyeOff, Search, X } from 'lucide-react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { toast } from 'sonner';
import type { RecordFlag, RecordStatus } from '../../../../electron/shared/datanets';
import { client } from '../../api';
import { Button, Dialog, EmptyState, Field, Kbd, shortHash, errorMessage } from '../../components/ui';
import { PAGE_SIZE, useDatanets, type RecordFilter } from '../../store/datanets';
import { RecordDetail, recordPreview } from './RecordDetail';

const STATUS_FILTERS: { label: string; value: RecordStatus | undefined }[] = [
  { label: 'All', value: undefined },
  { label: 'Pending', value: 'pending' },
  { label: 'Approved', value: 'approved' },
  { label: 'Rejected', value: 'rejected' },
];
const FLAG_FILTERS: { label: string; value: RecordFlag | undefined }[] = [
  { label: 'Any flag', value: undefined },
  { label: 'PII', value: 'pii' },
  { label: 'Near-duplicate', value: 'near-duplicate' },
  { label: 'Redacted', value: 'redacted' },
  { label: 'Signed', value: 'signed' },
];


/**
 * The review queue: filter, search, select (click, Space, Shift-click), and decide in bulk.
 * Keys: ↑/↓ move, Space select, A approve, R reject, Esc clear the selection.
 */
export function RecordsPanel({ datanetId, onAdd }: { datanetId: string; onAdd(): void }) {
  const { records, loadRecords } = useDatanets();
  const page = records?.datanetId === datanetId ? records : null;
  const filter: RecordFilter = page?.filter ?? {};
  const [search, setSearch] = useState('');
  const [contributor, setContributor] = useState('');
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [focused, setFocused] = useState<string | null>(null);
  const [rejecting, setRejecting] = useState<string[] | null>(null);
  const [overriding, setOverriding] = useState<string[] | null>(null);
  const rowRefs = useRef(new Map<string, HTMLTableRowElement>());
  const scroller = useRef<HTMLDivElement>(null);
  const items = page?.items ?? [];
  // Only the rows in view are in the DOM: a page of 500 scrolls as smoothly as a page of 5.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtual = useVirtualizer({ count: items.length, getScrollElement: () => scroller.current, estimateSize: () => 37, overscan: 12 });
  const rendered = virtual.getVirtualItems();
  const padTop = rendered.length ? rendered[0]!.start : 0;
  const padBottom = rendered.length ? virtual.getTotalSize() - rendered[rendered.length - 1]!.end : 0;

  useEffect(() => {
    void loadRecords(datanetId, 0, {});
  }, [datanetId, loadRecords]);

  const apply = (f: RecordFilter) => {
    setSelected(new Set());
    void loadRecords(datanetId, 0, f);
  };
  const targets = () => (selected.size ? [...selected] : focused ? [focused] : []);

  const review = async (recordIds: string[], decision: 'approve' | 'reject' | 'reset', extra: { reason?: string; piiOverride?: string } = {}) => {
    if (recordIds.length === 0) return;
    try {
      const r = await client!.call('datanets.review', { datanetId, recordIds, decision, ...extra });
      if (r.refused.length && decision === 'approve' && r.refused.every((x) => /unredacted PII/.test(x.reason))) {
        toast.warning(`${r.updated} approved; ${r.refused.length} hold unredacted PII — redact them, or approve with an override reason.`);
        setOverriding(r.refused.map((x) => x.recordId));
      } else if (r.refused.length) toast.warning(`${r.updated} updated; ${r.refused.length} refused: ${r.refused[0]!.reason}`);
      else toast.success(`${r.updated} record${r.updated === 1 ? '' : 's'} ${decision === 'approve' ? 'approved' : decision === 'reject' ? 'rejected' : 'reset'}`);
      setSelected(new Set());
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };
  const redact = async (recordIds: string[]) => {
    try {
      const r = await client!.call('datanets.redact', { datanetId, recordIds: recordIds.length ? recordIds : undefined, mode: 'mask' });
      toast.success(`Redacted ${r.spans} PII spans in ${r.redacted} records`);
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };

  const onKey = (e: KeyboardEvent) => {
    if (!page || e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement || e.target instanceof HTMLSelectElement) return;
    const ids = page.items.map((r) => r.id);
    const at = focused ? ids.indexOf(focused) : -1;
    const move = (i: number) => {
      const at = Math.max(0, Math.min(ids.length - 1, i));
      const id = ids[at];
      if (id) {
        virtual.scrollToIndex(at, { align: 'auto' });
        setFocused(id);
        requestAnimationFrame(() => rowRefs.current.get(id)?.focus());
      }
    };
    if (e.key === 'ArrowDown' || e.key === 'j') move(at + 1);
    else if (e.key === 'ArrowUp' || e.key === 'k') move(at - 1);
    else if (e.key === ' ' && focused) {
      const next = new Set(selected);
      if (next.has(focused)) next.delete(focused);
      else next.add(focused);
      setSelected(next);
    } else if (e.key === 'a') void review(targets(), 'approve');
    else if (e.key === 'r' && targets().length) setRejecting(targets());
    else if (e.key === 'Escape') setSelected(new Set());
    else return;
    e.preventDefault();
  };

  const focusedRecord = page?.items.find((r) => r.id === focused) ?? null;
  const filtered = Boolean(filter.status || filter.flag || filter.query || filter.contributor);
  const from = page && page.total ? page.offset + 1 : 0;
  const to = page ? page.offset + page.items.length : 0;
  const allOnPage = page ? page.items.length > 0 && page.items.every((r) => selected.has(r.id)) : false;

  return (
    <div className="panel" onKeyDown={onKey}>
      <div className="toolbar">
        <div className="segmented" role="group" aria-label="Filter by status">
          {STATUS_FILTERS.map((f) => (
            <button key={f.label} type="button" data-state={filter.status === f.value ? 'active' : 'inactive'} onClick={() => apply({ ...filter, status: f.value })}>
              {f.label}
            </button>
          ))}
        </div>
        <select aria-label="Filter by flag" value={filter.flag ?? ''} onChange={(e) => apply({ ...filter, flag: (e.target.value || undefined) as RecordFlag | undefined })}>
          {FLAG_FILTERS.map((f) => (
            <option key={f.label} value={f.value ?? ''}>
              {f.label}
            </option>
          ))}
        </select>
        <form
          className="search"
          onSubmit={(e) => {
            e.preventDefault();
            apply({ ...filter, query: search, contributor: /^0x[0-9a-fA-F]{40}$/.test(contributor.trim()) ? contributor : undefined });
          }}
        >
          <Search size={14} aria-hidden />
          <input aria-label="Search records" placeholder="Search text…" value={search} onChange={(e) => setSearch(e.target.value)} />
          <input
            aria-label="Filter by contributor address"
            className="contributor-filter"
            placeholder="Contributor 0x…"
            spellCheck={false}
            value={contributor}
            onChange={(e) => setContributor(e.target.value)}
          />
          <button type="submit" hidden />
        </form>
        <span className="status-spacer" />
        <span className="muted" data-testid="records-range">
          {page ? `${from.toLocaleString()}–${to.toLocaleString()} of ${page.total.toLocaleString()}` : ''}
        </span>
        <button type="button" className="icon-btn" aria-label="Previous page" disabled={!page || page.offset === 0} onClick={() => page && void loadRecords(datanetId, Math.max(0, page.offset - PAGE_SIZE), filter)}>
          <ChevronLeft size={16} />
        </button>
        <button type="button" className="icon-btn" aria-label="Next page" disabled={!page || to >= page.total} onClick={() => page && void loadRecords(datanetId, page.offset + PAGE_SIZE, filter)}>
          <ChevronRight size={16} />
        </button>
      </div>
      <div className="bulkbar" aria-live="polite">
        <span className="muted">{selected.size ? `${selected.size} selected` : 'Select records, or act on the focused one.'}</span>
        <Button onClick={() => void review(targets(), 'approve')} disabled={!targets().length}>
          <Check size={14} /> Approve <Kbd>A</Kbd>
        </Button>
        <Button onClick={() => setRejecting(targets())} disabled={!targets().length}>
          <X size={14} /> Reject <Kbd>R</Kbd>
        </Button>
        <Button onClick={() => void redact(targets())} disabled={!targets().length}>
          <EyeOff size={14} /> Redact PII
        </Button>
        <span className="status-spacer" />
        <Button variant="ghost" onClick={() => void client!.call('datanets.review', { datanetId, allPending: true, decision: 'approve' }).then((r) => toast.success(`${r.updated} approved${r.refused.length ? `; ${r.refused.length} refused (PII)` : ''}`))}>
          Approve all pending
        </Button>
      </div>
      {page && page.total === 0 ? (
        <EmptyState
          title={filtered ? 'No records match' : 'No records yet'}
          action={
            filtered ? (
              <Button
                onClick={() => {
                  setSearch('');
                  setContributor('');
                  apply({});
                }}
              >
                Clear filters
              </Button>
            ) : (
              <Button variant="primary" onClick={onAdd}>
                Add record
              </Button>
            )
          }
        >
          {filtered ? null : <p>Import a file, or add records by hand. Each record gets a content hash and keeps its contributor.</p>}
        </EmptyState>
      ) : (
        <div className="split">
          <div className="split-main" ref={scroller}>
            <table className="table" data-testid="records-table">
              <thead>
                <tr>
                  <th className="check">
                    <input
                      type="checkbox"
                      aria-label="Select all on this page"
                      checked={allOnPage}
                      onChange={() => setSelected(allOnPage ? new Set() : new Set(page?.items.map((r) => r.id)))}
                    />
                  </th>
                  <th className="num">#</th>
                  <th>Kind</th>
                  <th>Content</th>
                  <th>Flags</th>
                  <th>Contributor</th>
                  <th>Status</th>
                  <th>Hash</th>
                </tr>
              </thead>
              <tbody>
                {padTop > 0 ? <tr aria-hidden style={{ height: padTop }} /> : null}
                {rendered.map(({ index: i }) => {
                  const r = items[i]!;
                  return (
                  <tr
                    key={r.id}
                    data-index={i}
                    ref={(el) => {
                      if (el) rowRefs.current.set(r.id, el);
                      else rowRefs.current.delete(r.id);
                    }}
                    tabIndex={0}
                    className={`clickable${focused === r.id ? ' selected' : ''}${selected.has(r.id) ? ' checked' : ''}`}
                    aria-selected={selected.has(r.id)}
                    onFocus={() => setFocused(r.id)}
                    onClick={() => setFocused(r.id)}
                  >
                    <td className="check" onClick={(e) => e.stopPropagation()}>
                      <input
                        type="checkbox"
                        aria-label={`Select record ${page!.offset + i + 1}`}
                        checked={selected.has(r.id)}
                        onChange={() => {
                          const next = new Set(selected);
                          if (next.has(r.id)) next.delete(r.id);
                          else next.add(r.id);
                          setSelected(next);
                        }}
                      />
                    </td>
                    <td className="num muted">{page!.offset + i + 1}</td>
                    <td>
                      <span className="badge">{r.kind}</span>
                    </td>
                    <td className="ellipsis">{recordPreview(r)}</td>
                    <td className="flags">
                      {r.flags.map((f) => (
                        <span key={f} className={`badge flag-${f}`}>
                          {f}
                        </span>
                      ))}
                    </td>
                    <td className="mono muted">{r.contributor ? shortHash(r.contributor) : 'you'}</td>
                    <td>
                      <span className={`badge badge-${r.status}`}>{r.status}</span>
                    </td>
                    <td className="mono muted">{shortHash(r.contentHash)}</td>
                  </tr>
                  );
                })}
                {padBottom > 0 ? <tr aria-hidden style={{ height: padBottom }} /> : null}
              </tbody>
            </table>
          </div>
          {focusedRecord ? <RecordDetail record={focusedRecord} onOpenRecord={(id) => setFocused(id)} /> : null}
        </div>
      )}
      {rejecting ? (
        <ReasonDialog
          title={`Reject ${rejecting.length} record${rejecting.length === 1 ? '' : 's'}`}
          label="Reason"
          hint="Kept with the record and in the audit log"
          action="Reject"
          onCancel={() => setRejecting(null)}
          onSubmit={(reason) => {
            void review(rejecting, 'reject', { reason });
            setRejecting(null);
          }}
        />
      ) : null}
      {overriding ? (
        <ReasonDialog
          title={`Approve ${overriding.length} record${overriding.length === 1 ? '' : 's'} with PII`}
          label="Why may these be approved without redaction?"
          hint="For example: public business contact details. Kept with each record and in the audit log."
          action="Approve anyway"
          onCancel={() => setOverriding(null)}
          onSubmit={(piiOverride) => {
            void review(overriding, 'approve', { piiOverride });
            setOverriding(null);
          }}
        />
      ) : null}
    </div>
  );
}

function ReasonDialog(props: { title: string; label: string; hint: string; action: string; onCancel(): void; onSubmit(reason: string): void }) {
  const [reason, setReason] = useState('');
  return (
    <Dialog open onOpenChange={(o) => !o && props.onCancel()} title={props.title}>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          if (reason.trim()) props.onSubmit(reason.trim());
        }}
      >
        <Field label={props.label} hint={props.hint}>
          <textarea name="reason" rows={3} value={reason} onChange={(e) => setReason(e.target.value)} autoFocus />
        </Field>
        <div className="form-actions">
          <Button onClick={props.onCancel}>Cancel</Button>
          <Button variant="primary" type="submit" disabled={reason.trim().length < 3}>
            {props.action}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
