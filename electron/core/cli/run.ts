import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { SigningRequest } from '../../shared/wallet';
import type { Job } from '../../shared/jobs';
import { openCore, type Core } from '../core';
import { defaultWorkspaceDir } from '../workspace/workspace';
import type { Envelope } from '../../shared/errors';
import type { VaultStatus } from '../../shared/vault';
import { COMMANDS, UsageError, type Command } from './commands';
import { PASSPHRASE_ENV, secret, workspacePassphrase, type Values } from './args';
import { progressLine } from './format';
import { onStopSignals } from '../common/stop-signals';
import { startupRecoveryJobs } from './recovery';

export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

export interface CliIo {
  out(s: string): void;
  err(s: string): void;
  /** Whether stderr is a terminal (progress bars redraw in place). */
  isTty: boolean;
  /** Reads one line typed by the user (confirmations); null at end of input. */
  readLine?(): Promise<string | null>;
}

const SIGNING_OPTIONS = { 'password-file': { type: 'string' }, yes: { type: 'boolean' } } as const;

const GLOBAL_OPTIONS = {
  workspace: { type: 'string' }, 'passphrase-file': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, progress: { type: 'string' },
} as const;

/** How a job's progress is shown on stderr: a redrawn bar on a terminal, plain lines in a log, JSON lines for programs. */
const PROGRESS_STYLES = ['bar', 'lines', 'json', 'none'] as const;
type ProgressStyle = (typeof PROGRESS_STYLES)[number];
/** Without a terminal a line at most this often (and the last one always): a nightly log stays readable. */
const PROGRESS_LINE_INTERVAL_MS = 2000;

/** The help's areas in spine order, each by the first word of its commands' names. */
const HELP_AREAS: { title: string; words: string[] }[] = [
  { title: 'Datanets', words: ['datanet', 'consent', 'lineage'] },
  { title: 'Models', words: ['models'] },
  { title: 'Training', words: ['train', 'adapters', 'eval'] },
  { title: 'Serving', words: ['chat', 'serve-api', 'usage'] },
  { title: 'Attribution', words: ['attribute', 'attribution', 'receipt'] },
  { title: 'Chain, wallet and rewards', words: ['wallet', 'chain', 'rewards'] },
  { title: 'Proposals', words: ['proposal'] },
  { title: 'Admin', words: [] },
];

export function helpText(): string {
  const areaOf = (c: Command) => HELP_AREAS.find((a) => a.words.includes(c.name.split(' ')[0]!)) ?? HELP_AREAS.at(-1)!;
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const sections = HELP_AREAS.map((area) => {
    const commands = COMMANDS.filter((c) => areaOf(c) === area);
    return [`${area.title}:`, ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`)].join('\n');
  });
  return [
    'Datanet Studio CLI',
    '',
    'Usage: npm run -s cli -- <command> [options] [--workspace DIR] [--json]',
    '       npm run -s cli -- <command> --help   (the command\'s options)',
    '',
    ...sections.flatMap((s) => [s, '']),
    '--workspace DIR  the workspace folder (default: $DATANET_STUDIO_WORKSPACE or the app data folder)',
    `--passphrase-file F  an encrypted workspace's passphrase, first line of F (or $${PASSPHRASE_ENV})`,
    '--json           print the result as JSON (errors too, as {"ok":false,"error":{…}})',
    '--progress S     how jobs show progress on stderr: bar (a terminal\'s default), lines (without a terminal), json (one object a line), none',
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
  const failed = (code: string, message: string) => {
    if (wantsJson) io.out(JSON.stringify({ ok: false, error: { code, message } }));
    else io.err(`error (${code}): ${message}`);
    return EXIT.failed;
  };
  const usage = (message: string, command?: Command) => {
    if (wantsJson) io.out(JSON.stringify({ ok: false, error: { code: 'USAGE', message } }));
    else io.err(`error: ${message}\n${command ? `usage: ${command.usage}` : 'Run with --help for the list of commands.'}`);
    return EXIT.usage;
  };
  if (!found) {
    // Help for a command that does not exist is still an unknown command: a script must not take it for one.
    if (words.length === 0 && (argv.length === 0 || argv.includes('--help') || argv.includes('-h'))) {
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
      options: { ...GLOBAL_OPTIONS, ...(command.signs ? SIGNING_OPTIONS : {}), ...(command.options ?? {}) },
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
  const progressStyle = parsed.values.progress ?? (wantsJson ? 'none' : io.isTty ? 'bar' : 'lines');
  if (!(PROGRESS_STYLES as readonly string[]).includes(progressStyle)) {
    return usage(`--progress must be one of ${PROGRESS_STYLES.join(', ')} (got "${progressStyle}")`, command);
  }
  const positionals = parsed.positionals.slice(command.name.split(' ').length);
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  let request = null;
  let password: string | null = null;
  let passphrase: string | null;
  try {
    if (command.request) request = command.request({ values, positionals });
    if (command.signs) password = walletPassword(values);
    passphrase = workspacePassphrase(values);
  } catch (e) {
    if (e instanceof UsageError) return usage(e.message, command);
    throw e;
  }

  if (command.offline) {
    try {
      const value = await command.offline({ values, positionals, say: (text) => io.err(text) });
      io.out(wantsJson ? JSON.stringify(value, null, 2) : command.human(value));
      return command.failed?.(value) ? EXIT.failed : EXIT.ok;
    } catch (e) {
      if (e instanceof UsageError) return usage(e.message, command);
      return failed((e as { code?: string }).code ?? 'INTERNAL', (e as Error).message);
    }
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
  const opened = command.worksLocked ? ({ ok: true, value: null } as const) : await unlockWorkspace(core, passphrase);
  if (!opened.ok) {
    await core.close();
    return failed(opened.error.code, opened.error.message);
  }
  // Work undone at start-up (an import a killed process left half done) ends before the command runs, its progress on stderr.
  for (const jobId of await startupRecoveryJobs(core)) await followJob(core, jobId, io, progressStyle as ProgressStyle);
  const stopConfirming = command.signs && values.yes !== true ? confirmAtTerminal(core, io) : () => {};
  try {
    if (password !== null) {
      const unlocked = await core.call('wallet.unlock', { password });
      if (!unlocked.ok) {
        if (wantsJson) io.out(JSON.stringify(unlocked));
        else io.err(`error (${unlocked.error.code}): ${unlocked.error.message}`);
        return EXIT.failed;
      }
    }
    if (command.interactive) {
      const lines = io.readLine ?? stdinLines();
      const value = await command.interactive({
        core,
        values,
        positionals,
        say: (text) => io.err(text),
        ask: async (question) => {
          io.err(question);
          const line = await lines();
          if (line === null) throw new UsageError('the input ended before the question was answered');
          return line.trim();
        },
      });
      io.out(wantsJson ? JSON.stringify(value, null, 2) : command.human(value));
      return EXIT.ok;
    }
    const result = await core.call(request!.method, request!.input);
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
    const job = await followJob(core, (result.value as { jobId: string }).jobId, io, progressStyle as ProgressStyle);
    if (wantsJson) io.out(JSON.stringify(job, null, 2));
    else if (job.state === 'succeeded') io.out(command.job.human(job));
    else io.err(`${job.title}: ${job.state}${job.error ? ` — ${job.error.message}` : ''}`);
    if (job.state === 'succeeded' && command.job.after) {
      const note = await command.job.after({ core, job, follow: (id) => followJob(core, id, io, progressStyle as ProgressStyle) });
      // With --json, stdout stays the one JSON document a script parses.
      if (note && wantsJson) io.err(note);
      else if (note) io.out(note);
    }
    if (job.state === 'cancelled') return EXIT.interrupted;
    if (job.state !== 'succeeded' || command.job.failed?.(job)) return EXIT.failed;
    if (command.hold) await untilStopped();
    return EXIT.ok;
  } catch (e) {
    // Interactive steps throw what their calls answered (an AppError) or a usage problem.
    const code = e instanceof UsageError ? 'USAGE' : (e as { code?: unknown }).code;
    if (typeof code !== 'string') throw e;
    return failed(code, (e as Error).message);
  } finally {
    stopConfirming();
    sharedLines?.close();
    await core.close();
  }
}

/** The wallet password for signing commands: from a file or the environment, never from argv (ps shows argv). */
const walletPassword = (values: Values): string | null => secret(values, 'password-file', 'DATANET_STUDIO_WALLET_PASSWORD');

/** An encrypted workspace is unlocked with the passphrase given; a plaintext one needs none. */
export async function unlockWorkspace(core: Core, passphrase: string | null): Promise<Envelope<unknown>> {
  const status = await core.call('vault.status', {});
  if (!status.ok || !(status.value as VaultStatus).locked) return status;
  if (passphrase === null) {
    return { ok: false, error: { code: 'LOCKED', message: `The workspace is encrypted: give its passphrase with --passphrase-file FILE (first line) or $${PASSPHRASE_ENV}.` } };
  }
  return core.call('vault.unlock', { passphrase });
}

let sharedLines: { read: () => Promise<string | null>; close: () => void } | null = null;
/** Lines of standard input, read on demand (one reader for the whole process, closed when the command ends). */
function stdinLines(): () => Promise<string | null> {
  if (sharedLines) return sharedLines.read;
  const rl = createInterface({ input: process.stdin, terminal: false });
  const it = rl[Symbol.asyncIterator]();
  sharedLines = {
    read: async () => {
      const next = await it.next();
      return next.done ? null : next.value;
    },
    close: () => {
      rl.close();
      process.stdin.destroy();
      sharedLines = null;
    },
  };
  return sharedLines.read;
}

/**
 * Shows each signing request decoded, as the desktop's dialog does, and asks y/N. Without a
 * terminal to ask on, the request is rejected: the CLI signs only what a person confirmed, or
 * what --yes confirmed in advance.
 */
function confirmAtTerminal(core: Core, io: CliIo): () => void {
  return core.onEvent((name, payload) => {
    if (name !== 'wallet.request') return;
    const r = payload as SigningRequest;
    if (r.state !== 'pending') return;
    void (async () => {
      // Decide only after the requester has started waiting (it does so right after the event).
      await new Promise((resolve) => setImmediate(resolve));
      io.err(describeRequest(r));
      const interactive = io.readLine !== undefined || process.stdin.isTTY === true;
      if (!interactive) {
        await core.call('wallet.reject', { id: r.id, reason: 'no terminal to confirm on; run again with --yes to approve in advance' });
        return;
      }
      io.err('Sign this? [y/N] ');
      const answer = await (io.readLine ?? stdinLines())();
      if (answer?.trim().toLowerCase() === 'y') await core.call('wallet.approve', { id: r.id });
      else await core.call('wallet.reject', { id: r.id, reason: 'declined at the terminal' });
    })();
  });
}

export function describeRequest(r: SigningRequest): string {
  const lines = [`Signing request from ${r.origin}: account ${r.account}, chain ${r.chainId ?? 'none'}`];
  if (r.transaction) {
    const s = r.transaction.summary;
    lines.push(`  transaction: ${s.contract}${s.address ? ` at ${s.address}` : ''} — ${s.signature}`);
    for (const a of s.args) lines.push(`    ${a.name} (${a.type}) = ${JSON.stringify(a.value)}`);
    if (s.valueWei !== '0') lines.push(`    value: ${s.valueWei} wei`);
  }
  if (r.typedData) {
    const t = r.typedData;
    lines.push(`  typed data: ${t.primaryType} for ${t.domain.name ?? '?'} v${t.domain.version ?? '?'}${t.domain.verifyingContract ? ` at ${t.domain.verifyingContract}` : ''}`);
    for (const f of t.fields) lines.push(`    ${f.name} = ${f.value}`);
    if (t.purpose) lines.push(`  purpose (as the app states it): ${t.purpose}`);
  }
  return lines.join('\n');
}

/** The leading words of the command line ("datanet show dn_…"), skipping global options before them. */
function commandWords(argv: string[]): string[] {
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    // Any global option, as `--name value`, `--name=value` or a flag (-h too).
    const name = a.startsWith('--') ? a.slice(2).split('=')[0]! : a === '-h' ? 'help' : null;
    const option = name !== null && Object.hasOwn(GLOBAL_OPTIONS, name) ? GLOBAL_OPTIONS[name as keyof typeof GLOBAL_OPTIONS] : null;
    if (option) {
      if (option.type === 'string' && !a.includes('=')) i++;
    } else if (a.startsWith('-')) break;
    else words.push(a);
  }
  return words;
}

function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    onStopSignals(resolve);
  });
}

/** Waits for a job, showing its progress on stderr in the given style; Ctrl-C cancels it. */
async function followJob(core: Core, jobId: string, io: CliIo, style: ProgressStyle): Promise<Job> {
  let lastLineMs = 0;
  let lastTotal: number | null | undefined;
  const show = (j: Job) => {
    if (style === 'json') {
      const { done, total, unit, message } = j.progress;
      io.err(JSON.stringify({ jobId: j.id, kind: j.kind, state: j.state, done, total, unit, message, rate: j.rate, etaMs: j.etaMs }) + '\n');
    } else {
      io.err(`${j.title}: ${progressLine(j.progress.done, j.progress.total, j.progress.unit, j.etaMs)}${j.progress.message ? ` — ${j.progress.message}` : ''}\n`);
    }
  };
  const stop = core.onEvent((name, payload) => {
    if (style === 'none' || name !== 'jobs.progress') return;
    const j = payload as Job;
    if (j.id !== jobId) return;
    if (style === 'bar') return io.err(`\r${progressLine(j.progress.done, j.progress.total, j.progress.unit, j.etaMs)}\x1b[K`);
    const now = Date.now();
    // A new total starts a new phase ("Resuming…", then 72 steps): its first line is always shown,
    // so a log says where counting began (a resumed run's first step) and not only later samples.
    if (now - lastLineMs >= PROGRESS_LINE_INTERVAL_MS || j.progress.total !== lastTotal) {
      lastLineMs = now;
      lastTotal = j.progress.total;
      show(j);
    }
  });
  // A cancel, which checkpoints a training run before it ends (see stop-signals.ts for why not `once`).
  const stopListening = onStopSignals(() => void core.call('jobs.cancel', { jobId }), ['SIGINT']);
  try {
    const job = await core.waitForJob(jobId);
    if (style === 'bar') io.err('\n');
    // The final state is always shown, so a log ends with where the job got to and how it ended.
    else if (style !== 'none') show(job);
    return job;
  } finally {
    stop();
    stopListening();
  }
}
