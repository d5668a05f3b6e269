import type { Lineage, MarkedAdapter, Revocation } from '../../shared/lineage';
import { positional, required, str, type Command } from './args';

export function lineageReport(l: Lineage): string {
  const lines = [`Lineage of ${l.subject.kind} ${l.subject.id}`, '', `Records (${l.records.length}):`];
  for (const r of l.records.slice(0, 20)) lines.push(`  ${r.id}  ${r.contributor ?? '(workspace owner)'}  ${r.status}${r.revoked ? '  REVOKED' : ''}`);
  if (l.records.length > 20) lines.push(`  … and ${l.records.length - 20} more (--json lists all)`);
  lines.push('', l.snapshots.length ? 'In snapshots:' : 'In no snapshot yet.');
  for (const s of l.snapshots) lines.push(`  ${s.id}  v${s.version}  ${s.recordIds.length} of these records  root ${s.root}`);
  lines.push('', l.adapters.length ? 'Trained into adapters:' : 'Trained into no adapter yet.');
  for (const a of l.adapters) {
    const seen = a.influence.filter((x) => x.receipts > 0);
    const top = seen.length ? Math.max(...seen.map((x) => x.maxScore)).toFixed(4) : '—';
    const self = a.influence.map((x) => x.selfInfluence).filter((x): x is number => x !== null);
    const selfPart = self.length ? `, self-influence max ${Math.max(...self).toExponential(3)}` : '';
    lines.push(`  ${a.id}  on ${a.snapshotId}  credited in ${seen.reduce((n, x) => n + x.receipts, 0)} receipt mentions, max score ${top}${selfPart}${a.revokedBy.length ? '  TRAINED ON REVOKED DATA' : ''}`);
  }
  lines.push('', l.receipts.length ? 'Credited in receipts:' : 'Credited in no receipt yet.');
  for (const r of l.receipts.slice(0, 20)) lines.push(`  ${r.digest}  ${r.adapterId}  epoch ${r.epoch ?? 'pending'}`);
  for (const e of l.epochs) lines.push(`Epoch ${e.epoch}: ${e.amounts.map((a) => `${a.account} ${a.amount}`).join(', ') || 'paid these contributors nothing'}`);
  return lines.join('\n');
}

const revocationLine = (r: Revocation) => `${r.id}  ${r.contributor}  ${r.scope === 'all' ? 'all records' : `${r.recordIds.length} records`}  ${r.signature ? 'signed' : `by ${r.signer}`}  hash ${r.hash}`;

export const LINEAGE_COMMANDS: Command[] = [
  {
    name: 'lineage',
    usage: 'lineage <recordId|contributor|snapshotId|adapterId|receiptDigest> [--json]',
    summary: 'What a record, contributor, snapshot, adapter or receipt came from and what it fed: snapshots, adapters (with influence), receipts, reward epochs',
    positionals: ['id'],
    request: ({ positionals }) => ({ method: 'lineage.get', input: { id: positional(positionals, 0, 'id') } }),
    human: (v) => lineageReport(v as Lineage),
  },
  {
    name: 'consent revoke',
    usage: 'consent revoke --contributor <address> [--records rec_a,rec_b] [--reason <text>] [--signature <0x…> --created-at <ISO time>] [--retrain]',
    summary: 'Revoke consent for some or all of a contributor\'s records: they leave future snapshots and rewards; adapters trained on them are marked',
    options: { contributor: { type: 'string' }, records: { type: 'string' }, reason: { type: 'string' }, signature: { type: 'string' }, 'created-at': { type: 'string' }, retrain: { type: 'boolean' } },
    request: ({ values }) => ({
      method: 'consent.revoke',
      input: {
        contributor: required(values, 'contributor'),
        recordIds: str(values, 'records')?.split(',').map((r) => r.trim()),
        reason: str(values, 'reason') ?? '',
        signature: str(values, 'signature'),
        createdAt: str(values, 'created-at'),
        retrain: values.retrain === true,
      },
    }),
    human: (v) => {
      const r = v as { revocation: Revocation; adapters: MarkedAdapter[]; retrains: { runId: string; adapterId: string; snapshotId: string }[] };
      const lines = [`Revoked: ${revocationLine(r.revocation)}`, r.adapters.length ? 'Adapters trained on these records (now marked):' : 'No adapter was trained on these records.'];
      for (const a of r.adapters) lines.push(`  ${a.adapterId}  on ${a.snapshotId}  ${a.influence.filter((x) => x.receipts > 0).length} of the records credited in its receipts`);
      for (const t of r.retrains) lines.push(`Retraining ${t.adapterId} as run ${t.runId} on ${t.snapshotId}`);
      return lines.join('\n');
    },
  },
  {
    name: 'consent list',
    usage: 'consent list [--json]',
    summary: 'Consent revocations, newest first',
    request: () => ({ method: 'consent.list', input: {} }),
    human: (v) => {
      const items = (v as { items: Revocation[] }).items;
      return items.length ? items.map(revocationLine).join('\n') : 'No consent revocations.';
    },
  },
  {
    name: 'consent retrain',
    usage: 'consent retrain <adapterId>',
    summary: 'Retrain an adapter marked as trained on revoked data, same settings, on a new snapshot without those records',
    positionals: ['adapterId'],
    request: ({ positionals }) => ({ method: 'consent.retrain', input: { adapterId: positional(positionals, 0, 'adapterId') } }),
    human: (v) => {
      const r = v as { runId: string; snapshotId: string; jobId: string };
      return `Retraining as run ${r.runId} on snapshot ${r.snapshotId} (job ${r.jobId})`;
    },
  },
  {
    name: 'consent publish',
    usage: 'consent publish <revocationId> --account 0x… [--yes] [--password-file F]',
    summary: 'Anchor a revocation\'s hash on the selected network (its records and reason stay here)',
    positionals: ['revocationId'],
    options: { account: { type: 'string' } },
    signs: true,
    request: ({ values, positionals }) => ({
      method: 'consent.publish',
      input: { revocationId: positional(positionals, 0, 'revocationId'), account: required(values, 'account'), autoApprove: values.yes === true },
    }),
    human: () => '',
    job: { human: (job) => `Revocation hash ${(job.result as { hash: string }).hash} anchored: ${(job.result as { transactions: { txHash: string }[] }).transactions[0]!.txHash}` },
  },
];
