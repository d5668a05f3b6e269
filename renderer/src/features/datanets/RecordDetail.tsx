import { Copy, GitBranch } from 'lucide-react';
import { useState } from 'react';
import { toast } from 'sonner';
import type { DatanetRecord, PiiSpan } from '../../../../electron/shared/datanets';
import { client } from '../../api';
import { Button, formatTime, errorMessage } from '../../components/ui';
import { useApp } from '../../store/app';
import { useDatanets } from '../../store/datanets';
import { LineageDialog } from '../lineage/LineageDialog';

// One shared empty list: a selector returning a new [] each time makes React re-render forever.
const NO_SNAPSHOTS: never[] = [];

export function recordPreview(r: DatanetRecord): string {
  const c = r.content;
  const t = c.kind === 'text' ? c.text : c.kind === 'instruction' ? c.instruction : (c.messages.find((m) => m.role === 'user')?.content ?? c.messages[0]!.content);
  return t.replace(/\s+/g, ' ');
}

/** Text with its PII spans marked, so a reviewer sees what redaction would remove. */
function Highlighted({ text, spans }: { text: string; spans: PiiSpan[] }) {
  if (spans.length === 0) return <>{text}</>;
  const parts: React.ReactNode[] = [];
  let at = 0;
  for (const s of [...spans].sort((a, b) => a.start - b.start)) {
    if (s.start < at) continue;
    parts.push(text.slice(at, s.start));
    parts.push(
      <mark key={s.start} className="pii" title={s.kind.replace('_', ' ')}>
        {text.slice(s.start, s.end)}
      </mark>,
    );
    at = s.end;
  }
  parts.push(text.slice(at));
  return <>{parts}</>;
}

/** The full record: content with PII highlighted, hashes, contributor, provenance, proofs. */
export function RecordDetail({ record, onOpenRecord }: { record: DatanetRecord; onOpenRecord(id: string): void }) {
  const snapshots = useDatanets((s) => (s.snapshots?.datanetId === record.datanetId ? s.snapshots.items : NO_SNAPSHOTS));
  const names = useApp((s) => s.info?.nameDetection);
  const [lineageOpen, setLineageOpen] = useState(false);
  const c = record.content;
  const spans = (field: string) => record.pii.filter((p) => p.field === field);
  const copyProof = async (snapshotId: string, version: number) => {
    try {
      const proof = await client!.call('datanets.getProof', { snapshotId, recordId: record.id });
      await navigator.clipboard.writeText(JSON.stringify(proof, null, 2));
      toast.success(`Inclusion proof for snapshot v${version} copied`);
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };
  return (
    <aside className="detail" aria-label="Record detail" data-testid="record-detail">
      <div className="detail-head">
        <span className={`badge badge-${record.status}`}>{record.status}</span>
        <span className="badge">{record.kind}</span>
        {record.flags.map((f) => (
          <span key={f} className={`badge flag-${f}`}>
            {f}
          </span>
        ))}
      </div>
      {record.rejectReason ? <div className="notice notice-bad">Rejected: {record.rejectReason}</div> : null}
      {record.pii.length ? (
        <div className="notice notice-warn">
          {record.pii.length} possible PII span{record.pii.length === 1 ? '' : 's'} ({[...new Set(record.pii.map((p) => p.kind.replace('_', ' ')))].join(', ')}): redact before
          approving, or approve with a reason.
        </div>
      ) : null}
      {names && names.mode !== 'model' ? (
        <div className="muted small" title={names.note}>
          Person names are found by heuristics only (titles and cues); no local NER model is installed.
        </div>
      ) : null}
      {record.piiOverride ? <div className="notice notice-warn">Approved with PII: {record.piiOverride}</div> : null}
      {record.nearDuplicateOf ? (
        <div className="notice notice-warn">
          Near-duplicate ({Math.round(record.nearDuplicateOf.similarity * 100)}% similar) of{' '}
          <button type="button" className="link" onClick={() => onOpenRecord(record.nearDuplicateOf!.recordId)}>
            {record.nearDuplicateOf.recordId}
          </button>
        </div>
      ) : null}
      {c.kind === 'text' ? (
        <Section label="Text">
          <Highlighted text={c.text} spans={spans('text')} />
        </Section>
      ) : c.kind === 'instruction' ? (
        <>
          <Section label="Instruction">
            <Highlighted text={c.instruction} spans={spans('instruction')} />
          </Section>
          {c.input ? (
            <Section label="Input">
              <Highlighted text={c.input} spans={spans('input')} />
            </Section>
          ) : null}
          <Section label="Response">
            <Highlighted text={c.response} spans={spans('response')} />
          </Section>
        </>
      ) : (
        c.messages.map((m, i) => (
          <Section key={i} label={m.role}>
            <Highlighted text={m.content} spans={spans(`messages.${i}.content`)} />
          </Section>
        ))
      )}
      <dl className="meta">
        <dt>Record</dt>
        <dd className="mono">{record.id}</dd>
        <dt>Content hash</dt>
        <dd className="mono wrap">{record.contentHash}</dd>
        {record.originalHash !== record.contentHash ? (
          <>
            <dt>Signed hash</dt>
            <dd className="mono wrap">{record.originalHash}</dd>
          </>
        ) : null}
        <dt>Contributor</dt>
        <dd className="mono">{record.contributor ?? 'you (this workspace)'}</dd>
        <dt>Signature</dt>
        <dd>{record.signature ? 'EIP-712, verified at import' : 'none'}</dd>
        <dt>License</dt>
        <dd>{record.license}</dd>
        <dt>Source</dt>
        <dd>{record.source ? `${record.source.file}, row ${record.source.row}` : 'added by hand'}</dd>
        {record.redaction ? (
          <>
            <dt>Redacted</dt>
            <dd>
              {record.redaction.count} spans ({record.redaction.mode}), {formatTime(record.redaction.at)}
            </dd>
          </>
        ) : null}
        <dt>Added</dt>
        <dd>{formatTime(record.createdAt)}</dd>
      </dl>
      <div className="detail-actions">
        <Button variant="ghost" onClick={() => setLineageOpen(true)}>
          <GitBranch size={13} /> Lineage
        </Button>
      </div>
      {lineageOpen ? <LineageDialog key={record.id} id={record.id} open onOpenChange={setLineageOpen} /> : null}
      {record.status === 'approved' && snapshots.length ? (
        <div className="detail-actions">
          {snapshots.slice(0, 3).map((s) => (
            <Button key={s.id} variant="ghost" onClick={() => void copyProof(s.id, s.version)}>
              <Copy size={13} /> Copy proof (v{s.version})
            </Button>
          ))}
        </div>
      ) : null}
    </aside>
  );
}

function Section({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <section className="detail-section">
      <div className="detail-label">{label}</div>
      <div className="detail-text">{children}</div>
    </section>
  );
}
