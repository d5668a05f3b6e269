import { FileUp } from 'lucide-react';
import { useEffect } from 'react';
import { Button, EmptyState, formatTime } from '../../components/ui';
import { useDatanets } from '../../store/datanets';

export function ImportsPanel({ datanetId, onImport }: { datanetId: string; onImport(): void }) {
  const { imports, loadImports } = useDatanets();
  useEffect(() => {
    void loadImports(datanetId);
  }, [datanetId, loadImports]);
  const items = imports?.datanetId === datanetId ? imports.items : [];
  if (items.length === 0) {
    return (
      <EmptyState title="Nothing imported yet" action={<Button variant="primary" onClick={onImport}><FileUp size={14} /> Import a file</Button>}>
        <p>JSONL, CSV, TXT, Markdown, PDF or DOCX. Every row is checked; problems are listed by row and field, and the good rows still import.</p>
      </EmptyState>
    );
  }
  return (
    <table className="table" data-testid="imports-table">
      <thead>
        <tr>
          <th>File</th>
          <th>State</th>
          <th className="num">Imported</th>
          <th className="num">Rejected</th>
          <th className="num">Near-dups</th>
          <th className="num">PII</th>
          <th>Started</th>
          <th>First problems</th>
        </tr>
      </thead>
      <tbody>
        {items.map((i) => (
          <tr key={i.id}>
            <td>
              <div className="strong">{i.fileName}</div>
              <div className="mono muted small">{i.fileSha256 ? `sha256 ${i.fileSha256.slice(0, 16)}…` : ''}</div>
            </td>
            <td>
              <span className={`badge job-badge-${i.state}`}>{i.state}</span>
            </td>
            <td className="num">{i.rowsImported.toLocaleString()}</td>
            <td className="num">{i.rowsRejected.toLocaleString()}</td>
            <td className="num">{i.nearDuplicates.toLocaleString()}</td>
            <td className="num">{i.piiRecords.toLocaleString()}</td>
            <td>{formatTime(i.startedAt)}</td>
            <td className="small">
              {i.problems.slice(0, 3).map((p, k) => (
                <div key={k}>
                  row {p.row}
                  {p.field ? ` · ${p.field}` : ''}: {p.reason}
                </div>
              ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
