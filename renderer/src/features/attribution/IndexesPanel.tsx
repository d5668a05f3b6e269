import { Hammer } from 'lucide-react';
import { useEffect, useState } from 'react';
import { toast } from 'sonner';
import type { IndexStatus } from '../../../../electron/shared/attribution';
import type { Adapter } from '../../../../electron/shared/training';
import { client } from '../../api';
import { JobProgress } from '../../components/JobProgress';
import { Button, EmptyState, errorMessage, formatTime } from '../../components/ui';
import { useApp } from '../../store/app';
import { useAttribution } from '../../store/attribution';

const formatBytes = (n: number) => (n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`);

function SpanState({ span }: { span: IndexStatus['span'] }) {
  const cls = span.state === 'ready' ? 'badge-approved' : span.state === 'failed' ? 'badge-rejected' : span.state === 'building' ? 'badge-pending' : '';
  return (
    <span className={`badge ${cls}`} title={span.error ?? undefined}>
      {span.state}
    </span>
  );
}

/** Per adapter: its span index (built here from its snapshot) and the influence sketches its training saved. */
export function IndexesPanel({ adapters }: { adapters: Adapter[] }) {
  const { indexes, loadIndex } = useAttribution();
  const jobs = useApp((s) => s.jobs);
  const [building, setBuilding] = useState<Record<string, string>>({});

  useEffect(() => {
    for (const a of adapters) void loadIndex(a.id);
  }, [adapters, loadIndex]);

  const build = async (adapterId: string) => {
    try {
      const { jobId } = await client!.call('attribution.buildIndex', { adapterId });
      setBuilding((b) => ({ ...b, [adapterId]: jobId }));
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };

  if (adapters.length === 0) {
    return (
      <EmptyState title="No adapters yet">
        <p>Train an adapter in Train; its span index is built here from the snapshot it was trained on.</p>
      </EmptyState>
    );
  }
  return (
    <div className="panel">
      <table className="table" data-testid="indexes-table">
        <thead>
          <tr>
            <th>Adapter</th>
            <th>Span index</th>
            <th className="num">Tokens</th>
            <th className="num">Size</th>
            <th>Built</th>
            <th>Influence sketches</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {adapters.map((a) => {
            const s = indexes[a.id];
            const job = building[a.id] ? jobs[building[a.id]!] : undefined;
            return (
              <tr key={a.id} data-testid={`index-${a.id}`}>
                <td className="mono">{a.id}</td>
                <td>{s ? <SpanState span={s.span} /> : '…'}</td>
                <td className="num">{s?.span.tokens?.toLocaleString() ?? '—'}</td>
                <td className="num">{s?.span.bytes !== null && s?.span.bytes !== undefined ? formatBytes(s.span.bytes) : '—'}</td>
                <td>{s?.span.builtAt ? formatTime(s.span.builtAt) : '—'}</td>
                <td>
                  {s?.influence.available
                    ? `${s.influence.records?.toLocaleString()} records · ${s.influence.checkpoints} checkpoints · dim ${s.influence.dim}`
                    : 'none (trained before sketches were saved)'}
                </td>
                <td className="index-actions">
                  {job?.state === 'running' ? (
                    <JobProgress job={job} />
                  ) : (
                    <>
                      {job ? <JobProgress job={job} /> : null}
                      <Button onClick={() => void build(a.id)} aria-label={`${s?.span.state === 'ready' ? 'Rebuild' : 'Build'} span index of ${a.id}`}>
                        <Hammer size={14} /> {s?.span.state === 'ready' ? 'Rebuild' : 'Build'}
                      </Button>
                    </>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
