import type { Kysely } from 'kysely';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Database } from './schema.js';

/** Where the log stands: the last position handed out, and the highest one pruned. */
export interface SyncLogState {
  head: number;
  prunedThrough: number;
}

export interface RecordedEvent {
  position: number;
  payload: string;
}

const PRUNE_EVENTS_PER_STATEMENT = 5000;

/** Reads and prunes the sync log (appends: sync-log-writer.ts). */
export class SyncLogRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async state(): Promise<SyncLogState> {
    const row = await this.db.selectFrom('sync_state').select(['head', 'pruned_through']).where('id', '=', 1).executeTakeFirstOrThrow();
    return { head: Number(row.head), prunedThrough: Number(row.pruned_through) };
  }

  /** A user's events after `after` up to `upTo`, oldest first. */
  async eventsFor(userId: number, after: number, upTo: number, limit: number): Promise<RecordedEvent[]> {
    // Through the user's audiences: each one an index range of its events.
    const rows = await this.db
      .selectFrom('sync_events as e')
      .select(['e.id', 'e.payload'])
      .where('e.audience_id', 'in', (eb) => eb.selectFrom('sync_audience_members').select('audience_id').where('user_id', '=', userId))
      .where('e.id', '>', after)
      .where('e.id', '<=', upTo)
      .orderBy('e.id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ position: Number(r.id), payload: r.payload }));
  }

  /**
   * Deletes the events recorded before `before` (a time), in short statements with the event loop
   * free between them. The pruned mark moves first, so a token into the pruned range is refused
   * from then on rather than answered with a hole. Returns how many events went. Audiences stay:
   * one row per set of recipients, and a writer may hold an audience's id in its cache.
   */
  async prune(before: number): Promise<number> {
    const { head, prunedThrough } = await this.state();
    const firstKept = await this.db.selectFrom('sync_events').select('id').where('created_at', '>=', before).orderBy('id').limit(1).executeTakeFirst();
    const through = firstKept ? Number(firstKept.id) - 1 : head;
    if (through <= prunedThrough) return 0;
    await this.db.updateTable('sync_state').set({ pruned_through: through }).where('id', '=', 1).where('pruned_through', '<', through).execute();

    let deleted = 0;
    for (let from = prunedThrough; from < through; from += PRUNE_EVENTS_PER_STATEMENT) {
      const result = await this.db
        .deleteFrom('sync_events')
        .where('id', '>', from)
        .where('id', '<=', Math.min(through, from + PRUNE_EVENTS_PER_STATEMENT))
        .executeTakeFirst();
      deleted += Number(result.numDeletedRows);
      await yieldToEventLoop();
    }
    return deleted;
  }
}
