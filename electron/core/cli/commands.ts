import type { ParseArgsConfig } from 'node:util';
import type { AuditEntry, AuditVerification } from '../../shared/audit';
import type { Input, MethodName } from '../../shared/contract';
import type { Datanet, DatanetRecord, RecordContent } from '../../shared/datanets';
import type { Job } from '../../shared/jobs';
import { table } from './format';

export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | undefined>;

export interface Command {
  /** e.g. "datanet create" */
  name: string;
  usage: string;
  summary: string;
  options?: Options;
  positionals?: string[];
  /** Which contract method the command calls and with what input. */
  request(args: { values: Values; positionals: string[] }): { method: MethodName; input: Input<MethodName> };
  /** Human-readable rendering of the result (the --json output is the result itself). */
  human(value: unknown): string;
  /** The method starts a job: wait for it and report its result. */
  job?: { human(job: Job): string; failed?(job: Job): boolean };
}

const str = (v: Values, key: string): string | undefined => (typeof v[key] === 'string' ? (v[key] as string) : undefined);
const required = (v: Values, key: string): string => {
  const s = str(v, key);
  if (s === undefined) throw new UsageError(`--${key} is required`);
  return s;
};
const int = (v: Values, key: string): number | undefined => {
  const s = str(v, key);
  if (s === undefined) return undefined;
  if (!/^\d+$/.test(s)) throw new UsageError(`--${key} must be a whole number (got "${s}")`);
  return Number(s);
};
const positional = (p: string[], i: number, name: string): string => {
  const s = p[i];
  if (s === undefined) throw new UsageError(`missing <${name}>`);
  return s;
};

const datanetRow = (d: Datanet) => [d.id, d.name, String(d.recordCount), d.createdAt.slice(0, 19).replace('T', ' ')];
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
        p.items.map((e) => [String(e.seq), e.at.slice(0, 19).replace('T', ' '), e.action, e.subject, `${e.hash.slice(0, 14)}…`]),
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
      human: (job) => {
        const r = job.result as AuditVerification;
        return r.ok
          ? `Audit log intact: ${r.checked} entries, head ${r.headHash}`
          : `Audit log BROKEN at entry ${r.firstBad?.seq}: ${r.firstBad?.reason} (${r.checked} entries before it verify)`;
      },
      failed: (job) => !(job.result as AuditVerification | null)?.ok,
    },
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
          j.startedAt.slice(0, 19).replace('T', ' '),
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
