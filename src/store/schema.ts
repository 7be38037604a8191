/**
 * The typed shape of every table, for Kysely. Times are stored as integer milliseconds since the
 * epoch on both engines (one representation, cheap comparisons); repositories turn them into
 * ISO-8601 strings at the edge.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- tables arrive with the features that own them
export interface Database {}
