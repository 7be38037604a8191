import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import FindMyWay from 'find-my-way';
import type { RateLimitMetrics } from '../adapters/metrics.js';
import type { ErrorCode } from '../services/error-codes.js';
import { DomainError, type DomainErrorKind } from '../services/errors.js';
import { defaultCode, sendProblem } from './problem.js';
import { fieldErrors } from './validation.js';

/** The HTTP status of each kind of domain error (the dialects answer with the same ones). */
export const statusOfKind: Record<DomainErrorKind, number> = {
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  rate_limited: 429,
  unavailable: 503,
  bad_gateway: 502,
};

const httpMethods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/**
 * Every failure leaves as problem+json: validation (400 with field errors), domain errors (by
 * kind), Fastify's own client errors (413, 415, malformed JSON), unknown routes (404), known paths
 * with the wrong method (405 with Allow), and anything unexpected (500 with no internals).
 */
export function registerErrorHandling(
  app: FastifyInstance,
  rateLimits: RateLimitMetrics,
  /** Answers a browser's page request for a path no route serves (the web client's own paths); false when it does not. */
  pageFallback?: (request: FastifyRequest, reply: FastifyReply) => boolean,
): void {
  // A second router that knows every path, to tell "no such path" from "wrong method".
  const paths = FindMyWay();
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (!(httpMethods as readonly string[]).includes(method)) continue;
      try {
        paths.on(method as (typeof httpMethods)[number], route.url, () => {});
      } catch {
        // Already known (a route declared twice for one method by a plugin); nothing to add.
      }
    }
  });

  app.setNotFoundHandler((request, reply) => {
    if (pageFallback?.(request, reply)) return reply;
    const path = request.url.split('?')[0] ?? '/';
    const allowed = httpMethods.filter((m) => m !== request.method && paths.find(m, path));
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '));
      return sendProblem(request, reply, {
        status: 405,
        code: 'method_not_allowed',
        detail: `${request.method} is not allowed here; use ${allowed.join(', ')}`,
      });
    }
    return sendProblem(request, reply, { status: 404, code: 'not_found', detail: `No route for ${request.method} ${path}` });
  });

  app.setErrorHandler((error: FastifyError | DomainError | Error, request, reply) => {
    if (error instanceof DomainError) {
      const status = statusOfKind[error.kind];
      if (error.details.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.details.retryAfterSeconds));
      // A limit the domain keeps (failed logins per account); the per-client ones count themselves (rate-limits.ts).
      if (error.details.limit !== undefined) rateLimits.rejected(error.details.limit, request.routeOptions.url ?? 'unmatched');
      return sendProblem(request, reply, {
        status,
        ...(error.kind === 'validation' ? { title: 'Validation failed' } : {}),
        code: error.code,
        detail: error.message,
        errors: error.details.fields,
        ...error.details.extra,
      });
    }
    const fastifyError = error as FastifyError;
    if (fastifyError.validation) {
      const errors = fieldErrors(fastifyError.validation as Parameters<typeof fieldErrors>[0]);
      const where = fastifyError.validationContext === 'querystring' ? 'query string' : (fastifyError.validationContext ?? 'request');
      return sendProblem(request, reply, {
        status: 400,
        code: 'validation_failed',
        title: 'Validation failed',
        detail: `The ${where} is invalid: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`,
        errors,
      });
    }
    const status = fastifyError.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Fastify's own client errors (body too large, bad content type, malformed JSON) carry
      // messages written for clients.
      const headers = (fastifyError as { headers?: Record<string, string> }).headers;
      if (headers) reply.headers(headers);
      return sendProblem(request, reply, { status, code: clientErrorCode(fastifyError, status), detail: fastifyError.message });
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(request, reply, {
      status: 500,
      code: 'internal_error',
      detail: 'Something went wrong on our side. Quote the request id when reporting it.',
    });
  });
}

function clientErrorCode(error: FastifyError, status: number): ErrorCode {
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') return 'malformed_json';
  if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return 'empty_body';
  return defaultCode(status);
}
