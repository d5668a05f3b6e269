import type { DatanetRecord } from '../../../../electron/shared/datanets';
import { formatTime } from '../../components/ui';

export function recordPreview(r: DatanetRecord): string {
  const c = r.content;
  const t = c.kind === 'text' ? c.text : c.kind === 'instruction' ? c.instruction : (c.messages.find((m) => m.role === 'user')?.content ?? c.messages[0]!.content);
  return t.replace(/\s+/g, ' ');
}

/** The full record: its content, hash, contributor and provenance. */
export function RecordDetail({ record }: { record: DatanetRecord }) {
  const c = record.content;
  return (
    <aside className="detail" aria-label="Record detail" data-testid="record-detail">
      <div className="detail-head">
        <span className={`badge badge-${record.status}`}>{record.status}</span>
        <span className="badge">{record.kind}</span>
      </div>
      {c.kind === 'text' ? (
        <Section label="Text">{c.text}</Section>
      ) : c.kind === 'instruction' ? (
        <>
          <Section label="Instruction">{c.instruction}</Section>
          {c.input ? <Section label="Input">{c.input}</Section> : null}
          <Section label="Response">{c.response}</Section>
        </>
      ) : (
        c.messages.map((m, i) => (
          <Section key={i} label={m.role}>
            {m.content}
          </Section>
        ))
      )}
      <dl className="meta">
        <dt>Record</dt>
        <dd className="mono">{record.id}</dd>
        <dt>Content hash</dt>
        <dd className="mono wrap">{record.contentHash}</dd>
        <dt>Contributor</dt>
        <dd className="mono">{record.contributor ?? 'you (this workspace)'}</dd>
        <dt>License</dt>
        <dd>{record.license}</dd>
        <dt>Source</dt>
        <dd>{record.source ? `${record.source.file}, row ${record.source.row}` : 'added by hand'}</dd>
        <dt>Added</dt>
        <dd>{formatTime(record.createdAt)}</dd>
      </dl>
    </aside>
  );
}

function Section({ label, children }: { label: string; children: string }) {
  return (
    <section className="detail-section">
      <div className="detail-label">{label}</div>
      <div className="detail-text">{children}</div>
    </section>
  );
}
