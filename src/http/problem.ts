import { STATUS_CODES } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ERROR_CODES, type ErrorCode } from '../services/error-codes.js';
import type { FieldError } from '../services/errors.js';

/** RFC 9457 problem details, with a stable `code` and field-level `errors` for bad input. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'A URI naming the kind of problem; about:blank for plain HTTP errors' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
    code: Type.String({ description: 'Stable machine-readable error code' }),
    requestId: Type.Optional(Type.String()),
    errors: Type.Optional(
      Type.Array(Type.Object({ field: Type.String(), message: Type.String() }), {
        description: 'Field-level messages for invalid input',
      }),
    ),
  },
  { additionalProperties: true },
);

export interface Problem {
  status: number;
  code: ErrorCode;
  detail?: string;
  title?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

const codeForStatus: Record<number, ErrorCode> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  414: 'uri_too_long',
  409: 'conflict',
  410: 'gone',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'rate_limited',
  500: 'internal_error',
  502: 'bad_gateway',
  503: 'unavailable',
};

export const defaultCode = (status: number): ErrorCode => codeForStatus[status] ?? (status >= 500 ? 'internal_error' : 'bad_request');

let checkAgainstRegistry = false;

/**
 * Outside production, a problem whose code the registry (docs/ERRORS.md) does not list with its
 * status is answered as a 500 that says so, so that a test exercising it fails and the catalogue
 * stays true.
 */
export function checkProblemsAgainstRegistry(on: boolean): void {
  checkAgainstRegistry = on;
}

/** The code of each problem answered, for the request log. */
const problemCodes = new WeakMap<FastifyReply, ErrorCode>();

/** The `code` of the problem this reply answered with; undefined when it was no problem. */
export const problemCodeOf = (reply: FastifyReply): ErrorCode | undefined => problemCodes.get(reply);

/** Sends a problem+json body; the only way an error leaves the HTTP layer. */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: Problem): FastifyReply {
  if (checkAgainstRegistry && !(ERROR_CODES[problem.code]?.statuses as readonly number[] | undefined)?.includes(problem.status)) {
    const unregistered = `problem code ${problem.code} is not registered with status ${problem.status} in src/services/error-codes.ts`;
    request.log.error(unregistered);
    problem = { status: 500, code: 'internal_error', detail: unregistered };
  }
  const { status, code, detail, title, errors, ...extensions } = problem;
  problemCodes.set(reply, code);
  const body = {
    type: 'about:blank',
    title: title ?? STATUS_CODES[status] ?? 'Error',
    status,
    ...(detail ? { detail } : {}),
    instance: request.url.split('?')[0],
    code,
    requestId: request.id,
    ...(errors && errors.length > 0 ? { errors } : {}),
    ...extensions,
  };
  return reply.code(status).type('application/problem+json; charset=utf-8').serializer(JSON.stringify).send(body);
}
