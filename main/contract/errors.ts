import { z } from 'zod';

/**
 * The closed list of error codes that may cross the transport. Add a code here (and its
 * translation in renderer/src/i18n) rather than inventing strings at call sites.
 */
export const ERROR_CODES = [
  'BAD_FRAME', // a frame that is not JSON or not of the frame schema
  'FRAME_TOO_LARGE', // a frame over the size limit
  'UNKNOWN_METHOD', // a method, stream or notification that the contract does not declare
  'INVALID_INPUT', // input that fails the method's schema
  'INVALID_OUTPUT', // a service returned something its schema refuses (a bug on our side)
  'CANCELLED',
  'TIMEOUT',
  'UNAVAILABLE', // transport closed, server gone, service not reachable
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'CONFLICT', // compare-and-swap lost, concurrent change
  'UNAUTHENTICATED', // missing or wrong token / passphrase
  'PERMISSION_DENIED',
  'LOCKED', // secret vault locked
  'HOST_KEY_UNKNOWN',
  'HOST_KEY_CHANGED',
  'HOST_KEY_REVOKED',
  'AUTH_FAILED',
  'PORT_IN_USE',
  'UNSUPPORTED',
  'INTERNAL',
] as const;

export const ErrorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

export const ErrorDataSchema = z.object({
  code: ErrorCodeSchema,
  message: z.string().max(8192),
  hint: z.string().max(4096).optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ErrorData = z.infer<typeof ErrorDataSchema>;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { hint?: string; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.hint = opts.hint;
    this.details = opts.details;
  }

  toData(): ErrorData {
    const data: ErrorData = { code: this.code, message: truncate(this.message, 8192) };
    if (this.hint !== undefined) data.hint = truncate(this.hint, 4096);
    if (this.details !== undefined) data.details = this.details;
    return data;
  }

  static fromData(data: ErrorData): AppError {
    return new AppError(data.code, data.message, { hint: data.hint, details: data.details });
  }

  /** Wrap anything thrown into an AppError; unknown errors become INTERNAL with their message. */
  static from(err: unknown): AppError {
    if (err instanceof AppError) return err;
    if (isAbortError(err)) return new AppError('CANCELLED', 'the operation was cancelled');
    const message = err instanceof Error ? err.message : String(err);
    return new AppError('INTERNAL', message || 'internal error', { cause: err });
  }
}

export function isAppError(err: unknown, code?: ErrorCode): err is AppError {
  return err instanceof AppError && (code === undefined || err.code === code);
}

function isAbortError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'AbortError';
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
