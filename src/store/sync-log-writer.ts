import { LRUCache } from 'lru-cache';

/** An event to record, and who gets it. */
export interface SyncEntry {
  to: readonly number[];
  /** The domain event's JSON. */
  payload: string;
}

/**
 * Appends events to the sync log, one transaction per batch, each event with the next position
 * (positions only grow, and a reader that sees one sees every smaller one). `deliver` is called
 * with the batch's first position at the point where no later batch can be delivered before this
 * one: on PostgreSQL inside the transaction, under the lock of the counter row, so that across
 * nodes the bus carries batches in position order; on SQLite right after the commit (one writer,
 * one node). One implementation per engine, chosen where the database is opened.
 */
export interface SyncLogWriter {
  append(entries: readonly SyncEntry[], now: number, deliver: (first: number) => Promise<void>): Promise<void>;
}

/** The key of a set of recipients: their ids, sorted, once each. */
export function audienceKey(to: readonly number[]): string {
  return [...new Set(to)].sort((a, b) => a - b).join(',');
}

/**
 * Audience ids by key, as this node has met them. An audience row is never changed and never
 * deleted while events refer to it, so a cached id stays right; the cache only saves the look-up.
 */
export const audienceCache = () => new LRUCache<string, number>({ max: 50_000 });
