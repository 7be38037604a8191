import { Type, type TSchema } from 'typebox';
import { ProblemSchema } from './problem.js';

/** Shared building blocks for route schemas. */

export const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Database id' });
export const IdParams = Type.Object({ id: Id }, { additionalProperties: false });
export const Timestamp = Type.String({ format: 'date-time', description: 'UTC, ISO-8601' });
export const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);

/** A single-line string with no control characters. */
export const PlainText = (options: { minLength?: number; maxLength: number; description?: string }) =>
  Type.String({ pattern: '^[^\\u0000-\\u001f\\u007f]*$', 'x-message': 'must not contain control characters', ...options });

export const Message = Type.Object({ message: Type.String() });

/** The error responses a route can give, all problem+json, for the OpenAPI document. */
export function errors(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((status) => [status, ProblemSchema]));
}

/** ms since the epoch → ISO-8601, or null. */
export const iso = (ms: number) => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

/** OpenAPI security requirement of routes that need a signed-in user: any one of the three. */
export const signedIn: Array<Record<string, string[]>> = [{ bearer: [] }, { token: [] }, { cookie: [] }];
