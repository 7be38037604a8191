import type { ErrorCode } from './error-codes.js';

/**
 * Typed domain errors. Services throw these; the HTTP layer maps each kind to one status code in
 * one place. `code` is a stable, machine-readable identifier clients may branch on; `message` is
 * safe to show to the user.
 */
export type DomainErrorKind =
  | 'validation'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'gone'
  | 'rate_limited'
  | 'unavailable'
  /** An outside service we depend on (a sign-in provider) failed or answered nonsense. */
  | 'bad_gateway';

export interface FieldError {
  field: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    readonly code: ErrorCode,
    message: string,
    readonly details: {
      fields?: FieldError[];
      retryAfterSeconds?: number;
      /** For `rate_limited`: the name of the limit that refused, for the metrics. */
      limit?: string;
      extra?: Record<string, unknown>;
    } = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const validationError = (code: ErrorCode, message: string, fields: FieldError[] = []) =>
  new DomainError('validation', code, message, { fields });
export const unauthorized = (code: ErrorCode, message: string) => new DomainError('unauthorized', code, message);
export const forbidden = (code: ErrorCode, message: string) => new DomainError('forbidden', code, message);
export const notFound = (code: ErrorCode, message: string) => new DomainError('not_found', code, message);
export const conflict = (code: ErrorCode, message: string, fields: FieldError[] = []) =>
  new DomainError('conflict', code, message, { fields });
export const rateLimited = (message: string, retryAfterSeconds: number, limit?: string) =>
  new DomainError('rate_limited', 'rate_limited', message, { retryAfterSeconds, limit });
