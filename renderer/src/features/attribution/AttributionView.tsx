import { useState } from 'react';
import type { Attribution } from '../../../../electron/shared/attribution';
import { AnswerSpans, SpanRecords } from './AnswerSpans';
import { formatMs, formatScore, shortAddress } from './format';
import { ReceiptCard } from './ReceiptCard';
import { RecordDialog } from './RecordDialog';
import { SharesChart } from './SharesChart';

/**
 * One attribution: the answer with its spans from the data, the records ranked, the contributor
 * shares and the receipt. The same view serves a fresh answer and a stored receipt.
 */
export function AttributionView({ attribution }: { attribution: Attribution }) {
  const [hovered, setHovered] = useState<number | null>(null);
  const [pinned, setPinned] = useState<number | null>(null);
  const [openRecord, setOpenRecord] = useState<string | null>(null);
  const a = attribution;
  const active = hovered ?? pinned;
  const activeSpan = active !== null ? a.spans[active] : undefined;
  const inActive = new Set(activeSpan?.records.map((r) => r.recordId) ?? []);

  return (
    <div className="attribution" data-testid="attribution">
      <section className="detail-section">
        <div className="detail-label">Prompt</div>
        <div className="detail-text attribution-prompt">{a.prompt}</div>
      </section>
      <section className="detail-section" onMouseLeave={() => setHovered(null)}>
        <div className="detail-label">
          Answer · {a.spans.length} span{a.spans.length === 1 ? '' : 's'} found in the data
        </div>
        <AnswerSpans answer={a.answer} spans={a.spans} active={active} onActivate={setHovered} onPin={(k) => setPinned(pinned === k ? null : k)} />
        {activeSpan ? (
          <SpanRecords answer={a.answer} span={activeSpan} onOpenRecord={setOpenRecord} />
        ) : a.spans.length ? (
          <div className="muted small">Hover or click a highlighted span to see the records it occurs in.</div>
        ) : a.methods.includes('span') ? (
          <div className="muted small">No span of the answer as long as the minimum span length occurs in the data.</div>
        ) : (
          <div className="notice notice-warn">Spans were not matched: this adapter has no span index yet. Build it in Attribution → Indexes.</div>
        )}
      </section>
      <section className="detail-section">
        <div className="detail-label">Contributor shares</div>
        <SharesChart shares={a.shares} />
      </section>
      <section className="detail-section">
        <div className="detail-label">
          Records · best {a.records.length} · {a.methods.join(' + ')}
        </div>
        {a.records.length ? (
          <table className="table compact" aria-label="Attributed records" data-testid="attributed-records">
            <thead>
              <tr>
                <th>Record</th>
                <th>Contributor</th>
                <th className="num">Span</th>
                <th className="num">Influence</th>
                <th className="num">Combined</th>
              </tr>
            </thead>
            <tbody>
              {a.records.map((r) => (
                <tr key={r.recordId} className={`clickable${inActive.has(r.recordId) ? ' selected' : ''}`} onClick={() => setOpenRecord(r.recordId)}>
                  <td>
                    <button
                      type="button"
                      className="link"
                      onClick={(e) => {
                        e.stopPropagation();
                        setOpenRecord(r.recordId);
                      }}
                    >
                      {r.recordId}
                    </button>
                  </td>
                  <td className="mono" title={r.contributor}>
                    {shortAddress(r.contributor)}
                  </td>
                  <td className="num">{formatScore(r.span)}</td>
                  <td className="num">{formatScore(r.influence)}</td>
                  <td className="num">{formatScore(r.score)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <div className="muted small">No record was credited.</div>
        )}
        <div className="muted small timings">
          span {formatMs(a.timings.spanMs)} · influence {formatMs(a.timings.influenceMs)} · total {formatMs(a.timings.totalMs)}
        </div>
      </section>
      <ReceiptCard receipt={a.receipt} />
      {openRecord ? <RecordDialog recordId={openRecord} onClose={() => setOpenRecord(null)} /> : null}
    </div>
  );
}
