import type { z } from 'zod';
import { methods, isMethodName, type MethodName, type Output, type ParsedInput } from '../../shared/contract';
import { AppError, isAppError, type Envelope, type ErrorInfo } from '../../shared/errors';

export type Handler<M extends MethodName> = (input: ParsedInput<M>) => Output<M> | Promise<Output<M>>;
export type Handlers = { [M in MethodName]: Handler<M> };

export type Call = (method: unknown, input: unknown) => Promise<Envelope<unknown>>;

/** "name: must not be empty; description: …" — each problem with the field it is about. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`)
    .join('; ');
}

const fail = (code: ErrorInfo['code'], message: string): Envelope<never> => ({ ok: false, error: { code, message } });

/**
 * The one door into the core: the method must be in the contract, its input is parsed by the
 * contract's schema before a handler sees it, and whatever happens the caller gets an envelope.
 */
export function createRouter(handlers: Handlers, options: { onInternalError?: (method: string, e: unknown) => void } = {}): Call {
  return async (method, input) => {
    if (!isMethodName(method)) {
      return fail('UNKNOWN_METHOD', `There is no method named ${JSON.stringify(String(method).slice(0, 100))}.`);
    }
    const spec = methods[method];
    const parsed = spec.input.safeParse(input ?? {});
    if (!parsed.success) return fail('BAD_INPUT', `${method}: ${describeIssues(parsed.error)}`);
    try {
      const handler = handlers[method] as (i: unknown) => unknown;
      const value = await handler(parsed.data);
      const out = spec.output.safeParse(value);
      if (!out.success) {
        options.onInternalError?.(method, out.error);
        return fail('INTERNAL', `${method} produced a result that does not match the contract (${describeIssues(out.error)}). This is a bug.`);
      }
      return { ok: true, value: out.data };
    } catch (e) {
      if (isAppError(e)) return fail(e.code, e.message);
      options.onInternalError?.(method, e);
      return fail('INTERNAL', `${method} failed unexpectedly: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
}

/** Unwraps an envelope for in-process callers (CLI, tests): throws the AppError it carries. */
export function unwrap<T>(env: Envelope<T>): T {
  if (env.ok) return env.value;
  throw new AppError(env.error.code, env.error.message);
}
