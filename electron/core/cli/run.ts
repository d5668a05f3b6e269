import { parseArgs } from 'node:util';
import type { Job } from '../../shared/jobs';
import { openCore, type Core } from '../core';
import { defaultWorkspaceDir } from '../workspace/workspace';
import { COMMANDS, UsageError, type Command } from './commands';
import { progressLine } from './format';

export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

export interface CliIo {
  out(s: string): void;
  err(s: string): void;
  /** Whether stderr is a terminal (progress bars redraw in place). */
  isTty: boolean;
}

const GLOBAL_OPTIONS = { workspace: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

export function helpText(): string {
  return [
    'Datanet Studio CLI',
    '',
    'Usage: npm run -s cli -- <command> [options] [--workspace DIR] [--json]',
    '',
    ...COMMANDS.map((c) => `  ${c.usage}\n      ${c.summary}`),
    '',
    '--workspace DIR  the workspace folder (default: $DATANET_STUDIO_WORKSPACE or the app data folder)',
    '--json           print the result as JSON (errors too, as {"ok":false,"error":{…}})',
    'Exit codes: 0 done, 1 the command failed, 2 bad usage, 130 interrupted.',
  ].join('\n');
}

function findCommand(words: string[]): { command: Command; rest: string[] } | null {
  for (const c of [...COMMANDS].sort((a, b) => b.name.length - a.name.length)) {
    const parts = c.name.split(' ');
    if (parts.every((p, i) => words[i] === p)) return { command: c, rest: words.slice(parts.length) };
  }
  return null;
}

/** Runs one CLI invocation; returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const words = commandWords(argv);
  const found = findCommand(words);
  const wantsJson = argv.includes('--json');
  const usage = (message: string, command?: Command) => {
    if (wantsJson) io.out(JSON.stringify({ ok: false, error: { code: 'USAGE', message } }));
    else io.err(`error: ${message}\n${command ? `usage: ${command.usage}` : 'Run with --help for the list of commands.'}`);
    return EXIT.usage;
  };
  if (!found) {
    if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
      io.out(helpText());
      return argv.length === 0 ? EXIT.usage : EXIT.ok;
    }
    return usage(`unknown command "${words.join(' ')}"`);
  }
  const { command } = found;
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...GLOBAL_OPTIONS, ...(command.options ?? {}) },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    return usage((e as Error).message, command);
  }
  if (parsed.values.help) {
    io.out(`${command.usage}\n\n${command.summary}`);
    return EXIT.ok;
  }
  const positionals = parsed.positionals.slice(command.name.split(' ').length);
  let request;
  try {
    request = command.request({ values: parsed.values as Record<string, string | boolean | string[] | undefined>, positionals });
  } catch (e) {
    if (e instanceof UsageError) return usage(e.message, command);
    throw e;
  }

  let core: Core;
  try {
    const workspaceDir = typeof parsed.values.workspace === 'string' ? parsed.values.workspace : defaultWorkspaceDir();
    core = openCore({ workspaceDir, host: 'cli' });
  } catch (e) {
    const message = (e as Error).message;
    if (wantsJson) io.out(JSON.stringify({ ok: false, error: { code: (e as { code?: string }).code ?? 'STORAGE', message } }));
    else io.err(`error: ${message}`);
    return EXIT.failed;
  }
  try {
    const result = await core.call(request.method, request.input);
    if (!result.ok) {
      if (wantsJson) io.out(JSON.stringify(result));
      else io.err(`error (${result.error.code}): ${result.error.message}`);
      return EXIT.failed;
    }
    if (!command.job) {
      io.out(wantsJson ? JSON.stringify(result.value, null, 2) : command.human(result.value));
      if (command.hold) await untilStopped();
      return command.failed?.(result.value) ? EXIT.failed : EXIT.ok;
    }
    const job = await followJob(core, (result.value as { jobId: string }).jobId, io, wantsJson);
    if (wantsJson) io.out(JSON.stringify(job, null, 2));
    else if (job.state === 'succeeded') io.out(command.job.human(job));
    else io.err(`${job.title}: ${job.state}${job.error ? ` — ${job.error.message}` : ''}`);
    if (job.state === 'cancelled') return EXIT.interrupted;
    if (job.state !== 'succeeded' || command.job.failed?.(job)) return EXIT.failed;
    return EXIT.ok;
  } finally {
    await core.close();
  }
}

/** The leading words of the command line ("datanet show dn_…"), skipping global options before them. */
function commandWords(argv: string[]): string[] {
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--workspace') i++;
    else if (a.startsWith('--workspace=') || a === '--json' || a === '--help' || a === '-h') continue;
    else if (a.startsWith('-')) break;
    else words.push(a);
  }
  return words;
}

function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

/** Waits for a job, drawing its progress on stderr; Ctrl-C cancels it. */
async function followJob(core: Core, jobId: string, io: CliIo, quiet: boolean): Promise<Job> {
  const stop = core.onEvent((name, payload) => {
    if (quiet || name !== 'jobs.progress') return;
    const j = payload as Job;
    if (j.id !== jobId) return;
    const line = progressLine(j.progress.done, j.progress.total, j.progress.unit, j.etaMs);
    if (io.isTty) io.err(`\r${line}\x1b[K`);
  });
  const onSigint = () => void core.call('jobs.cancel', { jobId });
  process.once('SIGINT', onSigint);
  try {
    const job = await core.waitForJob(jobId);
    if (io.isTty && !quiet) io.err('\n');
    return job;
  } finally {
    stop();
    process.off('SIGINT', onSigint);
  }
}
