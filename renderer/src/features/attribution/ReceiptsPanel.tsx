import { useVirtualizer } from '@tanstack/react-virtual';
import { Receipt } from 'lucide-react';
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { toast } from 'sonner';
import type { Adapter } from '../../../../electron/shared/training';
import { client } from '../../api';
import { Button, EmptyState, errorMessage, formatTime, shortHash } from '../../components/ui';
import { useAttribution } from '../../store/attribution';
import { AttributionPanel, type AttributionSource } from './AttributionPanel';
import { percentOfBps, shortAddress } from './format';

const ROW_HEIGHT = 31;

/** Every stored receipt, newest first, rendered as it scrolls; opening one shows its attribution. */
export function ReceiptsPanel({ adapters }: { adapters: Adapter[] }) {
  const { receipts, loadReceipts, loadMoreReceipts } = useAttribution();
  const [adapterId, setAdapterId] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [open, setOpen] = useState<AttributionSource | null>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const items = receipts?.items ?? [];
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtual = useVirtualizer({ count: items.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  const rendered = virtual.getVirtualItems();
  const padTop = rendered.length ? rendered[0]!.start : 0;
  const padBottom = rendered.length ? virtual.getTotalSize() - rendered[rendered.length - 1]!.end : 0;
  const lastShown = rendered.at(-1)?.index ?? -1;

  useEffect(() => {
    void loadReceipts(adapterId);
  }, [adapterId, loadReceipts]);

  // Fetch the next page as the list nears its end.
  useEffect(() => {
    if (receipts && lastShown >= items.length - 20 && items.length < receipts.total) void loadMoreReceipts();
  }, [lastShown, items.length, receipts, loadMoreReceipts]);

  const openReceipt = async (digest: string) => {
    setSelected(digest);
    try {
      setOpen({ attribution: await client!.call('attribution.getReceipt', { digest }) });
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };
  const onKey = (e: KeyboardEvent) => {
    const at = items.findIndex((r) => r.digest === selected);
    const move = e.key === 'ArrowDown' ? 1 : e.key === 'ArrowUp' ? -1 : 0;
    if (move) {
      e.preventDefault();
      const next = items[Math.max(0, Math.min(items.length - 1, at + move))];
      if (next) {
        setSelected(next.digest);
        virtual.scrollToIndex(items.indexOf(next));
      }
    } else if (e.key === 'Enter' && selected) void openReceipt(selected);
  };

  return (
    <div className="panel">
      <div className="toolbar">
        <select aria-label="Receipts of adapter" value={adapterId ?? ''} onChange={(e) => setAdapterId(e.target.value || null)}>
          <option value="">All adapters</option>
          {adapters.map((a) => (
            <option key={a.id} value={a.id}>
              {a.id}
            </option>
          ))}
        </select>
        <span className="muted small" data-testid="receipts-count">
          {receipts ? `${receipts.total.toLocaleString()} receipt${receipts.total === 1 ? '' : 's'}` : 'loading…'}
        </span>
        <span className="status-spacer" />
        <Button variant="ghost" onClick={() => void loadReceipts(adapterId)}>
          Refresh
        </Button>
      </div>
      {receipts && receipts.total === 0 ? (
        <EmptyState icon={<Receipt size={28} />} title="No receipts yet">
          <p>Each attributed answer leaves a receipt here. Ask an adapter something in Playground and press Attribute beside its answer.</p>
        </EmptyState>
      ) : (
        <div className="split">
          <div className={`split-main${open ? ' receipts-narrow' : ''}`} ref={scroller} tabIndex={0} onKeyDown={onKey} aria-label="Receipts (↑/↓ to move, Enter to open)">
            <table className="table compact" data-testid="receipts-table">
              <thead>
                <tr>
                  <th>Digest</th>
                  <th>Adapter</th>
                  <th className="wide-only">Source</th>
                  <th>Signed</th>
                  <th>Top contributor</th>
                  <th className="num wide-only">Contributors</th>
                  <th className="num wide-only">Tokens</th>
                  <th className="wide-only">Created</th>
                </tr>
              </thead>
              <tbody>
                {padTop > 0 ? <tr style={{ height: padTop }} aria-hidden /> : null}
                {rendered.map((v) => {
                  const r = items[v.index]!;
                  return (
                    <tr key={r.digest} className={`clickable${selected === r.digest ? ' selected' : ''}`} style={{ height: ROW_HEIGHT }} onClick={() => void openReceipt(r.digest)}>
                      <td className="mono">
                        <button
                          type="button"
                          className="link"
                          aria-label={`Open receipt ${r.digest}`}
                          onClick={(e) => {
                            e.stopPropagation();
                            void openReceipt(r.digest);
                          }}
                        >
                          {shortHash(r.digest)}
                        </button>
                      </td>
                      <td className="mono">{r.adapterId}</td>
                      <td className="wide-only">{r.source}</td>
                      <td>{r.signer ? <span className="badge flag-signed" title={r.signer}>signed</span> : <span className="badge">unsigned</span>}</td>
                      <td className="mono">{r.topContributor ? `${shortAddress(r.topContributor)} · ${percentOfBps(r.topBps ?? 0)}` : '—'}</td>
                      <td className="num wide-only">{r.contributors}</td>
                      <td className="num wide-only">{r.usageTokens.toLocaleString()}</td>
                      <td className="wide-only">{formatTime(r.createdAt)}</td>
                    </tr>
                  );
                })}
                {padBottom > 0 ? <tr style={{ height: padBottom }} aria-hidden /> : null}
              </tbody>
            </table>
          </div>
          {open ? (
            <AttributionPanel
              key={'attribution' in open ? open.attribution.receipt.digest : open.jobId}
              source={open}
              onClose={() => {
                setOpen(null);
                setSelected(null);
              }}
            />
          ) : null}
        </div>
      )}
    </div>
  );
}
