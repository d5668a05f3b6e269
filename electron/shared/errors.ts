import { z } from 'zod';

/** Every error that crosses the contract carries one of these codes. */
export const ERROR_CODES = [
  'BAD_INPUT',
  'UNKNOWN_METHOD',
  'NOT_FOUND',
  'CONFLICT',
  'CANCELLED',
  'NOT_AVAILABLE',
  'UNAUTHORIZED',
  /** The workspace is encrypted and locked: unlock it first. */
  'LOCKED',
  'DB_TOO_NEW',
  'STORAGE',
  'INTERNAL',
] as const;

export const ErrorCode = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorInfo = z.object({ code: ErrorCode, message: z.string() });
export type ErrorInfo = z.infer<typeof ErrorInfo>;

export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

export const Envelope = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: ErrorInfo }),
]);

/**
 * An error meant for the user: its message is shown as is, so it must say what went wrong
 * and, where it can, which file, row or field and what to do about it.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'AppError';
    this.code = code;
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
