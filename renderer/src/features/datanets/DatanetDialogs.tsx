import { useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import type { Datanet } from '../../../../electron/shared/datanets';
import { client } from '../../api';
import { Button, Dialog, Field, errorMessage, FormError } from '../../components/ui';
import { useRoute } from '../../store/route';


export function CreateDatanetDialog({ open, onOpenChange }: { open: boolean; onOpenChange(o: boolean): void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const go = useRoute((s) => s.go);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      const d = await client!.call('datanets.create', { name, description });
      toast.success(`Created datanet ${d.name}`);
      onOpenChange(false);
      go({ section: 'datanets', datanetId: d.id });
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open={open} onOpenChange={onOpenChange} title="New datanet" description="A datanet is one curated domain dataset. Its records stay on this machine.">
      <form onSubmit={submit} className="form">
        <Field label="Name" hint="For example: Cardiology discharge notes">
          <input autoFocus value={name} onChange={(e) => setName(e.target.value)} name="name" maxLength={120} />
        </Field>
        <Field label="Description" hint="Optional: what it holds and who may use it">
          <textarea value={description} onChange={(e) => setDescription(e.target.value)} name="description" rows={3} />
        </Field>
        <FormError error={error} />
        <div className="form-actions">
          <Button onClick={() => onOpenChange(false)}>Cancel</Button>
          <Button variant="primary" type="submit" disabled={busy}>
            Create datanet
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

export function RenameDatanetDialog({ datanet, open, onOpenChange }: { datanet: Datanet; open: boolean; onOpenChange(o: boolean): void }) {
  const [name, setName] = useState(datanet.name);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await client!.call('datanets.rename', { id: datanet.id, name });
      toast.success('Renamed');
      onOpenChange(false);
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <Dialog open={open} onOpenChange={onOpenChange} title="Rename datanet">
      <form onSubmit={submit} className="form">
        <Field label="Name">
          <input autoFocus value={name} onChange={(e) => setName(e.target.value)} name="name" maxLength={120} />
        </Field>
        <FormError error={error} />
        <div className="form-actions">
          <Button onClick={() => onOpenChange(false)}>Cancel</Button>
          <Button variant="primary" type="submit">
            Rename
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

export function DeleteDatanetDialog({ datanet, open, onOpenChange }: { datanet: Datanet; open: boolean; onOpenChange(o: boolean): void }) {
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | null>(null);
  const go = useRoute((s) => s.go);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const r = await client!.call('datanets.delete', { id: datanet.id, confirmName: typed });
      toast.success(`Deleted ${datanet.name} and ${r.deletedRecords} records`);
      onOpenChange(false);
      go({ section: 'datanets' });
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <Dialog
      open={open}
      onOpenChange={onOpenChange}
      title="Delete datanet"
      description={
        <>
          This deletes <strong>{datanet.name}</strong> and its {datanet.recordCount.toLocaleString()} records from this workspace. It
          cannot be undone. The audit log keeps a record of the deletion.
        </>
      }
    >
      <form onSubmit={submit} className="form">
        <Field label={`Type "${datanet.name}" to confirm`}>
          <input autoFocus value={typed} onChange={(e) => setTyped(e.target.value)} name="confirm" autoComplete="off" />
        </Field>
        <FormError error={error} />
        <div className="form-actions">
          <Button onClick={() => onOpenChange(false)}>Cancel</Button>
          <Button variant="danger" type="submit" disabled={typed !== datanet.name}>
            Delete datanet
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
