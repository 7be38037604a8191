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
const PRUNE_USERS_PER_STATEMENT = 500;

/** Reads and prunes the sync log (appends: sync-log-writer.ts). */
export class SyncLogRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async state(): Promise<SyncLogState> {
    const row = await this.db.selectFrom('sync_state').select(['head', 'pruned_through']).where('id', '=', 1).executeTakeFirstOrThrow();
    return { head: Number(row.head), prunedThrough: Number(row.pruned_through) };
  }

  /** A user's events after `after` up to `upTo`, oldest first. */
  async eventsFor(userId: number, after: number, upTo: number, limit: number): Promise<RecordedEvent[]> {
    const rows = await this.db
      .selectFrom('sync_inbox as i')
      .innerJoin('sync_events as e', 'e.id', 'i.event_id')
      .select(['e.id', 'e.payload'])
      .where('i.user_id', '=', userId)
      .where('i.event_id', '>', after)
      .where('i.event_id', '<=', upTo)
      .orderBy('i.event_id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ position: Number(r.id), payload: r.payload }));
  }

  /**
   * Deletes the events recorded before `before` (a time), in short statements with the event loop
   * free between them. The pruned mark moves first, so a token into the pruned range is refused
   * from then on rather than answered with a hole. Returns how many events went.
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
    // The inbox is keyed by user: walk its users by index seeks and cut each one's old range.
    let lastUser = -1;
    for (;;) {
      const users: number[] = [];
      while (users.length < PRUNE_USERS_PER_STATEMENT) {
        const next = await this.db.selectFrom('sync_inbox').select('user_id').where('user_id', '>', lastUser).orderBy('user_id').limit(1).executeTakeFirst();
        if (!next) break;
        lastUser = Number(next.user_id);
        users.push(lastUser);
      }
      if (users.length === 0) break;
      await this.db.deleteFrom('sync_inbox').where('user_id', 'in', users).where('event_id', '<=', through).execute();
      await yieldToEventLoop();
    }
    return deleted;
  }
}
