import { join } from 'node:path';
import { AppError } from '../../shared/errors';
import type { Services } from '../core';
import { readDemoReport, runDemo } from '../demo/run';
import type { Handlers } from './router';

/** The demo runs in a workspace of its own inside this one, so the person's own data is never touched. */
export const demoWorkspaceOf = (s: Services) => join(s.paths.root, 'demo');

export function demoHandlers(s: Services): Pick<Handlers, Extract<keyof Handlers, `demo.${string}`>> {
  return {
    'demo.run': (i) => {
      // A second run would delete the workspace the first one is working in.
      const running = s.jobs.list().find((j) => j.kind === 'demo.run' && j.state === 'running');
      if (running) throw new AppError('CONFLICT', `The demo is already running (job ${running.id}); wait for it or cancel it first.`);
      const job = s.jobs.start({
        kind: 'demo.run',
        title: 'Run the demo',
        unit: 'steps',
        run: (ctx) =>
          runDemo({
            workspaceDir: demoWorkspaceOf(s),
            size: i.size,
            signal: ctx.signal,
            onStep: (e) => {
              // Whole steps are the measure; a step's own progress moves the bar within it.
              const within = e.state === 'done' ? 1 : e.done !== null && e.of ? Math.min(0.99, e.done / e.of) : 0;
              ctx.progress(e.index + within, e.total, `${e.title}${e.message ? `: ${e.message}` : ''}`);
            },
          }),
      });
      return { jobId: job.id };
    },
    'demo.lastReport': () => ({ report: readDemoReport(demoWorkspaceOf(s)) }),
  };
}
