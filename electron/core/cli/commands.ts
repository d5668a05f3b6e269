import { readFileSync } from 'node:fs';
import type { AuditEntry, AuditVerification } from '../../shared/audit';
import type { ImportSummary, Snapshot } from '../../shared/curation';
import type { Datanet, DatanetRecord, RecordContent } from '../../shared/datanets';
import type { Job } from '../../shared/jobs';
import type { ChatAnswer, EvaluationResult } from '../../shared/inference';
import type { ModelInfo } from '../../shared/models';
import type { ServingStatus, UsageRow } from '../../shared/serving';
import type { Adapter, TrainingRunInfo } from '../../shared/training';
import { shortTime, table } from './format';
import { ATTRIBUTION_COMMANDS, spanIndexAfterTraining } from './attribution-commands';
import { CHAIN_COMMANDS } from './chain-commands';
import { LINEAGE_COMMANDS } from './lineage-commands';
import { BACKUP_COMMANDS } from './backup-commands';
import { VAULT_COMMANDS } from './vault-commands';
import { TEAM_COMMANDS } from './team-commands';
import { PROPOSAL_COMMANDS } from './proposal-commands';
import { CLUSTER_COMMANDS } from './cluster-commands';
import { UsageError, int, modelIdOrPath, num, positional, required, str, type Command, type Values } from './args';

export { UsageError, type Command } from './args';

const auditVerdict = (what: string, r: AuditVerification) =>
  r.ok
    ? `${what} intact: ${r.checked} entries, head ${r.headHash}`
    : `${what} BROKEN at entry ${r.firstBad?.seq}: ${r.firstBad?.reason} (${r.checked} entries before it verify)`;

const datanetRow = (d: Datanet) => [d.id, d.name, String(d.recordCount), shortTime(d.createdAt)];
const datanetTable = (items: Datanet[]) =>
  items.length ? table(['ID', 'NAME', 'RECORDS', 'CREATED'], items.map(datanetRow)) : 'No datanets yet. Create one: datanet create --name <name>';

export function recordPreview(c: RecordContent, width = 60): string {
  const text = c.kind === 'text' ? c.text : c.kind === 'instruction' ? c.instruction : (c.messages[0]?.content ?? '');
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}

function recordContentFrom(v: Values): RecordContent {
  const text = str(v, 'text');
  const instruction = str(v, 'instruction');
  const chat = str(v, 'chat-json');
  const given = [text, instruction, chat].filter((x) => x !== undefined).length;
  if (given !== 1) throw new UsageError('give exactly one of --text, --instruction (with --response), or --chat-json');
  if (text !== undefined) return { kind: 'text', text };
  if (instruction !== undefined) return { kind: 'instruction', instruction, input: str(v, 'input') ?? '', response: required(v, 'response') };
  try {
    return { kind: 'chat', messages: JSON.parse(chat!) as never };
  } catch {
    throw new UsageError('--chat-json must be a JSON array of {"role","content"} messages');
  }
}

export const COMMANDS: Command[] = [
  {
    name: 'info',
    usage: 'info',
    summary: 'Show the app version, workspace and schema version',
    request: () => ({ method: 'app.getInfo', input: {} }),
    human: (v) => {
      const i = v as { name: string; version: string; workspace: string; schemaVersion: number; network: { description: string } };
      return `${i.name} ${i.version}\nworkspace: ${i.workspace}\nschema:    ${i.schemaVersion}\nnetwork:   ${i.network.description}`;
    },
  },
  {
    name: 'datanet create',
    usage: 'datanet create --name <name> [--description <text>]',
    summary: 'Create a datanet',
    options: { name: { type: 'string' }, description: { type: 'string' } },
    request: ({ values }) => ({
      method: 'datanets.create',
      input: { name: required(values, 'name'), description: str(values, 'description') },
    }),
    human: (v) => `Created datanet ${(v as Datanet).name} (${(v as Datanet).id})`,
  },
  {
    name: 'datanet list',
    usage: 'datanet list',
    summary: 'List datanets',
    request: () => ({ method: 'datanets.list', input: {} }),
    human: (v) => datanetTable((v as { items: Datanet[] }).items),
  },
  {
    name: 'datanet show',
    usage: 'datanet show <datanetId>',
    summary: 'Show one datanet',
    positionals: ['datanetId'],
    request: ({ positionals }) => ({ method: 'datanets.get', input: { id: positional(positionals, 0, 'datanetId') } }),
    human: (v) => {
      const d = v as Datanet;
      return `${d.name} (${d.id})\n${d.description || '(no description)'}\nrecords: ${d.recordCount}\ncreated: ${d.createdAt}\nupdated: ${d.updatedAt}`;
    },
  },
  {
    name: 'datanet rename',
    usage: 'datanet rename <datanetId> --name <new name>',
    summary: 'Rename a datanet',
    positionals: ['datanetId'],
    options: { name: { type: 'string' } },
    request: ({ values, positionals }) => ({
      method: 'datanets.rename',
      input: { id: positional(positionals, 0, 'datanetId'), name: required(values, 'name') },
    }),
    human: (v) => `Renamed to ${(v as Datanet).name}`,
  },
  {
    name: 'datanet delete',
    usage: 'datanet delete <datanetId> --confirm <exact name>',
    summary: 'Delete a datanet and its records (repeat its name to confirm)',
    positionals: ['datanetId'],
    options: { confirm: { type: 'string' } },
    request: ({ values, positionals }) => ({
      method: 'datanets.delete',
      input: { id: positional(positionals, 0, 'datanetId'), confirmName: required(values, 'confirm') },
    }),
    human: (v) => `Deleted ${(v as { id: string }).id} and its ${(v as { deletedRecords: number }).deletedRecords} records`,
  },
  {
    name: 'datanet add-record',
    usage:
      'datanet add-record <datanetId> (--text <t> | --instruction <i> [--input <x>] --response <r> | --chat-json <json>) [--contributor 0x…] [--license <id>]',
    summary: 'Add one record by hand',
    positionals: ['datanetId'],
    options: {
      text: { type: 'string' },
      instruction: { type: 'string' },
      input: { type: 'string' },
      response: { type: 'string' },
      'chat-json': { type: 'string' },
      contributor: { type: 'string' },
      license: { type: 'string' },
    },
    request: ({ values, positionals }) => ({
      method: 'datanets.addRecord',
      input: {
        datanetId: positional(positionals, 0, 'datanetId'),
        content: recordContentFrom(values),
        contributor: str(values, 'contributor'),
        license: str(values, 'license'),
      },
    }),
    human: (v) => `Added record ${(v as DatanetRecord).id} (hash ${(v as DatanetRecord).contentHash})`,
  },
  {
    name: 'datanet records',
    usage: 'datanet records <datanetId> [--status pending|approved|rejected] [--offset N] [--limit N]',
    summary: 'List the records of a datanet, a page at a time',
    positionals: ['datanetId'],
    options: { status: { type: 'string' }, offset: { type: 'string' }, limit: { type: 'string' } },
    request: ({ values, positionals }) => ({
      method: 'datanets.listRecords',
      input: {
        datanetId: positional(positionals, 0, 'datanetId'),
        status: str(values, 'status') as never,
        offset: int(values, 'offset'),
        limit: int(values, 'limit'),
      },
    }),
    human: (v) => {
      const p = v as { items: DatanetRecord[]; total: number; offset: number };
      if (p.total === 0) return 'No records yet. Add one: datanet add-record <datanetId> --text "…"';
      const rows = p.items.map((r) => [r.id, r.kind, r.status, recordPreview(r.content)]);
      return `${table(['ID', 'KIND', 'STATUS', 'CONTENT'], rows)}\n${p.offset + 1}–${p.offset + p.items.length} of ${p.total}`;
    },
  },
  {
    name: 'audit list',
    usage: 'audit list [--offset N] [--limit N]',
    summary: 'Show the newest audit log entries',
    options: { offset: { type: 'string' }, limit: { type: 'string' } },
    request: ({ values }) => ({ method: 'audit.listEntries', input: { offset: int(values, 'offset'), limit: int(values, 'limit') } }),
    human: (v) => {
      const p = v as { items: AuditEntry[]; total: number };
      return table(
        ['SEQ', 'AT', 'ACTION', 'SUBJECT', 'HASH'],
        p.items.map((e) => [String(e.seq), shortTime(e.at), e.action, e.subject, `${e.hash.slice(0, 14)}…`]),
      );
    },
  },
  {
    name: 'audit verify',
    usage: 'audit verify',
    summary: 'Verify the audit log hash chain (exit code 1 if it is broken)',
    request: () => ({ method: 'audit.verifyChain', input: {} }),
    human: () => '',
    job: {
      human: (job) => auditVerdict('Audit log', job.result as AuditVerification),
      failed: (job) => !(job.result as AuditVerification | null)?.ok,
    },
  },
  {
    name: 'audit export',
    usage: 'audit export --to <file.json>',
    summary: 'Write the whole audit log, its hash rule and its verification to a JSON file (for a compliance officer)',
    options: { to: { type: 'string' } },
    request: ({ values }) => ({ method: 'audit.export', input: { path: required(values, 'to') } }),
    human: () => '',
    job: {
      human: (job) => {
        const r = job.result as { path: string; entries: number; verification: AuditVerification };
        return `Exported ${r.entries} entries to ${r.path}\n${auditVerdict('Audit log', r.verification)}`;
      },
      failed: (job) => !(job.result as { verification: AuditVerification } | null)?.verification.ok,
    },
  },
  {
    name: 'audit verify-export',
    usage: 'audit verify-export <file.json>',
    summary: 'Check an exported audit log from the file alone: every link and hash (exit code 1 if broken)',
    positionals: ['file'],
    request: ({ positionals }) => ({ method: 'audit.verifyExport', input: { path: positional(positionals, 0, 'file') } }),
    human: (v) => auditVerdict('Exported audit log', v as AuditVerification),
    failed: (v) => !(v as AuditVerification).ok,
  },
  {
    name: 'jobs list',
    usage: 'jobs list',
    summary: 'List recent jobs',
    request: () => ({ method: 'jobs.list', input: {} }),
    human: (v) =>
      table(
        ['ID', 'KIND', 'STATE', 'PROGRESS', 'STARTED'],
        (v as { items: Job[] }).items.map((j) => [
          j.id,
          j.kind,
          j.state,
          j.progress.total ? `${j.progress.done}/${j.progress.total} ${j.progress.unit}` : `${j.progress.done} ${j.progress.unit}`,
          shortTime(j.startedAt),
        ]),
      ),
  },
  {
    name: 'jobs cancel',
    usage: 'jobs cancel <jobId>',
    summary: 'Cancel a running job',
    positionals: ['jobId'],
    request: ({ positionals }) => ({ method: 'jobs.cancel', input: { jobId: positional(positionals, 0, 'jobId') } }),
    human: (v) => `Job ${(v as Job).id}: ${(v as Job).state}`,
  },
];

const list = (s: string | undefined) => (s === undefined ? undefined : s.split(',').map((x) => x.trim()).filter(Boolean));

/** --map instruction=question --map response=answer → { instruction: 'question', response: 'answer' } */
function mappingFrom(values: Values): Record<string, string> | undefined {
  const raw = values.map as unknown as string[] | undefined;
  if (!raw || raw.length === 0) return undefined;
  const m: Record<string, string> = {};
  for (const pair of raw) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--map takes field=column (got "${pair}")`);
    m[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return m;
}

COMMANDS.push(
  {
    name: 'datanet preview',
    usage: 'datanet preview <file> [--format jsonl|csv|txt|markdown|pdf|docx]',
    summary: 'Show how a file would be read: format, CSV columns, a suggested mapping, a few rows',
    positionals: ['file'],
    options: { format: { type: 'string' } },
    request: ({ values, positionals }) => ({ method: 'datanets.previewFile', input: { path: positional(positionals, 0, 'file'), format: str(values, 'format') as never } }),
    human: (v) => JSON.stringify(v, null, 2),
  },
  {
    name: 'datanet import',
    usage: 'datanet import <datanetId> <file> [--format F] [--map field=column …] [--license L] [--chunk-chars N] [--near-dup-threshold 0.8]',
    summary: 'Import a JSONL, CSV, TXT, Markdown, PDF or DOCX file (a job: progress on stderr, Ctrl-C cancels and undoes it)',
    positionals: ['datanetId', 'file'],
    options: {
      format: { type: 'string' },
      map: { type: 'string', multiple: true },
      license: { type: 'string' },
      'chunk-chars': { type: 'string' },
      'near-dup-threshold': { type: 'string' },
    },
    request: ({ values, positionals }) => ({
      method: 'datanets.importFile',
      input: {
        datanetId: positional(positionals, 0, 'datanetId'),
        path: positional(positionals, 1, 'file'),
        format: str(values, 'format') as never,
        mapping: mappingFrom(values) as never,
        license: str(values, 'license'),
        chunkChars: int(values, 'chunk-chars'),
        nearDupThreshold: str(values, 'near-dup-threshold') === undefined ? undefined : Number(str(values, 'near-dup-threshold')),
      },
    }),
    human: () => '',
    job: {
      human: (job) => {
        const r = job.result as ImportSummary;
        const lines = [
          `Imported ${r.rowsImported} of ${r.rowsSeen} rows from ${r.fileName} (sha256 ${r.fileSha256})`,
          `  rejected: ${r.rowsRejected} (exact duplicates: ${r.exactDuplicates})  near-duplicates flagged: ${r.nearDuplicates}  records with PII: ${r.piiRecords}`,
          ...r.problems.slice(0, 20).map((p) => `  ${p.file}, row ${p.row}${p.field ? `, ${p.field}` : ''}: ${p.reason}`),
        ];
        if (r.problems.length > 20) lines.push(`  … ${r.problems.length - 20} more problems (use --json to see them)`);
        return lines.join('\n');
      },
    },
  },
  {
    name: 'datanet imports',
    usage: 'datanet imports <datanetId>',
    summary: 'List the imports into a datanet',
    positionals: ['datanetId'],
    request: ({ positionals }) => ({ method: 'datanets.listImports', input: { datanetId: positional(positionals, 0, 'datanetId') } }),
    human: (v) =>
      table(
        ['ID', 'FILE', 'STATE', 'IMPORTED', 'REJECTED', 'STARTED'],
        (v as { items: ImportSummary[] }).items.map((i) => [i.id, i.fileName, i.state, String(i.rowsImported), String(i.rowsRejected), shortTime(i.startedAt)]),
      ),
  },
  {
    name: 'datanet review',
    usage: 'datanet review <datanetId> (--approve-all | --approve id,… | --reject id,… --reason R | --reset id,…) [--pii-override R]',
    summary: 'Approve or reject records',
    positionals: ['datanetId'],
    options: {
      'approve-all': { type: 'boolean' },
      approve: { type: 'string' },
      reject: { type: 'string' },
      reset: { type: 'string' },
      reason: { type: 'string' },
      'pii-override': { type: 'string' },
    },
    request: ({ values, positionals }) => {
      const chosen = ['approve-all', 'approve', 'reject', 'reset'].filter((k) => values[k] !== undefined);
      if (chosen.length !== 1) throw new UsageError('give exactly one of --approve-all, --approve, --reject, --reset');
      const decision = chosen[0] === 'approve-all' || chosen[0] === 'approve' ? 'approve' : (chosen[0] as 'reject' | 'reset');
      return {
        method: 'datanets.review',
        input: {
          datanetId: positional(positionals, 0, 'datanetId'),
          decision,
          ...(chosen[0] === 'approve-all' ? { allPending: true as const } : { recordIds: list(str(values, chosen[0]!)) }),
          reason: str(values, 'reason'),
          piiOverride: str(values, 'pii-override'),
        },
      };
    },
    human: (v) => {
      const r = v as { updated: number; refused: { recordId: string; reason: string }[] };
      return [`${r.updated} records updated`, ...r.refused.slice(0, 20).map((x) => `  refused ${x.recordId}: ${x.reason}`)].join('\n');
    },
  },
  {
    name: 'datanet redact',
    usage: 'datanet redact <datanetId> [--records id,…] [--mode mask|pseudonym]',
    summary: 'Redact detected PII (every flagged record unless --records)',
    positionals: ['datanetId'],
    options: { records: { type: 'string' }, mode: { type: 'string' } },
    request: ({ values, positionals }) => ({
      method: 'datanets.redact',
      input: { datanetId: positional(positionals, 0, 'datanetId'), recordIds: list(str(values, 'records')), mode: str(values, 'mode') as never },
    }),
    human: (v) => `Redacted ${(v as { spans: number }).spans} spans in ${(v as { redacted: number }).redacted} records`,
  },
  {
    name: 'datanet snapshot',
    usage: 'datanet snapshot <datanetId> [--note N]',
    summary: 'Freeze the approved records as an immutable snapshot with a Merkle root',
    positionals: ['datanetId'],
    options: { note: { type: 'string' } },
    request: ({ values, positionals }) => ({ method: 'datanets.createSnapshot', input: { datanetId: positional(positionals, 0, 'datanetId'), note: str(values, 'note') } }),
    human: (v) => {
      const s = v as Snapshot;
      return `Snapshot ${s.id} (version ${s.version}): ${s.recordCount} records\nroot ${s.root}`;
    },
  },
  {
    name: 'datanet snapshots',
    usage: 'datanet snapshots <datanetId>',
    summary: 'List the snapshots of a datanet',
    positionals: ['datanetId'],
    request: ({ positionals }) => ({ method: 'datanets.listSnapshots', input: { datanetId: positional(positionals, 0, 'datanetId') } }),
    human: (v) =>
      table(
        ['ID', 'VERSION', 'RECORDS', 'ROOT', 'CREATED'],
        (v as { items: Snapshot[] }).items.map((s) => [s.id, String(s.version), String(s.recordCount), s.root, shortTime(s.createdAt)]),
      ),
  },
  {
    name: 'datanet proof',
    usage: 'datanet proof <snapshotId> <recordId>',
    summary: "Print a record's inclusion proof (JSON; reveals its content hash and salt, not its text)",
    positionals: ['snapshotId', 'recordId'],
    request: ({ positionals }) => ({
      method: 'datanets.getProof',
      input: { snapshotId: positional(positionals, 0, 'snapshotId'), recordId: positional(positionals, 1, 'recordId') },
    }),
    human: (v) => JSON.stringify(v, null, 2),
  },
  {
    name: 'datanet verify-proof',
    usage: 'datanet verify-proof <proof.json>',
    summary: 'Check an inclusion proof file (exit code 1 if it does not verify)',
    positionals: ['file'],
    request: ({ positionals }) => {
      const file = positional(positionals, 0, 'file');
      let proof: unknown;
      try {
        proof = JSON.parse(readFileSync(file, 'utf8'));
      } catch (e) {
        throw new UsageError(`cannot read a JSON proof from ${file}: ${(e as Error).message}`);
      }
      return { method: 'datanets.verifyProof', input: { proof: proof as never } };
    },
    human: (v) => ((v as { ok: boolean }).ok ? 'Proof verifies.' : `Proof does NOT verify: ${(v as { reason: string }).reason}`),
    failed: (v) => !(v as { ok: boolean }).ok,
  },
  {
    name: 'datanet export',
    usage: 'datanet export <snapshotId> <file.jsonl>',
    summary: 'Write a snapshot as JSONL (Alpaca instruction, OpenAI chat or {text} lines)',
    positionals: ['snapshotId', 'file'],
    request: ({ positionals }) => ({ method: 'datanets.exportSnapshot', input: { snapshotId: positional(positionals, 0, 'snapshotId'), path: positional(positionals, 1, 'file') } }),
    human: (v) => `Wrote ${(v as { records: number }).records} records to ${(v as { path: string }).path} (sha256 ${(v as { sha256: string }).sha256})`,
  },
);


const trainingJob: NonNullable<Command['job']> = {
  human: (job) => {
    const { adapter } = job.result as { adapter: Adapter };
    const m = adapter.metrics;
    return [
      `Adapter ${adapter.id} written: ${adapter.file}`,
      `  sha256 ${adapter.sha256}`,
      `  held-out loss ${m.initialEvalLoss?.toFixed(4) ?? '—'} → ${m.finalEvalLoss?.toFixed(4) ?? '—'} in ${m.steps} steps, ${Math.round(m.tokensPerSecond)} tokens/s`,
      `  memory: estimated ${(m.memoryEstimateBytes / 2 ** 20).toFixed(1)} MiB, measured ${(m.measuredPeakBytes / 2 ** 20).toFixed(1)} MiB`,
      `  provenance: snapshot root ${adapter.snapshotRoot}, base model sha256 ${adapter.baseModelSha256}, config ${adapter.configHash}`,
      ...((job.result as { notes?: string[] }).notes ?? []).map((n) => `  note: ${n}`),
    ].join('\n');
  },
  // The span index the run started building is part of `train`: a CLI process that ended first would cancel it.
  after: ({ core, job, follow }) => spanIndexAfterTraining({ core, adapterId: (job.result as { adapter: Adapter }).adapter.id, follow }),
};

COMMANDS.push(
  {
    name: 'train',
    usage:
      'train --model <modelId|model.gguf> --snapshot <snapshotId> [--rank 8 --alpha 16 --lr 1e-3 --epochs 2 --seq-len 512 --targets q,k,v,o --dropout 0 --grad-accum 1 --warmup 0 --eval-fraction 0.1 --seed 42 --checkpoint-every 20] [--quant q4_k|q4_0|q8_0] [--device cpu|cuda]',
    summary: 'Fine-tune a LoRA adapter on a snapshot (a job: progress on stderr; Ctrl-C cancels, `train resume` continues)',
    options: {
      model: { type: 'string' },
      snapshot: { type: 'string' },
      rank: { type: 'string' },
      alpha: { type: 'string' },
      lr: { type: 'string' },
      epochs: { type: 'string' },
      'seq-len': { type: 'string' },
      targets: { type: 'string' },
      dropout: { type: 'string' },
      'grad-accum': { type: 'string' },
      warmup: { type: 'string' },
      'eval-fraction': { type: 'string' },
      seed: { type: 'string' },
      'checkpoint-every': { type: 'string' },
      quant: { type: 'string' },
      device: { type: 'string' },
    },
    request: ({ values }) => {
      const settings = Object.fromEntries(
        Object.entries({
          rank: int(values, 'rank'),
          alpha: num(values, 'alpha'),
          learningRate: num(values, 'lr'),
          epochs: int(values, 'epochs'),
          seqLen: int(values, 'seq-len'),
          targets: list(str(values, 'targets')),
          dropout: num(values, 'dropout'),
          gradAccum: int(values, 'grad-accum'),
          warmupSteps: int(values, 'warmup'),
          evalFraction: num(values, 'eval-fraction'),
          seed: int(values, 'seed'),
          checkpointEvery: int(values, 'checkpoint-every'),
          quant: str(values, 'quant'),
          device: str(values, 'device'),
        }).filter(([, v]) => v !== undefined),
      );
      const model = required(values, 'model');
      const which = modelIdOrPath(model);
      return { method: 'training.start', input: { ...which, snapshotId: required(values, 'snapshot'), settings: settings as never } };
    },
    human: () => '',
    job: trainingJob,
  },
  {
    name: 'train resume',
    usage: 'train resume <runId>',
    summary: 'Continue a cancelled or interrupted run from its last checkpoint',
    positionals: ['runId'],
    request: ({ positionals }) => ({ method: 'training.resume', input: { runId: positional(positionals, 0, 'runId') } }),
    human: () => '',
    job: trainingJob,
  },
  {
    name: 'train runs',
    usage: 'train runs',
    summary: 'List training runs',
    request: () => ({ method: 'training.listRuns', input: {} }),
    human: (v) =>
      table(
        ['ID', 'STATE', 'STEP', 'SNAPSHOT', 'ADAPTER', 'STARTED'],
        (v as { items: TrainingRunInfo[] }).items.map((r) => [r.id, r.state, `${r.step}/${r.totalSteps ?? '?'}`, r.snapshotId, r.adapterId ?? '—', shortTime(r.startedAt)]),
      ),
  },
  {
    name: 'adapters list',
    usage: 'adapters list',
    summary: 'List trained adapters with their provenance and held-out loss',
    request: () => ({ method: 'training.listAdapters', input: {} }),
    human: (v) =>
      table(
        ['ID', 'SNAPSHOT ROOT', 'LOSS BEFORE → AFTER', 'FILE'],
        (v as { items: Adapter[] }).items.map((a) => [
          a.id,
          `${a.snapshotRoot.slice(0, 12)}…`,
          `${a.metrics.initialEvalLoss?.toFixed(3) ?? '—'} → ${a.metrics.finalEvalLoss?.toFixed(3) ?? '—'}`,
          a.file,
        ]),
      ),
  },
);

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;
const millions = (n: number) => `${(n / 1e6).toFixed(1)}M`;

COMMANDS.push(
  {
    name: 'models import',
    usage: 'models import <file.gguf> [--reference] [--name N]',
    summary: 'Add a base model: validated, hashed, and copied into the workspace (or referenced where it is)',
    positionals: ['file'],
    options: { reference: { type: 'boolean' }, name: { type: 'string' } },
    request: ({ values, positionals }) => ({
      method: 'models.import',
      input: { path: positional(positionals, 0, 'file'), storage: values.reference ? 'reference' : 'copy', name: str(values, 'name') },
    }),
    human: () => '',
    job: {
      human: (job) => {
        const m = job.result as ModelInfo;
        return `Model ${m.id}: ${m.name} (${m.architecture}, ${millions(m.parameters)} parameters, ${m.quantization}, ${gib(m.sizeBytes)})\n  sha256 ${m.sha256}\n  file ${m.file}`;
      },
    },
  },
  {
    name: 'models list',
    usage: 'models list',
    summary: 'List base models',
    request: () => ({ method: 'models.list', input: {} }),
    human: (v) =>
      table(
        ['ID', 'NAME', 'ARCH', 'PARAMS', 'TYPE', 'CONTEXT', 'SIZE'],
        (v as { items: ModelInfo[] }).items.map((m) => [m.id, m.name, m.architecture, millions(m.parameters), m.quantization, String(m.contextLength ?? '?'), gib(m.sizeBytes)]),
      ),
  },
  {
    name: 'models show',
    usage: 'models show <modelId>',
    summary: 'Inspect a model: architecture, parameters, quantisation, context length, chat template',
    positionals: ['modelId'],
    request: ({ positionals }) => ({ method: 'models.get', input: { id: positional(positionals, 0, 'modelId') } }),
    human: (v) => {
      const m = v as ModelInfo;
      return [
        `${m.name} (${m.id})`,
        `  architecture ${m.architecture}, ${m.layers ?? '?'} layers, embedding ${m.embeddingLength ?? '?'}, vocabulary ${m.vocabularySize ?? '?'}`,
        `  ${millions(m.parameters)} parameters, weights ${m.quantization}, context ${m.contextLength ?? '?'}`,
        `  ${m.storage === 'copy' ? 'copied to' : 'referenced at'} ${m.file} (${gib(m.sizeBytes)}), sha256 ${m.sha256}`,
        `  chat template: ${m.chatTemplate ? `${m.chatTemplate.slice(0, 80).replace(/\n/g, ' ')}…` : 'none (a default is used)'}`,
      ].join('\n');
    },
  },
  {
    name: 'models delete',
    usage: 'models delete <modelId>',
    summary: 'Remove a model (a copied file is deleted; a referenced one is left where it is)',
    positionals: ['modelId'],
    request: ({ positionals }) => ({ method: 'models.delete', input: { id: positional(positionals, 0, 'modelId') } }),
    human: (v) => `Removed ${(v as { id: string }).id}${(v as { fileDeleted: boolean }).fileDeleted ? ' and its file' : ''}`,
  },
);

/** --model <modelId|path> and --adapter <adapterId> → the contract's model choice. */
function modelChoice(values: Values) {
  const model = str(values, 'model');
  const adapterId = str(values, 'adapter');
  if (!model && !adapterId) throw new UsageError('give --model <modelId|file.gguf>, --adapter <adapterId>, or both');
  const which = model === undefined ? {} : modelIdOrPath(model);
  return { ...which, ...(adapterId ? { adapterId } : {}), adapterScale: num(values, 'scale') };
}

COMMANDS.push(
  {
    name: 'chat',
    usage: 'chat [--model <modelId|file.gguf>] [--adapter <adapterId> --scale 1] --prompt P [--system S] [--max-tokens 256] [--temperature 0.7] [--seed N]',
    summary: "Ask a model (with an adapter: on the base it was trained on unless --model says otherwise) one question",
    options: {
      model: { type: 'string' },
      adapter: { type: 'string' },
      scale: { type: 'string' },
      prompt: { type: 'string' },
      system: { type: 'string' },
      'max-tokens': { type: 'string' },
      temperature: { type: 'string' },
      seed: { type: 'string' },
    },
    request: ({ values }) => {
      const system = str(values, 'system');
      return {
        method: 'inference.chat',
        input: {
          ...modelChoice(values),
          messages: [...(system ? [{ role: 'system' as const, content: system }] : []), { role: 'user' as const, content: required(values, 'prompt') }],
          maxTokens: int(values, 'max-tokens'),
          temperature: num(values, 'temperature'),
          seed: int(values, 'seed'),
        },
      };
    },
    human: () => '',
    job: {
      human: (job) => {
        const r = job.result as ChatAnswer;
        return `${r.text}\n\n(${r.completionTokens} tokens, ${r.tokensPerSecond.toFixed(1)} tokens/s${r.adapterId ? `, adapter ${r.adapterId}` : ''})`;
      },
    },
  },
  {
    name: 'eval',
    usage: 'eval [--model <modelId|file.gguf>] [--adapter <adapterId>] --snapshot <snapshotId> [--split held-out|all] [--no-accuracy]',
    summary: 'Held-out loss and perplexity (exact, from logits) and answer accuracy, with or without an adapter',
    options: {
      model: { type: 'string' },
      adapter: { type: 'string' },
      scale: { type: 'string' },
      snapshot: { type: 'string' },
      split: { type: 'string' },
      'no-accuracy': { type: 'boolean' },
    },
    request: ({ values }) => ({
      method: 'inference.evaluate',
      input: { ...modelChoice(values), snapshotId: required(values, 'snapshot'), split: str(values, 'split') as never, accuracy: values['no-accuracy'] ? false : undefined },
    }),
    human: () => '',
    job: {
      human: (job) => {
        const r = job.result as EvaluationResult;
        const acc = r.exactMatch === null ? '' : `\n  exact match ${(r.exactMatch * 100).toFixed(1)}%, contains answer ${((r.containsAnswer ?? 0) * 100).toFixed(1)}% of ${r.instructionExamples} instruction examples`;
        return `${r.adapterId ? `adapter ${r.adapterId}` : 'base model'} on ${r.split} split of ${r.snapshotId} (${r.examples} examples, ${r.tokens} response tokens):\n  loss ${r.loss.toFixed(4)}, perplexity ${r.perplexity.toFixed(2)}${acc}`;
      },
    },
  },
);

COMMANDS.push(
  {
    name: 'serve-api',
    usage: 'serve-api [--port N] [--max-queued N]',
    summary: 'Run the OpenAI-compatible API on 127.0.0.1 until Ctrl-C (prints the URL and the bearer token)',
    options: { port: { type: 'string' }, 'max-queued': { type: 'string' } },
    request: ({ values }) => ({ method: 'serving.start', input: { port: int(values, 'port'), maxQueued: int(values, 'max-queued') } }),
    human: (v) => {
      const s = v as ServingStatus;
      return [
        'Datanet Studio API is running (Ctrl-C stops it).',
        `  base URL:  ${s.url}/v1`,
        `  API key:   ${s.token}`,
        '  models:    GET /v1/models — a model id, an adapter id, or modelId+adapterId',
        `  queue:     ${s.maxQueued} waiting per model, then 429 with Retry-After (--max-queued N)`,
      ].join('\n');
    },
    hold: true,
  },
  {
    name: 'usage',
    usage: 'usage',
    summary: 'API usage per served model and day (requests, prompt and completion tokens)',
    request: () => ({ method: 'serving.usage', input: {} }),
    human: (v) =>
      table(
        ['DAY', 'MODEL', 'REQUESTS', 'PROMPT', 'COMPLETION'],
        (v as { items: UsageRow[] }).items.map((u) => [u.day, u.model, String(u.requests), String(u.promptTokens), String(u.completionTokens)]),
      ),
  },
);

COMMANDS.push({
  name: 'models download',
  usage: 'models download <url> [--sha256 H] [--size BYTES] [--name N]',
  summary: 'Download a GGUF (progress, resume after a drop or Ctrl-C, size and sha256 check) and add it',
  positionals: ['url'],
  options: { sha256: { type: 'string' }, size: { type: 'string' }, name: { type: 'string' } },
  request: ({ values, positionals }) => ({
    method: 'models.download',
    input: { url: positional(positionals, 0, 'url'), sha256: str(values, 'sha256'), sizeBytes: int(values, 'size'), name: str(values, 'name') },
  }),
  human: () => '',
  job: { human: (job) => `Model ${(job.result as ModelInfo).id}: ${(job.result as ModelInfo).name}\n  sha256 ${(job.result as ModelInfo).sha256}` },
});

COMMANDS.push({
  name: 'models catalog',
  usage: 'models catalog',
  summary: 'The curated models you can download (then: models download <url>)',
  request: () => ({ method: 'models.catalog', input: {} }),
  human: (v) => {
    const c = v as { note: string; models: { id: string; name: string; parameters: string; license: string; url: string; sha256: string | null }[] };
    return `${table(['ID', 'NAME', 'PARAMS', 'LICENSE', 'VERIFIED'], c.models.map((m) => [m.id, m.name, m.parameters, m.license, m.sha256 ? 'sha256' : 'no']))}\n\n${c.note}`;
  },
});

COMMANDS.push(...ATTRIBUTION_COMMANDS, ...CHAIN_COMMANDS, ...LINEAGE_COMMANDS, ...BACKUP_COMMANDS, ...VAULT_COMMANDS, ...TEAM_COMMANDS);
COMMANDS.push(...PROPOSAL_COMMANDS);
COMMANDS.push(...CLUSTER_COMMANDS);
