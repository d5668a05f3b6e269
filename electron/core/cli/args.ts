import { readFileSync } from 'node:fs';
import type { ParseArgsConfig } from 'node:util';
import type { Input, MethodName } from '../../shared/contract';
import type { Job } from '../../shared/jobs';
import type { Core } from '../core';

/** The command table's types and the argument helpers every command file uses. */
export class UsageError extends Error {}

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | string[] | undefined>;

export interface Command {
  /** e.g. "datanet create" */
  name: string;
  usage: string;
  summary: string;
  options?: Options;
  positionals?: string[];
  /** Which contract method the command calls and with what input (every command but interactive ones). */
  request?(args: { values: Values; positionals: string[] }): { method: MethodName; input: Input<MethodName> };
  /** Human-readable rendering of the result (the --json output is the result itself). */
  human(value: unknown): string;
  /** Keep running after printing the result, until Ctrl-C or SIGTERM (servers). */
  hold?: boolean;
  /** The result means failure (exit code 1) although the call succeeded. */
  failed?(value: unknown): boolean;
  /** The method starts a job: wait for it and report its result. */
  job?: {
    human(job: Job): string;
    failed?(job: Job): boolean;
    /**
     * Runs once the job has succeeded, before the workspace closes (closing cancels what still
     * runs): waits for follow-on work the job started, its progress shown by `follow`, and
     * returns what to tell the user about it.
     */
    after?(args: { core: Core; job: Job; follow(jobId: string): Promise<Job> }): Promise<string | null>;
  };
  /**
   * The command signs with the wallet: it is unlocked first (password from --password-file or
   * $DATANET_STUDIO_WALLET_PASSWORD, never from the command line), and each signing request is
   * shown decoded and confirmed at the terminal unless --yes was given.
   */
  signs?: boolean;
  /** A command that needs more than one call (e.g. a confirmation typed by the user); returns the result. */
  interactive?(args: { core: Core; values: Values; positionals: string[]; ask(question: string): Promise<string>; say(s: string): void }): Promise<unknown>;
  /** Answers on an encrypted workspace that is still locked (no passphrase needed). */
  worksLocked?: boolean;
  /** Runs without opening the workspace (restoring into it: nothing may hold it open); returns the result. */
  offline?(args: { values: Values; positionals: string[]; say(s: string): void }): Promise<unknown>;
}

export const str = (v: Values, key: string): string | undefined => (typeof v[key] === 'string' ? (v[key] as string) : undefined);
export const required = (v: Values, key: string): string => {
  const s = str(v, key);
  if (s === undefined) throw new UsageError(`--${key} is required`);
  return s;
};
export const int = (v: Values, key: string): number | undefined => {
  const s = str(v, key);
  if (s === undefined) return undefined;
  if (!/^\d+$/.test(s)) throw new UsageError(`--${key} must be a whole number (got "${s}")`);
  return Number(s);
};
export const positional = (p: string[], i: number, name: string): string => {
  const s = p[i];
  if (s === undefined) throw new UsageError(`missing <${name}>`);
  return s;
};

/** What each id prefix names, so a value of the wrong kind is refused at once with what was meant. */
const ID_KINDS: Record<string, string> = {
  dn: 'a datanet', rec: 'a record', job: 'a job', imp: 'an import', snap: 'a snapshot', run: 'a training run', ad: 'an adapter',
  mdl: 'a model', conv: 'a conversation', rev: 'a revocation', prop: 'a proposal',
};

/**
 * --model takes a registered model's id or a GGUF file's path. An id of another kind (a job id from
 * `models import --json`) is refused here, instead of failing late as a file that cannot be opened.
 */
export function modelIdOrPath(value: string, option = 'model'): { modelId: string } | { modelPath: string } {
  if (/^mdl_[0-9a-f]{16}$/.test(value)) return { modelId: value };
  const kind = /^([a-z]+)_[0-9a-f]{16}$/.exec(value)?.[1];
  if (kind && ID_KINDS[kind]) {
    const hint = kind === 'job' ? ' (a job\'s result holds the model: its .result.id with --json)' : '';
    throw new UsageError(`--${option} takes a model id (mdl_…) or a .gguf file path; ${value} is ${ID_KINDS[kind]} id${hint}`);
  }
  return { modelPath: value };
}

export const num = (values: Values, key: string): number | undefined => {
  const s = str(values, key);
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isFinite(n)) throw new UsageError(`--${key} must be a number (got "${s}")`);
  return n;
};

/**
 * A secret from the first line of the file named by --<option>, else from the environment variable;
 * never from the command line itself, which other users of the machine can see in `ps`.
 */
export function secret(values: Values, option: string, envName: string): string | null {
  const file = str(values, option);
  if (file !== undefined) {
    try {
      return readFileSync(file, 'utf8').split(/\r?\n/)[0]!;
    } catch (e) {
      throw new UsageError(`--${option}: cannot read ${file}: ${(e as Error).message}`);
    }
  }
  return process.env[envName] || null;
}

/** The workspace passphrase of an encrypted workspace (global --passphrase-file). */
export const PASSPHRASE_ENV = 'DATANET_STUDIO_PASSPHRASE';
export const workspacePassphrase = (values: Values): string | null => secret(values, 'passphrase-file', PASSPHRASE_ENV);
