#!/usr/bin/env node
/**
 * `npm run demo`: the whole spine offline in a demo workspace (default .workspace/demo, recreated
 * on each run), with a line per step, a progress bar for long steps, and the report at the end.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DemoSize, type DemoStepEvent } from '../../shared/demo';
import { AppError } from '../../shared/errors';
import { formatDemoReport, progressBar } from '../demo/format';
import { runDemo } from '../demo/run';
import { onStopSignals } from '../common/stop-signals';

const { values } = parseArgs({
  options: { workspace: { type: 'string' }, size: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
});
if (values.help) {
  console.log('Usage: npm run demo -- [--workspace DIR] [--size full|small] [--json]\nRuns the whole spine offline in DIR (default .workspace/demo), which each run deletes and recreates.');
  process.exit(0);
}
const size = DemoSize.safeParse(values.size ?? 'full');
if (!size.success) {
  console.error(`--size: must be full or small (got "${values.size}")`);
  process.exit(2);
}

const tty = Boolean(process.stderr.isTTY);
let lastLine = 0;
const onStep = (e: DemoStepEvent) => {
  const prefix = `[${e.index + 1}/${e.total}] ${e.title}`;
  if (e.state === 'started') process.stderr.write(`${prefix}\n`);
  else if (e.state === 'done') process.stderr.write(`${tty ? '\r\x1b[K' : ''}  done: ${e.message}\n`);
  else if (tty) process.stderr.write(`\r\x1b[K${progressBar(e)}`);
  else if (Date.now() - lastLine > 5000) {
    // Without a terminal (CI logs), a progress line every few seconds instead of a redrawn bar.
    lastLine = Date.now();
    process.stderr.write(`${progressBar(e)}\n`);
  }
};

const controller = new AbortController();
onStopSignals(() => controller.abort(), ['SIGINT']);
try {
  const report = await runDemo({ workspaceDir: resolve(values.workspace ?? '.workspace/demo'), size: size.data, onStep, signal: controller.signal });
  console.log(values.json ? JSON.stringify(report, null, 2) : `\n${formatDemoReport(report)}`);
} catch (e) {
  console.error(`\ndemo failed: ${e instanceof AppError ? `${e.code}: ${e.message}` : (e as Error).stack}`);
  process.exitCode = 1;
}
