import type { ParseArgsConfig } from 'node:util';
import type { Input, MethodName } from '../../shared/contract';
import type { Job } from '../../shared/jobs';

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
  /** Which contract method the command calls and with what input. */
  request(args: { values: Values; positionals: string[] }): { method: MethodName; input: Input<MethodName> };
  /** Human-readable rendering of the result (the --json output is the result itself). */
  human(value: unknown): string;
  /** Keep running after printing the result, until Ctrl-C or SIGTERM (servers). */
  hold?: boolean;
  /** The result means failure (exit code 1) although the call succeeded. */
  failed?(value: unknown): boolean;
  /** The method starts a job: wait for it and report its result. */
  job?: { human(job: Job): string; failed?(job: Job): boolean };
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

export const num = (values: Values, key: string): number | undefined => {
  const s = str(values, key);
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isFinite(n)) throw new UsageError(`--${key} must be a number (got "${s}")`);
  return n;
};
