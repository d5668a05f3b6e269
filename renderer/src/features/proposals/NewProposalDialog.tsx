import { useState } from 'react';
import type { Proposal } from '../../../../electron/shared/proposals';
import { client } from '../../api';
import { Button, Dialog, Field, FormError, errorMessage } from '../../components/ui';
import { useDatanets } from '../../store/datanets';

/** A draft proposal: why the model should exist, the data it needs and how it will be judged. */
export function NewProposalDialog({ open, onOpenChange, onCreated }: { open: boolean; onOpenChange(open: boolean): void; onCreated(p: Proposal): void }) {
  const datanets = useDatanets((s) => s.datanets);
  const [form, setForm] = useState({ title: '', purpose: '', useCase: '', baseModel: '', datanetId: '', minRecords: '100', maxLoss: '2', owner: '' });
  const [error, setError] = useState<string | null>(null);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const create = async () => {
    setError(null);
    try {
      const p = await client!.call('proposals.create', {
        title: form.title, purpose: form.purpose, useCase: form.useCase, baseModel: form.baseModel,
        targetDatanets: [form.datanetId || datanets[0]?.id || ''],
        dataRequirements: { kinds: ['instruction'], minApprovedRecords: Number(form.minRecords) },
        evaluationCriteria: { maxHeldOutLoss: Number(form.maxLoss) },
        owner: form.owner,
      });
      onCreated(p);
      onOpenChange(false);
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <Dialog open={open} onOpenChange={onOpenChange} title="New proposal" width={560}>
      <div className="form">
        <Field label="Title"><input value={form.title} onChange={set('title')} /></Field>
        <Field label="Purpose"><textarea value={form.purpose} onChange={set('purpose')} rows={2} /></Field>
        <Field label="Use case"><textarea value={form.useCase} onChange={set('useCase')} rows={2} /></Field>
        <Field label="Base model"><input value={form.baseModel} onChange={set('baseModel')} /></Field>
        <Field label="Datanet">
          <select value={form.datanetId || datanets[0]?.id || ''} onChange={set('datanetId')}>
            {datanets.map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
          </select>
        </Field>
        <Field label="Minimum approved records"><input value={form.minRecords} onChange={set('minRecords')} inputMode="numeric" /></Field>
        <Field label="Maximum held-out loss"><input value={form.maxLoss} onChange={set('maxLoss')} inputMode="decimal" /></Field>
        <Field label="Owner address"><input value={form.owner} onChange={set('owner')} placeholder="0x…" /></Field>
        <FormError error={error} />
        <div className="dialog-actions">
          <Button variant="primary" onClick={() => void create()}>Create proposal</Button>
        </div>
      </div>
    </Dialog>
  );
}
