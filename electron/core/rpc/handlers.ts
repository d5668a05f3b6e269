import type { Services } from '../core';
import { schemaVersion } from '../db/migrate';
import type { Handlers } from './router';

/** Contract method → implementation. Inputs arrive parsed; outputs are checked by the router. */
export function createHandlers(s: Services): Handlers {
  return {
    'app.getInfo': () => ({
      name: 'Datanet Studio',
      version: s.version,
      workspace: s.paths.root,
      schemaVersion: schemaVersion(s.db),
      host: s.host,
      network: { outbound: false, description: 'Offline: nothing leaves this machine.' },
      modelInMemory: null,
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
  };
}
