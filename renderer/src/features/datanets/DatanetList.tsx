import { Database, Plus } from 'lucide-react';
import { useDatanets } from '../../store/datanets';
import { useRoute } from '../../store/route';
import { useUi } from '../../store/ui';
import { useMay } from '../team/access';
import { Button, EmptyState, PageHeader, formatTime } from '../../components/ui';

export function DatanetList() {
  const { datanets, loaded } = useDatanets();
  const go = useRoute((s) => s.go);
  const openDialog = useUi((s) => s.openDialog);
  const may = useMay();
  const newButton = !may('datanets.create') ? null : (
    <Button variant="primary" onClick={() => openDialog('createDatanet')}>
      <Plus size={14} /> New datanet
    </Button>
  );
  return (
    <div className="page">
      <PageHeader title="Datanets" subtitle="Curated domain datasets, kept on this machine." actions={datanets.length ? newButton : null} />
      {!loaded ? null : datanets.length === 0 ? (
        <EmptyState icon={<Database size={28} />} title="No datanets yet" action={newButton}>
          <p>
            A datanet is a curated dataset for one domain — discharge notes, contract clauses, support answers. Every record keeps
            who contributed it and whether it was approved; only approved records of a snapshot are ever trained on.
          </p>
          <p>Create one, then add records by hand. File import, review and snapshots come next.</p>
        </EmptyState>
      ) : (
        <table className="table" data-testid="datanet-table">
          <thead>
            <tr>
              <th>Name</th>
              <th className="num">Records</th>
              <th>Updated</th>
              <th>ID</th>
            </tr>
          </thead>
          <tbody>
            {datanets.map((d) => (
              <tr
                key={d.id}
                tabIndex={0}
                className="clickable"
                onClick={() => go({ section: 'datanets', datanetId: d.id })}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') go({ section: 'datanets', datanetId: d.id });
                }}
              >
                <td>
                  <div className="strong">{d.name}</div>
                  {d.description ? <div className="muted small">{d.description}</div> : null}
                </td>
                <td className="num">{d.recordCount.toLocaleString()}</td>
                <td>{formatTime(d.updatedAt)}</td>
                <td className="mono muted">{d.id}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
