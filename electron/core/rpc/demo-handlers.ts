import { join } from 'node:path';
import { DEMO_STEPS } from '../../shared/demo';
import { AppError } from '../../shared/errors';
import type { Services } from '../core';
import { readDemoReport, runDemo } from '../demo/run';
import type { Handlers } from './router';

/** The demo runs in a workspace of its own inside this one, so the person's own data is never touched. */
export const demoWorkspaceOf = (s: Services) => join(s.paths.root, 'demo');

const DEMO_WEIGHT = DEMO_STEPS.reduce((n, st) => n + st.weight, 0);

export function demoHandlers(s: Services): Pick<Handlers, Extract<keyof Handlers, `demo.${string}`>> {
  return {
    'demo.run': (i) => {
      // A second run would delete the workspace the first one is working in.
      const running = s.jobs.list().find((j) => j.kind === 'demo.run' && j.state === 'running');
      if (running) throw new AppError('CONFLICT', `The demo is already running (job ${running.id}); wait for it or cancel it first.`);
      const job = s.jobs.start({
        kind: 'demo.run',
        title: 'Run the demo',
        unit: '%',
        run: (ctx) =>
          runDemo({
            workspaceDir: demoWorkspaceOf(s),
            size: i.size,
            signal: ctx.signal,
            onStep: (e) => {
              // Steps weighted by their usual share of the time, so the rate and ETA mean something; a step's own progress moves the bar within it.
              const within = e.state === 'done' ? 1 : e.done !== null && e.of ? Math.min(0.99, e.done / e.of) : 0;
              const before = DEMO_STEPS.slice(0, e.index).reduce((n, st) => n + st.weight, 0);
              ctx.progress(Math.round(((before + DEMO_STEPS[e.index]!.weight * within) / DEMO_WEIGHT) * 100), 100, `${e.title}${e.message ? `: ${e.message}` : ''}`);
            },
          }),
      });
      return { jobId: job.id };
    },
    'demo.lastReport': () => ({ report: readDemoReport(demoWorkspaceOf(s)) }),
  };
}
