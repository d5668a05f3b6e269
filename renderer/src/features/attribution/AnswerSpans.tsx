import type { AttributedSpan } from '../../../../electron/shared/attribution';
import { shortAddress } from './format';

interface Segment {
  start: number;
  end: number;
  /** Indexes into the spans that cover this piece of the answer. */
  covering: number[];
}

/** Cuts the answer at every span edge, so overlapping spans still give one mark per piece of text. */
export function segmentsOf(length: number, spans: readonly AttributedSpan[]): Segment[] {
  const edges = new Set([0, length]);
  for (const s of spans) {
    edges.add(Math.max(0, Math.min(length, s.start)));
    edges.add(Math.max(0, Math.min(length, s.end)));
  }
  const sorted = [...edges].sort((a, b) => a - b);
  const out: Segment[] = [];
  for (let i = 0; i + 1 < sorted.length; i++) {
    const start = sorted[i]!;
    const end = sorted[i + 1]!;
    out.push({ start, end, covering: spans.flatMap((s, k) => (s.start <= start && s.end >= end ? [k] : [])) });
  }
  return out;
}

/** The longest span covering a piece: the most specific evidence for it. */
const longest = (covering: number[], spans: readonly AttributedSpan[]) =>
  covering.reduce((best, k) => (spans[k]!.end - spans[k]!.start > spans[best]!.end - spans[best]!.start ? k : best), covering[0]!);

/**
 * The answer with the spans found in the data marked. Hovering or focusing a mark previews its
 * records; clicking (or Enter) pins it.
 */
export function AnswerSpans({
  answer,
  spans,
  active,
  onActivate,
  onPin,
}: {
  answer: string;
  spans: readonly AttributedSpan[];
  active: number | null;
  onActivate(span: number | null): void;
  onPin(span: number): void;
}) {
  return (
    <div className="bubble assistant attributed-answer" data-testid="attributed-answer">
      {segmentsOf(answer.length, spans).map((seg) => {
        const text = answer.slice(seg.start, seg.end);
        if (seg.covering.length === 0) return <span key={seg.start}>{text}</span>;
        const k = longest(seg.covering, spans);
        const span = spans[k]!;
        return (
          <mark
            key={seg.start}
            className={`span-mark${active !== null && seg.covering.includes(active) ? ' active' : ''}`}
            tabIndex={0}
            role="button"
            aria-label={`Span of ${span.tokens} tokens found in ${span.records.length} record${span.records.length === 1 ? '' : 's'}`}
            data-span={k}
            onMouseEnter={() => onActivate(k)}
            onFocus={() => onActivate(k)}
            onClick={() => onPin(k)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' || e.key === ' ') {
                e.preventDefault();
                onPin(k);
              }
            }}
          >
            {text}
          </mark>
        );
      })}
    </div>
  );
}

/** Which records a span occurs in, each opening the record. */
export function SpanRecords({ answer, span, onOpenRecord }: { answer: string; span: AttributedSpan; onOpenRecord(id: string): void }) {
  return (
    <div className="span-records" data-testid="span-records">
      <div className="span-quote">“{answer.slice(span.start, span.end)}”</div>
      <div className="muted small">
        {span.tokens} tokens · {span.occurrences} occurrence{span.occurrences === 1 ? '' : 's'} in the data
      </div>
      <table className="table compact">
        <thead>
          <tr>
            <th>Record</th>
            <th>Contributor</th>
            <th className="num">Count</th>
          </tr>
        </thead>
        <tbody>
          {span.records.map((r) => (
            <tr key={r.recordId}>
              <td>
                <button type="button" className="link" onClick={() => onOpenRecord(r.recordId)}>
                  {r.recordId}
                </button>
              </td>
              <td className="mono" title={r.contributor}>
                {shortAddress(r.contributor)}
              </td>
              <td className="num">{r.count}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
