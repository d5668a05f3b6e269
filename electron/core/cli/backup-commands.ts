import type { BackupReport } from '../../shared/backup';
import type { Job } from '../../shared/jobs';
import { backupKey, restoreBackup } from '../backup/backup';
import { LOCAL_ACTOR } from '../core';
import { defaultWorkspaceDir } from '../workspace/workspace';
import { positional, required, secret, str, workspacePassphrase, type Command } from './args';

const gib = (n: number) => (n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(2)} GiB` : `${(n / 2 ** 20).toFixed(1)} MiB`);

export function backupReport(r: BackupReport): string {
  const m = r.manifest;
  const lines = [`${r.ok ? 'Verified' : 'NOT VERIFIED'}: ${r.path}`];
  if (m) {
    lines.push(`  taken ${m.createdAt} from ${m.workspace} (schema ${m.schemaVersion})`);
    lines.push(`  ${m.counts.datanets} datanets, ${m.counts.records} records, ${m.counts.snapshots} snapshots, ${m.counts.adapters} adapters; audit log ${m.audit.entries} entries, head ${m.audit.headHash}`);
    lines.push(`  database and ${m.files.length} files, ${gib(r.bytes)}, every sha256 checked${m.external.length ? `; ${m.external.length} models referenced outside the workspace (hashed, not copied)` : ''}`);
  }
  for (const p of r.problems) lines.push(`  problem: ${p}`);
  for (const p of r.externalProblems) lines.push(`  referenced model: ${p}`);
  return lines.join('\n');
}

const reportOf = (job: Job) => job.result as BackupReport;
/** Both backup jobs answer a report; one that does not verify fails the command. */
const reportJob: Command['job'] = { human: (job) => backupReport(reportOf(job)), failed: (job) => !reportOf(job).ok };

export const BACKUP_COMMANDS: Command[] = [
  {
    name: 'backup create',
    usage: 'backup create --to <new or empty folder>',
    summary: 'Back up the workspace while it is in use: the database through SQLite\'s online backup, every file hashed, all checked before the folder is final',
    options: { to: { type: 'string' } },
    request: ({ values }) => ({ method: 'backup.create', input: { destination: required(values, 'to') } }),
    human: () => '',
    job: reportJob,
  },
  {
    name: 'backup verify',
    usage: 'backup verify <backup folder> [--backup-passphrase-file F]',
    summary: 'Check a backup: every file\'s sha256, the database\'s integrity_check and its audit chain',
    positionals: ['path'],
    options: { 'backup-passphrase-file': { type: 'string' } },
    // An encrypted backup under another key (another workspace, or one taken before a restore) needs its own passphrase.
    request: ({ values, positionals }) => ({
      method: 'backup.verify',
      input: { path: positional(positionals, 0, 'path'), passphrase: secret(values, 'backup-passphrase-file', 'DATANET_STUDIO_BACKUP_PASSPHRASE') ?? undefined },
    }),
    human: () => '',
    job: reportJob,
  },
  {
    name: 'backup restore',
    usage: 'backup restore <backup folder> [--workspace <new or empty folder>] [--passphrase-file F]',
    summary: 'Restore a verified backup into a folder holding no workspace (close the app first); paths are rewritten if the folder differs',
    positionals: ['path'],
    offline: async ({ values, positionals, say }) => {
      const workspaceDir = str(values, 'workspace') ?? defaultWorkspaceDir();
      let last = 0;
      const from = positional(positionals, 0, 'path');
      return restoreBackup({
        from,
        workspaceDir,
        key: await backupKey(from, workspacePassphrase(values)),
        actor: LOCAL_ACTOR,
        progress: (done, total, message) => {
          if (Date.now() - last < 500 || total === null) return;
          last = Date.now();
          say(`${Math.floor((100 * done) / Math.max(1, total))}% ${message ?? ''}`);
        },
      });
    },
    human: (v) => backupReport(v as BackupReport).replace(/^Verified/, 'Restored and verified'),
    failed: (v) => !(v as BackupReport).ok,
  },
];
