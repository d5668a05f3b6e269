import { basename, resolve } from 'node:path';
import type { Services } from '../core';
import { listImports, runImport } from '../datanets/import/pipeline';
import { previewFile } from '../datanets/preview';
import { redactRecords } from '../datanets/redaction';
import { reviewRecords } from '../datanets/review';
import { verifyInclusionProof } from '../datanets/snapshots';
import { nameDetection } from '../datanets/pii';
import { readCatalog } from '../models/registry';
import { outboundActivity } from '../net/outbound';
import { memoryStatus } from '../inference/memory-status';
import { schemaVersion } from '../db/migrate';
import type { Handlers } from './router';
import { attributionHandlers } from './attribution-handlers';
import { createWalletHandlers } from './wallet-handlers';
import { chainHandlers, rewardsHandlers } from './chain-handlers';
import { demoHandlers } from './demo-handlers';
import { lineageHandlers } from './lineage-handlers';
import { proposalHandlers } from './proposal-handlers';
import { backupHandlers } from './backup-handlers';
import { vaultHandlers } from './vault-handlers';
import { teamHandlers } from './team-handlers';
import { exportAuditLog, verifyAuditExport } from '../audit/export';

/** Contract method → implementation. Inputs arrive parsed; outputs are checked by the router. */
export function createHandlers(s: Services): Handlers {
  return {
    ...attributionHandlers(s),
    ...createWalletHandlers(s.wallet),
    ...chainHandlers(s),
    ...rewardsHandlers(s),
    ...demoHandlers(s),
    ...lineageHandlers(s),
    ...proposalHandlers(s),
    ...backupHandlers(s),
    ...vaultHandlers(s.vault),
    ...teamHandlers(s),
    'app.getInfo': () => ({
      name: 'Datanet Studio',
      version: s.version,
      workspace: s.paths.root,
      schemaVersion: schemaVersion(s.db),
      host: s.host,
      network: networkState(),
      memory: memoryInUse(s),
      nameDetection: { mode: nameDetection.mode, note: nameDetection.note },
    }),

    'datanets.create': (i) => {
      const d = s.datanets.create(i);
      s.events.emit('datanets.changed', { datanetId: d.id, change: 'created' });
      return d;
    },
    'datanets.list': () => ({ items: s.datanets.list() }),
    'datanets.get': (i) => s.datanets.get(i.id),
    'datanets.rename': (i) => {
      const d = s.datanets.rename(i.id, i.name);
      s.events.emit('datanets.changed', { datanetId: d.id, change: 'renamed' });
      return d;
    },
    'datanets.delete': (i) => {
      const r = s.datanets.delete(i.id, i.confirmName);
      s.events.emit('datanets.changed', { datanetId: i.id, change: 'deleted' });
      return r;
    },
    'datanets.addRecord': (i) => {
      const r = s.datanets.addRecord(i);
      s.events.emit('datanets.changed', { datanetId: i.datanetId, change: 'records' });
      return r;
    },
    'datanets.listRecords': (i) => s.datanets.listRecords(i),
    'datanets.getRecord': (i) => s.datanets.getRecord(i.id),

    'datanets.previewFile': (i) => previewFile(i.path, i.format),
    'datanets.importFile': (i) => {
      const datanet = s.datanets.get(i.datanetId);
      const job = s.jobs.start({
        kind: 'datanets.importFile',
        title: `Import ${basename(i.path)} into ${datanet.name}`,
        unit: 'bytes',
        run: async (ctx) => {
          try {
            return await runImport(ctx, { db: s.db, audit: s.audit, actor: s.actor, nearDup: s.nearDup }, i);
          } finally {
            s.events.emit('datanets.changed', { datanetId: i.datanetId, change: 'records' });
          }
        },
      });
      return { jobId: job.id };
    },
    'datanets.listImports': (i) => {
      s.datanets.get(i.datanetId);
      return { items: listImports(s.db, i.datanetId) };
    },
    'datanets.review': (i) => {
      s.datanets.get(i.datanetId);
      const r = reviewRecords(s.db, s.audit, s.actor, i);
      s.events.emit('datanets.changed', { datanetId: i.datanetId, change: 'records' });
      return r;
    },
    'datanets.redact': (i) => {
      s.datanets.get(i.datanetId);
      const r = redactRecords(s.db, s.audit, s.actor, s.nearDup, i);
      s.events.emit('datanets.changed', { datanetId: i.datanetId, change: 'records' });
      return r;
    },
    'datanets.createSnapshot': (i) => {
      s.datanets.get(i.datanetId);
      const snap = s.snapshots.create(i.datanetId, i.note);
      s.events.emit('datanets.changed', { datanetId: i.datanetId, change: 'snapshots' });
      return snap;
    },
    'datanets.listSnapshots': (i) => {
      s.datanets.get(i.datanetId);
      return { items: s.snapshots.list(i.datanetId) };
    },
    'datanets.getProof': (i) => s.snapshots.proof(i.snapshotId, i.recordId),
    'datanets.verifyProof': (i) => verifyInclusionProof(i.proof),
    'datanets.exportSnapshot': (i) => s.snapshots.export(i.snapshotId, resolve(i.path)),

    'models.import': (i) => {
      const job = s.jobs.start({ kind: 'models.import', title: `Import model ${basename(i.path)}`, unit: 'bytes', run: (ctx) => s.models.import(ctx, i) });
      return { jobId: job.id };
    },
    'models.download': (i) => {
      const job = s.jobs.start({ kind: 'models.download', title: `Download ${i.name ?? new URL(i.url).pathname.split('/').pop()}`, unit: 'bytes', run: (ctx) => s.models.download(ctx, i) });
      return { jobId: job.id };
    },
    'models.catalog': () => readCatalog(),
    'models.list': () => ({ items: s.models.list() }),
    'models.get': (i) => s.models.get(i.id),
    'models.delete': (i) => s.models.delete(i.id),

    'inference.chat': (i) => ({ jobId: s.inference.chat(i).id }),
    'inference.evaluate': (i) => ({ jobId: s.inference.evaluate(i).id }),

    'serving.start': (i) => s.serving.start(i.port, i.maxQueued),
    'serving.stop': () => s.serving.stop(),
    'serving.status': () => s.serving.status(),
    'serving.usage': () => ({ items: s.serving.usage() }),

    'conversations.list': () => ({ items: s.conversations.list() }),
    'conversations.save': (i) => s.conversations.save(i),
    'conversations.delete': (i) => s.conversations.delete(i.id),

    'training.start': (i) => s.training.start(i),
    'training.resume': (i) => s.training.resume(i.runId),
    'training.listRuns': () => ({ items: s.training.listRuns() }),
    'training.listAdapters': () => ({ items: s.training.listAdapters() }),
    'training.exportJob': (i) => s.training.exportJob(i),
    'training.importPeftAdapter': (i) => s.training.importPeft(i),

    'jobs.list': () => ({ items: s.jobs.list() }),
    'jobs.get': (i) => s.jobs.get(i.jobId),
    'jobs.cancel': (i) => s.jobs.cancel(i.jobId),

    'audit.listEntries': (i) => ({ items: s.audit.list(i.offset, i.limit), total: s.audit.count(), offset: i.offset, limit: i.limit }),
    'audit.verifyChain': () => {
      const job = s.jobs.start({
        kind: 'audit.verifyChain',
        title: 'Verify audit log',
        unit: 'entries',
        run: async (ctx) => {
          const verifier = s.audit.verifier(500);
          ctx.progress(0, verifier.total, 'Checking hash links');
          while (!verifier.step()) {
            ctx.progress(verifier.progress, verifier.total);
            // Yield between batches so cancel and other calls get through.
            await new Promise((r) => setImmediate(r));
            ctx.throwIfCancelled();
          }
          const result = verifier.result();
          ctx.progress(result.checked, verifier.total, result.ok ? 'Chain intact' : `Broken at entry ${result.firstBad?.seq}`);
          return result;
        },
      });
      return { jobId: job.id };
    },
    'audit.export': (i) => ({
      jobId: s.jobs.start({
        kind: 'audit.export',
        title: `Export the audit log to ${i.path}`,
        unit: 'entries',
        run: async (ctx) => {
          const exported = await exportAuditLog({ audit: s.audit, workspace: s.paths.root, path: i.path, progress: ctx.progress, signal: ctx.signal });
          s.audit.append({ actor: s.actor, action: 'audit.exported', subject: exported.path, details: { entries: exported.entries.length, headHash: exported.verification.headHash } });
          return { path: exported.path, entries: exported.entries.length, verification: exported.verification };
        },
      }).id,
    }),
    'audit.verifyExport': (i) => verifyAuditExport(i.path),
  };
}

/** What left this machine: derived from the one outbound-network module, never assumed. */
/** Loaded models named as the registry names them (the file's name for an unregistered one). */
function memoryInUse(s: Services) {
  const { models, openContexts } = memoryStatus();
  const registered = new Map(s.models.list().map((m) => [resolve(m.file), m.name]));
  return {
    models: models.map((m) => ({ ...m, name: registered.get(resolve(m.path)) ?? basename(m.path) })),
    activeGenerations: openContexts,
  };
}

function networkState() {
  const { active, recent } = outboundActivity();
  if (recent.length === 0) return { outbound: false, label: 'Offline', description: 'Offline: nothing has left this machine in this session.' };
  const purposes = [...new Set(recent.map((r) => r.purpose))].join(', ');
  return {
    outbound: true,
    label: `Network used: ${purposes}`,
    description: `Network used this session for ${purposes} (${recent.length} request${recent.length === 1 ? '' : 's'}${active ? `, ${active} open` : ''}).`,
  };
}
