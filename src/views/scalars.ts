import { Type } from 'typebox';

/**
 * The scalar shapes every view and route schema shares. They live with the views, not in http/,
 * so the WebSocket's frames use them without reaching into the HTTP layer.
 */

export const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Database id' });
export const Timestamp = Type.String({ format: 'date-time', description: 'UTC, ISO-8601' });
export const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);

/** ms since the epoch → ISO-8601, or null. */
export const iso = (ms: number) => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));
