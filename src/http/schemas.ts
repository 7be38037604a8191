import { Type, type TSchema } from 'typebox';
import { ERROR_CODES, type ErrorCode } from '../services/error-codes.js';
import { Id } from '../views/scalars.js';
import { ProblemSchema } from './problem.js';

/** Shared building blocks for route schemas. */

export { Id, NullableTimestamp, Timestamp, iso, isoOrNull } from '../views/scalars.js';
export const IdParams = Type.Object({ id: Id }, { additionalProperties: false });

/** A single-line string with no control characters. */
export const PlainText = (options: { minLength?: number; maxLength: number; description?: string }) =>
  Type.String({ pattern: '^[^\\u0000-\\u001f\\u007f]*$', 'x-message': 'must not contain control characters', ...options });

export const Message = Type.Object({ message: Type.String() });

/** A problem code an operation may answer: under each of its statuses, or `[code, status]` for one of them. */
export type ProblemCode = ErrorCode | readonly [ErrorCode, number];

/** The codes each `problems(...)` response declares, read when the OpenAPI document is built. */
export const declaredProblems = new WeakMap<object, readonly ProblemCode[]>();

/** Groups codes by the statuses they are answered with, in order. */
export function problemStatuses(codes: readonly ProblemCode[]): Map<number, ErrorCode[]> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const entry of codes) {
    const [code, only] = typeof entry === 'string' ? [entry, undefined] : entry;
    const statuses = only === undefined ? ERROR_CODES[code].statuses : [only];
    if (statuses.length === 0 || (only !== undefined && !(ERROR_CODES[code].statuses as readonly number[]).includes(only))) {
      throw new Error(`problem code ${code} is not registered with ${only ?? 'any'} status in src/services/error-codes.ts`);
    }
    for (const status of statuses) {
      const list = byStatus.get(status) ?? [];
      if (!list.includes(code)) list.push(code);
      byStatus.set(status, list);
    }
  }
  return new Map([...byStatus].sort(([a], [b]) => a - b));
}

/**
 * The problems a route may answer besides those every route of its kind does (bad input,
 * missing credentials, rate limits: the document adds those from the route's schema, access and
 * config). Each is `application/problem+json`; the document lists the codes under their statuses.
 * Problem bodies are sent with their own serializer (`sendProblem`), so nothing here strips them.
 */
export function problems(...codes: ProblemCode[]): Record<number, { content: Record<string, { schema: TSchema }> }> {
  const responses: Record<number, { content: Record<string, { schema: TSchema }> }> = {};
  for (const [status, forStatus] of problemStatuses(codes)) {
    const response = { content: { 'application/problem+json': { schema: ProblemSchema } } };
    declaredProblems.set(response, forStatus);
    responses[status] = response;
  }
  return responses;
}

declare module 'fastify' {
  interface FastifySchema {
    /**
     * The multipart/form-data body of a route that reads its parts itself (uploads): shown in the
     * OpenAPI document as the request body, never used to validate.
     */
    multipartBody?: TSchema;
  }
}

/**
 * The responses of a route that answers files (streams, buffers, redirects): for the document
 * and Fastify's per-status lookup only, so they do not type the handler's reply.
 */
export const fileResponses = (responses: Record<number, unknown>): Record<number, unknown> => responses;

/** A response whose body is a file of one of `types`. */
export const fileResponse = (description: string, ...types: string[]) => ({
  description,
  content: Object.fromEntries(types.map((type) => [type, { schema: Type.String({ format: 'binary' }) }])),
});

/** 304 to a request whose `If-None-Match` names the current file. */
export const notModified = Type.Null({ description: 'Not modified: the `If-None-Match` names the file as it is' });

/** OpenAPI security requirement of routes that need a signed-in user: any one of the three. */
export const signedIn: Array<Record<string, string[]>> = [{ bearer: [] }, { token: [] }, { cookie: [] }];

/** OpenAPI security requirement of routes that need a session, not a personal access token. */
export const signedInSession: Array<Record<string, string[]>> = [{ bearer: [] }, { cookie: [] }];
