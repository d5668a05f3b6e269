import type { Services } from '../core';
import { backupKey, createBackup, verifyBackup } from '../backup/backup';
import type { Handlers } from './router';

type BackupHandlers = Pick<Handlers, Extract<keyof Handlers, `backup.${string}`>>;

export function backupHandlers(s: Services): BackupHandlers {
  return {
    'backup.create': (i) => ({
      jobId: s.jobs.start({
        kind: 'backup.create',
        title: `Back up the workspace to ${i.destination}`,
        unit: 'bytes',
        run: async (ctx) => {
          const report = await createBackup({ db: s.db, key: s.vault.currentKey(), root: s.paths.root, destination: i.destination, progress: ctx.progress, signal: ctx.signal });
          s.audit.append({ actor: s.actor, action: 'workspace.backedUp', subject: report.path, details: { bytes: report.bytes, files: report.manifest!.files.length, auditHead: report.manifest!.audit.headHash } });
          return report;
        },
      }).id,
    }),
    'backup.verify': (i) => ({
      jobId: s.jobs.start({
        kind: 'backup.verify',
        title: `Verify the backup at ${i.path}`,
        unit: 'bytes',
        run: async (ctx) => verifyBackup({
          path: i.path,
          key: i.passphrase === undefined ? s.vault.currentKey() : await backupKey(i.path, i.passphrase),
          progress: ctx.progress,
          signal: ctx.signal,
        }),
      }).id,
    }),
  };
}
