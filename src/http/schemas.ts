import { Type, type TSchema } from 'typebox';
import { Id } from '../views/scalars.js';
import { ProblemSchema } from './problem.js';

/** Shared building blocks for route schemas. */

export { Id, NullableTimestamp, Timestamp, iso, isoOrNull } from '../views/scalars.js';
export const IdParams = Type.Object({ id: Id }, { additionalProperties: false });

/** A single-line string with no control characters. */
export const PlainText = (options: { minLength?: number; maxLength: number; description?: string }) =>
  Type.String({ pattern: '^[^\\u0000-\\u001f\\u007f]*$', 'x-message': 'must not contain control characters', ...options });

export const Message = Type.Object({ message: Type.String() });

/** The error responses a route can give, all problem+json, for the OpenAPI document. */
export function errors(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((status) => [status, ProblemSchema]));
}

/** OpenAPI security requirement of routes that need a signed-in user: any one of the three. */
export const signedIn: Array<Record<string, string[]>> = [{ bearer: [] }, { token: [] }, { cookie: [] }];

/** OpenAPI security requirement of routes that need a session, not a personal access token. */
export const signedInSession: Array<Record<string, string[]>> = [{ bearer: [] }, { cookie: [] }];
