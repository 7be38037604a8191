import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { HttpServer } from '../http/server.js';
import { fieldErrors } from '../http/validation.js';
import type { ErrorCode } from '../services/error-codes.js';
import { DomainError, type FieldError } from '../services/errors.js';
import { statusOfKind } from '../http/errors.js';
import { POST_IMAGES_MAX } from '../services/posts/post-service.js';

/** A failure, before a dialect puts it in its document's shape. */
export interface Failure {
  status: number;
  code: ErrorCode;
  detail: string;
  fields?: FieldError[];
}

/** How a dialect's document writes its errors. */
export interface ErrorShape {
  /** The body of a failure. */
  body(failure: Failure): unknown;
  /** The status the document gives a failure, when it differs from ours. */
  status?(failure: Failure): number;
  /** The body of a 404 for a path the dialect does not serve. */
  notFound(path: string): unknown;
}

/** One source document's API, served at `/compat/<seed>` (and at the root when `COMPAT_ROOT` names it). */
export interface Dialect {
  seed: string;
  /**
   * The first segments of its paths (`auth`, `api/token`): at the root they must not be ours, so a
   * dialect that would shadow the canonical API is refused at start-up.
   */
  roots: string[];
  /** How its document writes errors, when not as Django REST does (`djangoErrors`). */
  errors?: ErrorShape;
  /** Registers its routes (and WebSocket routes) in its own scope, set up by `serveDialect`. */
  routes(scope: HttpServer): Promise<void> | void;
}

export interface DialectLimits {
  /** The largest file a multipart body may carry (avatars, attachments). */
  maxFileBytes: number;
}

/**
 * Sets up a dialect's encapsulated scope as its original framework behaved: JSON, form and
 * multipart bodies; every failure in the document's error shape; a JSON 404 for unknown paths
 * (unless mounted at the root, where the server's own 404 stays). CORS and the security headers
 * come from the server, on every answer, errors and preflights included.
 */
export async function serveDialect(scope: HttpServer, dialect: Dialect, shape: ErrorShape, limits: DialectLimits, options: { root: boolean }): Promise<void> {
  // The API document describes the canonical API; each dialect's own document is its reference.
  scope.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, hide: true };
  });
  await scope.register(formbody, { bodyLimit: 64 * 1024 });
  await scope.register(multipart, {
    limits: { fileSize: limits.maxFileBytes, files: POST_IMAGES_MAX, fields: 20, fieldSize: 64 * 1024, fieldNameSize: 100, parts: 25, headerPairs: 50 },
    throwFileSizeLimit: true,
  });
  scope.setErrorHandler((error: FastifyError | DomainError | Error, request, reply) => {
    const failure = failureOf(error, request);
    if (failure.status === 429 && error instanceof DomainError && error.details.retryAfterSeconds !== undefined) {
      reply.header('retry-after', String(error.details.retryAfterSeconds));
    }
    return reply.code(shape.status?.(failure) ?? failure.status).type('application/json; charset=utf-8').send(shape.body(failure));
  });
  if (!options.root) {
    scope.setNotFoundHandler((request, reply) => reply.code(404).type('application/json; charset=utf-8').send(shape.notFound(request.url.split('?')[0] ?? '/')));
  }
  await dialect.routes(scope);
}

/** Any error a handler or Fastify raised, as a failure; the unexpected ones are logged and hidden. */
function failureOf(error: FastifyError | DomainError | Error, request: FastifyRequest): Failure {
  if (error instanceof DomainError) {
    return { status: statusOfKind[error.kind], code: error.code, detail: error.message, fields: error.details.fields };
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const fields = fieldErrors(fastifyError.validation as Parameters<typeof fieldErrors>[0]);
    return { status: 400, code: 'validation_failed', detail: fields.map((f) => `${f.field} ${f.message}`).join('; '), fields };
  }
  if (fastifyError.code === 'FST_REQ_FILE_TOO_LARGE') return { status: 413, code: 'payload_too_large', detail: 'The file is too large' };
  const status = fastifyError.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const malformed = error instanceof SyntaxError || fastifyError.code === 'FST_ERR_CTP_INVALID_JSON_BODY';
    return { status, code: malformed ? 'malformed_json' : status === 405 ? 'method_not_allowed' : 'bad_request', detail: malformed ? 'JSON parse error' : fastifyError.message };
  }
  request.log.error({ err: error }, 'unhandled error');
  return { status: 500, code: 'internal_error', detail: 'A server error occurred.' };
}

/** Sends JSON with a status. */
export function answer(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(JSON.stringify(body));
}
